/**
 * Members of a project and their roles (viewer, operator, admin). A project keeps at least one admin: its
 * last admin cannot be removed or demoted, so someone can always manage it without a Lifeboat administrator.
 */
import * as db from '../db/index.ts';
import { authorize, type Caller } from './access.ts';
import type { ControlContext } from './context.ts';
import { ConflictError, InputError, NotFoundError } from './errors.ts';

/** A member of a project: who, and their role there. */
export interface MemberView {
  projectId: string;
  userId: string;
  userName: string;
  role: db.Role;
}

/** The project's members, by name. */
export async function listMembers(
  ctx: ControlContext,
  caller: Caller,
  projectIdOrName: string,
): Promise<MemberView[]> {
  const { project } = await authorize(ctx, caller, projectIdOrName, 'viewer');
  return db.listMembers(ctx.db, project.id);
}

function lastAdminMessage(user: string, project: string, change: string): string {
  return `"${user}" is the last admin of project "${project}" and cannot be ${change}: make another member admin first, then change "${user}"`;
}

/**
 * Gives a user a role in the project (adding them if they are not a member). Demoting the last admin is
 * refused with a `ConflictError`.
 */
export async function setMember(
  ctx: ControlContext,
  caller: Caller,
  projectIdOrName: string,
  userIdOrName: string,
  role: db.Role,
): Promise<MemberView> {
  const { project } = await authorize(ctx, caller, projectIdOrName, 'admin');
  const user = await db.findUser(ctx.db, userIdOrName);
  if (!user) throw new InputError(`no user "${userIdOrName}": an administrator creates users first`);
  await ctx.db.transaction(async (tx) => {
    const admins = await db.lockProjectAdmins(tx, project.id);
    if (role !== 'admin' && admins.length === 1 && admins[0] === user.id)
      throw new ConflictError(lastAdminMessage(user.name, project.name, `made ${role}`));
    await db.upsertMember(tx, project.id, user.id, role);
  });
  return { projectId: project.id, userId: user.id, userName: user.name, role };
}

/** Removes a user from the project; removing the last admin is refused with a `ConflictError`. */
export async function removeMember(
  ctx: ControlContext,
  caller: Caller,
  projectIdOrName: string,
  userIdOrName: string,
): Promise<void> {
  const { project } = await authorize(ctx, caller, projectIdOrName, 'admin');
  const user = await db.findUser(ctx.db, userIdOrName);
  if (!user) throw new NotFoundError('member', userIdOrName);
  await ctx.db.transaction(async (tx) => {
    const admins = await db.lockProjectAdmins(tx, project.id);
    if (admins.length === 1 && admins[0] === user.id)
      throw new ConflictError(lastAdminMessage(user.name, project.name, 'removed'));
    if ((await db.deleteMember(tx, project.id, user.id)) === 0)
      throw new NotFoundError('member', userIdOrName);
  });
}
