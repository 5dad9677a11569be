/** Users, API tokens, projects and their members. */
import type { Queryable } from './database.ts';
import {
  type MemberRecord,
  type ProjectRecord,
  type Role,
  type TokenRecord,
  toRecord,
  type UserRecord,
} from './records.ts';

/** Serialises first starts of several replicas on an empty database (held until the transaction ends). */
export async function lockBootstrap(q: Queryable): Promise<void> {
  await q.query("select pg_advisory_xact_lock(hashtext('lifeboat-bootstrap'))");
}

export async function countUsers(q: Queryable): Promise<number> {
  const rows = await q.query<{ n: number }>('select count(*)::int as n from users');
  return rows[0]?.n ?? 0;
}

export async function insertUser(q: Queryable, user: UserRecord): Promise<void> {
  await q.execute('insert into users (id, name, is_admin, created_at) values ($1, $2, $3, $4)', [
    user.id,
    user.name,
    user.isAdmin,
    user.createdAt,
  ]);
}

export async function listUsers(q: Queryable): Promise<UserRecord[]> {
  return (await q.query('select * from users order by name')).map((row) => toRecord<UserRecord>(row));
}

export async function findUser(q: Queryable, idOrName: string): Promise<UserRecord | undefined> {
  const rows = await q.query('select * from users where id = $1 or name = $1', [idOrName]);
  return rows[0] ? toRecord<UserRecord>(rows[0]) : undefined;
}

export async function deleteUser(q: Queryable, id: string): Promise<number> {
  return q.execute('delete from users where id = $1', [id]);
}

export async function insertToken(
  q: Queryable,
  token: Omit<TokenRecord, 'lastUsedAt'> & { tokenHash: string },
): Promise<void> {
  await q.execute(
    'insert into tokens (id, user_id, name, token_hash, created_at) values ($1, $2, $3, $4, $5)',
    [token.id, token.userId, token.name, token.tokenHash, token.createdAt],
  );
}

/** The user a token hash belongs to; records the token's use. */
export async function userByTokenHash(
  q: Queryable,
  tokenHash: string,
  now: Date,
): Promise<{ user: UserRecord; tokenId: string } | undefined> {
  const rows = await q.query<{ token_id: string; user_id: string }>(
    `update tokens set last_used_at = $2 where token_hash = $1
     returning id as token_id, user_id`,
    [tokenHash, now],
  );
  const row = rows[0];
  if (!row) return undefined;
  const user = await findUser(q, row.user_id);
  return user ? { user, tokenId: row.token_id } : undefined;
}

export async function listTokens(q: Queryable, userId: string): Promise<TokenRecord[]> {
  return (
    await q.query(
      'select id, user_id, name, created_at, last_used_at from tokens where user_id = $1 order by created_at',
      [userId],
    )
  ).map((row) => toRecord<TokenRecord>(row));
}

export async function deleteToken(q: Queryable, userId: string, tokenId: string): Promise<number> {
  return q.execute('delete from tokens where id = $1 and user_id = $2', [tokenId, userId]);
}

export async function insertProject(q: Queryable, project: ProjectRecord): Promise<void> {
  await q.execute('insert into projects (id, name, created_at) values ($1, $2, $3)', [
    project.id,
    project.name,
    project.createdAt,
  ]);
}

export async function findProject(q: Queryable, idOrName: string): Promise<ProjectRecord | undefined> {
  const rows = await q.query('select * from projects where id = $1 or name = $1', [idOrName]);
  return rows[0] ? toRecord<ProjectRecord>(rows[0]) : undefined;
}

/** Every project, or those `userId` is a member of. */
export async function listProjects(q: Queryable, userId?: string): Promise<ProjectRecord[]> {
  const rows = userId
    ? await q.query(
        'select p.* from projects p join project_members m on m.project_id = p.id where m.user_id = $1 order by p.name',
        [userId],
      )
    : await q.query('select * from projects order by name');
  return rows.map((row) => toRecord<ProjectRecord>(row));
}

/** Deletes a project and its configuration (its backups must be gone: they reference its locations). */
export async function deleteProject(q: Queryable, id: string): Promise<number> {
  await q.execute('delete from restores where project_id = $1', [id]);
  await q.execute('delete from policies where project_id = $1', [id]);
  await q.execute('delete from locations where project_id = $1', [id]);
  return q.execute('delete from projects where id = $1', [id]);
}

export async function listMembers(q: Queryable, projectId: string): Promise<MemberRecord[]> {
  return (
    await q.query(
      `select m.project_id, m.user_id, u.name as user_name, m.role from project_members m
       join users u on u.id = m.user_id where m.project_id = $1 order by u.name`,
      [projectId],
    )
  ).map((row) => toRecord<MemberRecord>(row));
}

export async function memberRole(q: Queryable, projectId: string, userId: string): Promise<Role | undefined> {
  const rows = await q.query<{ role: Role }>(
    'select role from project_members where project_id = $1 and user_id = $2',
    [projectId, userId],
  );
  return rows[0]?.role;
}

export async function upsertMember(
  q: Queryable,
  projectId: string,
  userId: string,
  role: Role,
): Promise<void> {
  await q.execute(
    `insert into project_members (project_id, user_id, role) values ($1, $2, $3)
     on conflict (project_id, user_id) do update set role = excluded.role`,
    [projectId, userId, role],
  );
}

export async function deleteMember(q: Queryable, projectId: string, userId: string): Promise<number> {
  return q.execute('delete from project_members where project_id = $1 and user_id = $2', [projectId, userId]);
}
