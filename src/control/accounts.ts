/** Users, API tokens, projects and members. Tokens are random; only their SHA-256 is stored. */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ProjectRecord, Role, TokenRecord, UserRecord } from '../db/index.ts';
import * as db from '../db/index.ts';
import { authorize, type Caller, requireGlobalAdmin, roleIn } from './access.ts';
import type { ControlContext } from './context.ts';
import {
  AuthenticationError,
  ConflictError,
  InputError,
  isUniqueViolation,
  NotFoundError,
} from './errors.ts';

const tokenPrefix = 'lbt_';

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface UserView {
  id: string;
  name: string;
  isAdmin: boolean;
  createdAt: string;
}
export interface TokenView {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
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

function viewToken(token: TokenRecord): TokenView {
  return {
    id: token.id,
    name: token.name,
    createdAt: token.createdAt.toISOString(),
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
  };
}

async function issueToken(
  ctx: ControlContext,
  userId: string,
  name: string,
): Promise<{ id: string; token: string }> {
  const token = `${tokenPrefix}${randomBytes(32).toString('base64url')}`;
  const id = randomUUID();
  await db.insertToken(ctx.db, { id, userId, name, tokenHash: hashToken(token), createdAt: ctx.clock.now() });
  return { id, token };
}

/**
 * On a store with no users: creates the administrator and a first token, shown once. Several replicas
 * starting together on an empty database create one administrator between them.
 */
export async function bootstrapAdmin(
  ctx: ControlContext,
): Promise<{ user: UserView; token: string } | undefined> {
  return ctx.db.transaction(async (tx) => {
    await db.lockBootstrap(tx);
    if ((await db.countUsers(tx)) > 0) return undefined;
    const user: UserRecord = { id: randomUUID(), name: 'admin', isAdmin: true, createdAt: ctx.clock.now() };
    await db.insertUser(tx, user);
    const token = `${tokenPrefix}${randomBytes(32).toString('base64url')}`;
    await db.insertToken(tx, {
      id: randomUUID(),
      userId: user.id,
      name: 'first sign-in',
      tokenHash: hashToken(token),
      createdAt: ctx.clock.now(),
    });
    return { user: viewUser(user), token };
  });
}

/** The caller a bearer token belongs to. */
export async function authenticate(ctx: ControlContext, token: string | undefined): Promise<Caller> {
  if (!token)
    throw new AuthenticationError(
      'sign in: send "Authorization: Bearer <token>" with a token from the first start or from an administrator',
    );
  const found = await db.userByTokenHash(ctx.db, hashToken(token), ctx.clock.now());
  if (!found)
    throw new AuthenticationError(
      'the token is not valid (revoked or mistyped): sign in with a current token',
    );
  return { user: found.user, tokenId: found.tokenId };
}

/**
 * Throws `AuthenticationError` when the caller's token was revoked (or its user deleted) after the request
 * that carried it signed in: long requests (event streams) ask again as they go.
 */
export async function checkStillSignedIn(ctx: ControlContext, caller: Caller): Promise<void> {
  const tokens = await db.listTokens(ctx.db, caller.user.id);
  if (!tokens.some((token) => token.id === caller.tokenId))
    throw new AuthenticationError(
      'the token was revoked (or its user deleted): sign in with a current token',
    );
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
  const { token } = await issueToken(ctx, user.id, 'first sign-in');
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
  await db.deleteUser(ctx.db, user.id);
}

export async function createToken(
  ctx: ControlContext,
  caller: Caller,
  name: string,
): Promise<{ token: string } & TokenView> {
  const { id, token } = await issueToken(ctx, caller.user.id, name);
  return { token, id, name, createdAt: ctx.clock.now().toISOString(), lastUsedAt: null };
}

export async function listTokens(ctx: ControlContext, caller: Caller): Promise<TokenView[]> {
  return (await db.listTokens(ctx.db, caller.user.id)).map(viewToken);
}

export async function revokeToken(ctx: ControlContext, caller: Caller, tokenId: string): Promise<void> {
  if ((await db.deleteToken(ctx.db, caller.user.id, tokenId)) === 0)
    throw new NotFoundError('token', tokenId);
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
  const backups = await db.listBackupRecords(ctx.db, project.id);
  if (backups.length > 0)
    throw new ConflictError(
      `project "${project.name}" still has ${backups.length} backup(s): delete them first (the data in the buckets is not deleted with a project)`,
    );
  await ctx.db.transaction((tx) => db.deleteProject(tx, project.id));
}

export async function listMembers(ctx: ControlContext, caller: Caller, projectIdOrName: string) {
  const { project } = await authorize(ctx, caller, projectIdOrName, 'viewer');
  return db.listMembers(ctx.db, project.id);
}

export async function setMember(
  ctx: ControlContext,
  caller: Caller,
  projectIdOrName: string,
  userIdOrName: string,
  role: Role,
): Promise<void> {
  const { project } = await authorize(ctx, caller, projectIdOrName, 'admin');
  const user = await db.findUser(ctx.db, userIdOrName);
  if (!user) throw new InputError(`no user "${userIdOrName}": an administrator creates users first`);
  await db.upsertMember(ctx.db, project.id, user.id, role);
}

export async function removeMember(
  ctx: ControlContext,
  caller: Caller,
  projectIdOrName: string,
  userIdOrName: string,
): Promise<void> {
  const { project } = await authorize(ctx, caller, projectIdOrName, 'admin');
  const user = await db.findUser(ctx.db, userIdOrName);
  if (!user || (await db.deleteMember(ctx.db, project.id, user.id)) === 0)
    throw new NotFoundError('member', userIdOrName);
}
