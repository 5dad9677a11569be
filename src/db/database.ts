/**
 * The `Database` port: parameterised SQL against PostgreSQL, either embedded (PGlite, one process) or a
 * server (several replicas). Only `src/db` speaks SQL; the control plane calls the repositories.
 */

/** A row as the driver returns it. */
export type Row = Record<string, unknown>;

/** Something SQL can be run on: the database or a transaction. */
export interface Queryable {
  query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement and says how many rows it changed. */
  execute(sql: string, params?: readonly unknown[]): Promise<number>;
}

/** A connection that lives as long as the process and holds session-level advisory locks. */
export interface LockSession {
  /** Takes the lock `(space, key)` without waiting; true when this session now holds it. */
  tryLock(space: number, key: number): Promise<boolean>;
  unlock(space: number, key: number): Promise<void>;
  /** Calls `handler` if the session is lost (its locks are then gone). */
  onLost(handler: (reason: string) => void): void;
}

export interface Database extends Queryable {
  /** `embedded` (PGlite: one process owns the data folder) or `postgres` (shared by replicas). */
  readonly kind: 'embedded' | 'postgres';
  /** Runs `work` in a transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** The session this process's advisory locks live on (released by the server when the process dies). */
  lockSession(): Promise<LockSession>;
  close(): Promise<void>;
}
