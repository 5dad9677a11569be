/** The control plane's store: the two PostgreSQL dialects (embedded PGlite, server), schema, repositories. */
export * from './accounts.ts';
export * from './backups.ts';
export * from './clusters.ts';
export type { Database, LockSession, Queryable, Row } from './database.ts';
export * from './jobs.ts';
export * from './locations.ts';
export { leaderLockKey, migrate, replicaLockSpace, repositoryCheckLockSpace } from './migrations.ts';
export { openEmbeddedDatabase } from './pglite.ts';
export { openPostgresDatabase } from './postgres.ts';
export * from './projects.ts';
export * from './records.ts';
export * from './restores.ts';
