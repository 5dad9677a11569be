/**
 * Who may do what. A global admin may do everything; otherwise the caller's role in the project decides:
 * viewers read, operators also run backups, restores and checks, admins also change the configuration.
 */
import { findProject, memberRole, type ProjectRecord, type Role, type UserRecord } from '../db/index.ts';
import type { ControlContext } from './context.ts';
import { NotAllowedError, NotFoundError } from './errors.ts';

/** The signed-in user a request acts for. */
export interface Caller {
  user: UserRecord;
  tokenId: string;
}

const rank: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

/** What each role is for, in the messages of refused requests. */
const roleWork: Record<Role, string> = {
  viewer: 'read this project',
  operator: 'run backups, restores and checks in this project',
  admin: 'change the configuration of this project',
};

/** The caller's role in a project (global admins are admins everywhere), or undefined. */
export async function roleIn(
  ctx: ControlContext,
  caller: Caller,
  projectId: string,
): Promise<Role | undefined> {
  if (caller.user.isAdmin) return 'admin';
  return memberRole(ctx.db, projectId, caller.user.id);
}

/**
 * Resolves a project by id or name and checks the caller holds at least `needed` in it. A project the
 * caller is not a member of is reported as not found, so names of other teams' projects do not leak.
 */
export async function authorize(
  ctx: ControlContext,
  caller: Caller,
  projectIdOrName: string,
  needed: Role,
): Promise<{ project: ProjectRecord; role: Role }> {
  const project = await findProject(ctx.db, projectIdOrName);
  const role = project ? await roleIn(ctx, caller, project.id) : undefined;
  if (!project || !role) throw new NotFoundError('project', projectIdOrName);
  if (rank[role] < rank[needed])
    throw new NotAllowedError(
      `your role in project "${project.name}" is ${role}: only ${needed}s ${needed === 'admin' ? 'may' : 'and admins may'} ${roleWork[needed]}; ask a project admin`,
    );
  return { project, role };
}

export function requireGlobalAdmin(caller: Caller, what: string): void {
  if (!caller.user.isAdmin) throw new NotAllowedError(`only a Lifeboat administrator may ${what}`);
}
