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

/** A token as the store keeps it (never its value, nor its hash). */
export interface TokenDetails extends TokenRecord {
  /** After this the token is refused; null: it does not expire. */
  expiresAt: Date | null;
  /** When it was revoked; null while it is not. */
  revokedAt: Date | null;
}

const tokenColumns = 'id, user_id, name, created_at, last_used_at, expires_at, revoked_at';

export async function insertToken(
  q: Queryable,
  token: Omit<TokenRecord, 'lastUsedAt'> & { tokenHash: string; expiresAt?: Date | null },
): Promise<void> {
  await q.execute(
    'insert into tokens (id, user_id, name, token_hash, created_at, expires_at) values ($1, $2, $3, $4, $5, $6)',
    [token.id, token.userId, token.name, token.tokenHash, token.createdAt, token.expiresAt ?? null],
  );
}

/** What a presented token turned out to be. */
export type TokenLookup =
  | { kind: 'valid'; user: UserRecord; tokenId: string }
  | { kind: 'revoked' | 'expired'; name: string; at: Date }
  | { kind: 'unknown' };

/**
 * The user a token hash belongs to, recording the token's use; or why it is refused (revoked, expired,
 * unknown). A token of a deleted user is unknown: its row went with the user.
 */
export async function lookupTokenHash(q: Queryable, tokenHash: string, now: Date): Promise<TokenLookup> {
  const rows = await q.query<{ token_id: string; user_id: string }>(
    `update tokens set last_used_at = $2
     where token_hash = $1 and revoked_at is null and (expires_at is null or expires_at > $2)
     returning id as token_id, user_id`,
    [tokenHash, now],
  );
  const row = rows[0];
  if (row) {
    const user = await findUser(q, row.user_id);
    return user ? { kind: 'valid', user, tokenId: row.token_id } : { kind: 'unknown' };
  }
  const refused = await q.query<{ name: string; revoked_at: Date | null; expires_at: Date | null }>(
    'select name, revoked_at, expires_at from tokens where token_hash = $1',
    [tokenHash],
  );
  const token = refused[0];
  if (!token) return { kind: 'unknown' };
  if (token.revoked_at) return { kind: 'revoked', name: token.name, at: token.revoked_at };
  if (token.expires_at) return { kind: 'expired', name: token.name, at: token.expires_at };
  return { kind: 'unknown' };
}

/** True while the token exists, is not revoked and has not expired. */
export async function tokenIsValid(q: Queryable, tokenId: string, now: Date): Promise<boolean> {
  const rows = await q.query(
    'select 1 from tokens where id = $1 and revoked_at is null and (expires_at is null or expires_at > $2)',
    [tokenId, now],
  );
  return rows.length > 0;
}

/** A user's tokens, newest first: active, expired and revoked alike. */
export async function listTokens(q: Queryable, userId: string): Promise<TokenDetails[]> {
  return (
    await q.query(`select ${tokenColumns} from tokens where user_id = $1 order by created_at desc, name`, [
      userId,
    ])
  ).map((row) => toRecord<TokenDetails>(row));
}

export async function findToken(
  q: Queryable,
  userId: string,
  tokenId: string,
): Promise<TokenDetails | undefined> {
  const rows = await q.query(`select ${tokenColumns} from tokens where id = $1 and user_id = $2`, [
    tokenId,
    userId,
  ]);
  return rows[0] ? toRecord<TokenDetails>(rows[0]) : undefined;
}

/** Revokes one of a user's tokens (kept, so its use is refused as revoked); 0 when none was active. */
export async function revokeToken(q: Queryable, userId: string, tokenId: string, now: Date): Promise<number> {
  return q.execute(
    'update tokens set revoked_at = $3 where id = $1 and user_id = $2 and revoked_at is null',
    [tokenId, userId, now],
  );
}

/** Revokes every token of a user but `keepId`; says how many were active. */
export async function revokeOtherTokens(
  q: Queryable,
  userId: string,
  keepId: string,
  now: Date,
): Promise<number> {
  return q.execute(
    `update tokens set revoked_at = $3
     where user_id = $1 and id <> $2 and revoked_at is null and (expires_at is null or expires_at > $3)`,
    [userId, keepId, now],
  );
}

/** The user's tokens that are neither revoked nor expired. */
export async function countActiveTokens(q: Queryable, userId: string, now: Date): Promise<number> {
  const rows = await q.query<{ n: number }>(
    `select count(*)::int as n from tokens
     where user_id = $1 and revoked_at is null and (expires_at is null or expires_at > $2)`,
    [userId, now],
  );
  return rows[0]?.n ?? 0;
}

/** The administrator created first (the one `lifeboat serve` made on its first start, while it exists). */
export async function firstAdministrator(q: Queryable): Promise<UserRecord | undefined> {
  const rows = await q.query('select * from users where is_admin order by created_at, name limit 1');
  return rows[0] ? toRecord<UserRecord>(rows[0]) : undefined;
}

export async function setAdministrator(q: Queryable, userId: string, isAdmin: boolean): Promise<void> {
  await q.execute('update users set is_admin = $2 where id = $1', [userId, isAdmin]);
}

/** The digest of the master key the store was set up with (see `master_key_check`), if recorded. */
export async function readMasterKeyCheck(q: Queryable): Promise<string | undefined> {
  const rows = await q.query<{ digest: string }>('select digest from master_key_check where id = 1');
  return rows[0]?.digest;
}

/** Records the master key's digest unless one is recorded already; true when this call recorded it. */
export async function recordMasterKeyCheck(q: Queryable, digest: string, now: Date): Promise<boolean> {
  return (
    (await q.execute(
      'insert into master_key_check (id, digest, created_at) values (1, $1, $2) on conflict (id) do nothing',
      [digest, now],
    )) > 0
  );
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

/**
 * The admins of a project, their rows locked until the transaction ends: two concurrent changes cannot
 * both remove "the other" admin and leave none.
 */
export async function lockProjectAdmins(q: Queryable, projectId: string): Promise<string[]> {
  const rows = await q.query<{ user_id: string }>(
    `select user_id from project_members where project_id = $1 and role = 'admin' order by user_id for update`,
    [projectId],
  );
  return rows.map((row) => row.user_id);
}

/** The names of the projects where `userId` is the only admin. */
export async function projectsOnlyAdministeredBy(q: Queryable, userId: string): Promise<string[]> {
  const rows = await q.query<{ name: string }>(
    `select p.name from projects p join project_members m on m.project_id = p.id
     where m.user_id = $1 and m.role = 'admin'
       and not exists (select 1 from project_members o
                       where o.project_id = p.id and o.role = 'admin' and o.user_id <> $1)
     order by p.name`,
    [userId],
  );
  return rows.map((row) => row.name);
}
