/**
 * Users, projects and the first administrator. Tokens live in accounts-tokens.ts, members in
 * accounts-members.ts, the administrator's token reset in accounts-reset.ts (re-exported here).
 */

import { randomUUID } from 'node:crypto';
import type { ProjectRecord, Role, UserRecord } from '../db/index.ts';
import * as db from '../db/index.ts';
import { authorize, type Caller, requireGlobalAdmin, roleIn } from './access.ts';
import { masterKeyDigest } from './accounts-reset.ts';
import { issueToken } from './accounts-tokens.ts';
import type { ControlContext } from './context.ts';
import { ConflictError, isUniqueViolation, NotFoundError } from './errors.ts';
import { refuseUnlessEmpty } from './projects.ts';

export * from './accounts-members.ts';
export * from './accounts-reset.ts';
export * from './accounts-tokens.ts';
export { exportRepositorySecret, type RepositorySecretOptions } from './admin-repository.ts';

export interface UserView {
  id: string;
  name: string;
  isAdmin: boolean;
  createdAt: string;
}
export interface ProjectView {
  id: string;
  name: string;
  createdAt: string;
  /** The caller's role in it. */
  role: Role;
}

export function viewUser(user: UserRecord): UserView {
  return { id: user.id, name: user.name, isAdmin: user.isAdmin, createdAt: user.createdAt.toISOString() };
}

/**
 * On a store with no users: creates the administrator and a first token, shown once. Several replicas
 * starting together on an empty database create one administrator between them. Every start also records
 * which master key the store is used with (the first time), or warns when the key differs from it:
 * `lifeboat admin reset-token` checks the key against that record.
 */
export async function bootstrapAdmin(
  ctx: ControlContext,
): Promise<{ user: UserView; token: string } | undefined> {
  return ctx.db.transaction(async (tx) => {
    await db.lockBootstrap(tx);
    const digest = masterKeyDigest(ctx);
    const recorded = await db.readMasterKeyCheck(tx);
    if (recorded === undefined) await db.recordMasterKeyCheck(tx, digest, ctx.clock.now());
    else if (recorded !== digest)
      ctx.log.warn(
        'the master key differs from the one this store was set up with: stored secrets will not open (give every replica the same LIFEBOAT_MASTER_KEY)',
      );
    if ((await db.countUsers(tx)) > 0) return undefined;
    const user: UserRecord = { id: randomUUID(), name: 'admin', isAdmin: true, createdAt: ctx.clock.now() };
    await db.insertUser(tx, user);
    const { token } = await issueToken(tx, { userId: user.id, name: 'first sign-in', now: ctx.clock.now() });
    return { user: viewUser(user), token };
  });
}

export async function createUser(
  ctx: ControlContext,
  caller: Caller,
  input: { name: string; isAdmin: boolean },
): Promise<{ user: UserView; token: string }> {
  requireGlobalAdmin(caller, 'create users');
  const user: UserRecord = {
    id: randomUUID(),
    name: input.name,
    isAdmin: input.isAdmin,
    createdAt: ctx.clock.now(),
  };
  try {
    await db.insertUser(ctx.db, user);
  } catch (error) {
    if (isUniqueViolation(error))
      throw new ConflictError(`a user named "${input.name}" already exists: pick another name`);
    throw error;
  }
  const { token } = await issueToken(ctx.db, {
    userId: user.id,
    name: 'first sign-in',
    now: ctx.clock.now(),
  });
  return { user: viewUser(user), token };
}

export async function listUsers(ctx: ControlContext, caller: Caller): Promise<UserView[]> {
  requireGlobalAdmin(caller, 'list users');
  return (await db.listUsers(ctx.db)).map(viewUser);
}

export async function deleteUser(ctx: ControlContext, caller: Caller, idOrName: string): Promise<void> {
  requireGlobalAdmin(caller, 'delete users');
  const user = await db.findUser(ctx.db, idOrName);
  if (!user) throw new NotFoundError('user', idOrName);
  if (user.id === caller.user.id)
    throw new ConflictError('you cannot delete yourself: sign in as another administrator');
  await ctx.db.transaction(async (tx) => {
    const only = await db.projectsOnlyAdministeredBy(tx, user.id);
    if (only.length > 0)
      throw new ConflictError(
        `"${user.name}" is the last admin of project${only.length > 1 ? 's' : ''} ${only.map((name) => `"${name}"`).join(', ')}: make another member admin there first, then delete "${user.name}"`,
      );
    await db.deleteUser(tx, user.id);
  });
}

function viewProject(project: ProjectRecord, role: Role): ProjectView {
  return { id: project.id, name: project.name, createdAt: project.createdAt.toISOString(), role };
}

export async function createProject(ctx: ControlContext, caller: Caller, name: string): Promise<ProjectView> {
  requireGlobalAdmin(caller, 'create projects');
  const project: ProjectRecord = { id: randomUUID(), name, createdAt: ctx.clock.now() };
  try {
    await ctx.db.transaction(async (tx) => {
      await db.insertProject(tx, project);
      await db.upsertMember(tx, project.id, caller.user.id, 'admin');
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new ConflictError(`a project named "${name}" already exists: pick another name`);
    throw error;
  }
  return viewProject(project, 'admin');
}

export async function listProjects(ctx: ControlContext, caller: Caller): Promise<ProjectView[]> {
  const projects = await db.listProjects(ctx.db, caller.user.isAdmin ? undefined : caller.user.id);
  const views: ProjectView[] = [];
  for (const project of projects) {
    const role = await roleIn(ctx, caller, project.id);
    if (role) views.push(viewProject(project, role));
  }
  return views;
}

export async function getProject(
  ctx: ControlContext,
  caller: Caller,
  idOrName: string,
): Promise<ProjectView> {
  const { project, role } = await authorize(ctx, caller, idOrName, 'viewer');
  return viewProject(project, role);
}

export async function deleteProject(ctx: ControlContext, caller: Caller, idOrName: string): Promise<void> {
  requireGlobalAdmin(caller, 'delete projects');
  const { project } = await authorize(ctx, caller, idOrName, 'admin');
  // Only an empty project goes: the refusal names what is left (clusters, workspaces, locations, backups).
  await refuseUnlessEmpty(ctx, project);
  await ctx.db.transaction((tx) => db.deleteProject(tx, project.id));
}
