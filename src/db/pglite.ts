/** The embedded store: PGlite (PostgreSQL compiled to WebAssembly) on disk, owned by one process. */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Database, LockSession, Queryable, Row } from './database.ts';

function wrap(target: PGlite | Transaction): Queryable {
  return {
    async query<T extends Row>(sql: string, params: readonly unknown[] = []) {
      return (await target.query<T>(sql, [...params])).rows;
    },
    async execute(sql: string, params: readonly unknown[] = []) {
      return (await target.query(sql, [...params])).affectedRows ?? 0;
    },
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims the folder for this process: two processes on one embedded store would corrupt it (and each would
 * take the other's running jobs for a dead replica's).
 */
function claimFolder(dir: string): () => void {
  // Beside the folder, not in it: PostgreSQL's initdb wants an empty folder.
  const file = `${dir}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(file, 'utf8').trim());
      if (owner && owner !== process.pid && alive(owner))
        throw new Error(
          `the embedded store in ${dir} is in use by process ${owner}: stop it first (an embedded store serves one process; replicas share PostgreSQL through --database-url)`,
        );
      rmSync(file, { force: true });
    }
  }
  throw new Error(`cannot claim the embedded store in ${dir}`);
}

/** Opens (creating when needed) the embedded database in `dir`. */
export async function openEmbeddedDatabase(dir: string): Promise<Database> {
  mkdirSync(dir, { recursive: true });
  const release = claimFolder(dir);
  let db: PGlite;
  try {
    db = await PGlite.create(dir);
  } catch (error) {
    release();
    throw error;
  }
  const base = wrap(db);
  // PGlite has one session: transactions are serialised so two callers never interleave statements.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  const session: LockSession = {
    async tryLock(space, key) {
      const rows = await serial(() =>
        base.query<{ locked: boolean }>('select pg_try_advisory_lock($1::int, $2::int) as locked', [
          space,
          key,
        ]),
      );
      return rows[0]?.locked === true;
    },
    async unlock(space, key) {
      await serial(() => base.query('select pg_advisory_unlock($1::int, $2::int)', [space, key]));
    },
    // In-process: the session lives exactly as long as this process.
    onLost: () => undefined,
  };
  return {
    kind: 'embedded',
    query: (sql, params) => serial(() => base.query(sql, params)),
    execute: (sql, params) => serial(() => base.execute(sql, params)),
    transaction: (work) => serial(() => db.transaction((tx) => work(wrap(tx)))),
    lockSession: async () => session,
    close: () => serial(() => db.close()).finally(release),
  };
}
