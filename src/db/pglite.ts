/** The embedded store: PGlite (PostgreSQL compiled to WebAssembly) on disk, owned by one process. */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
 * When a process started, in clock ticks since boot (field 22 of /proc/<pid>/stat), or undefined where
 * /proc cannot tell. A pid reused by another process after a crash has another start time.
 */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 is the command in parentheses and may hold spaces or ')': count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** What a lock file records: the owner's pid and start time, and a token naming this one claim. */
interface LockOwner {
  pid: number;
  start?: string;
  token?: string;
}

function readOwner(text: string): LockOwner | undefined {
  const trimmed = text.trim();
  // Locks written before start times were recorded hold the pid alone.
  if (/^\d+$/.test(trimmed)) return { pid: Number(trimmed) };
  try {
    const owner = JSON.parse(trimmed) as Partial<LockOwner>;
    if (typeof owner.pid !== 'number' || !Number.isInteger(owner.pid) || owner.pid <= 0) return undefined;
    return {
      pid: owner.pid,
      ...(typeof owner.start === 'string' ? { start: owner.start } : {}),
      ...(typeof owner.token === 'string' ? { token: owner.token } : {}),
    };
  } catch {
    return undefined;
  }
}

/** When a process started, in ms since the epoch (Linux: boot time plus its start in 1/100 s ticks). */
function processStartMs(pid: number): number | undefined {
  const ticks = Number(processStart(pid));
  try {
    const boot = Number(readFileSync('/proc/stat', 'utf8').match(/^btime (\d+)$/m)?.[1]);
    // USER_HZ, the unit of /proc's times, is 100 on every Linux architecture.
    return Number.isFinite(ticks) && boot ? boot * 1000 + ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

function isNodeProcess(pid: number): boolean | undefined {
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return /(^|\/)node[^/]*$/.test(argv0);
  } catch {
    return undefined;
  }
}

/**
 * Why a recorded owner no longer holds the store, or undefined when it may (it is alive and is the very
 * process that wrote the lock, or this system cannot tell a reused pid apart).
 */
function staleness(owner: LockOwner | undefined, writtenMs: number): string | undefined {
  if (!owner) return 'the lock file is unreadable';
  if (!alive(owner.pid)) return `process ${owner.pid} is gone`;
  const reused = `process ${owner.pid} is gone and its pid now belongs to another process`;
  const start = processStart(owner.pid);
  if (owner.start !== undefined) return start !== undefined && start !== owner.start ? reused : undefined;
  // A lock of an older Lifeboat holds the pid alone: a process started after the lock was written, or one
  // that is not Node.js, did not write it.
  const startedMs = processStartMs(owner.pid);
  if (startedMs !== undefined && startedMs > writtenMs + 1000) return reused;
  if (isNodeProcess(owner.pid) === false) return reused;
  return undefined;
}

export interface EmbeddedOptions {
  /** Told when a lock left by a process that is gone was taken over (for the server's log). */
  onStaleLock?: (message: string) => void;
}

/**
 * Claims the folder for this process: two processes on one embedded store would corrupt it (and each would
 * take the other's running jobs for a dead replica's). The lock records the owner's pid and start time, so
 * an unrelated live process that got the pid of a crashed owner does not keep the store locked.
 */
function claimFolder(dir: string, options: EmbeddedOptions): () => void {
  // Beside the folder, not in it: PostgreSQL's initdb wants an empty folder.
  const file = `${dir}.lock`;
  const start = processStart(process.pid);
  const mine = `${JSON.stringify({ pid: process.pid, ...(start ? { start } : {}), token: randomBytes(12).toString('hex') })}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      writeFileSync(file, mine, { flag: 'wx' });
      return () => {
        // Only our own claim is removed.
        if (readIfExists(file) === mine) rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const seen = readIfExists(file);
    if (seen === undefined) continue;
    const owner = readOwner(seen);
    const reason = staleness(owner, writtenAt(file));
    if (!reason)
      throw new Error(
        `the embedded store in ${dir} is in use by process ${owner?.pid}: stop it first (an embedded store serves one process; replicas share PostgreSQL through --database-url)`,
      );
    if (takeAway(file, seen))
      options.onStaleLock?.(
        `took over a stale lock of the embedded store in ${dir}: ${reason} (a server that stopped without releasing it)`,
      );
  }
  throw new Error(`cannot claim the embedded store in ${dir}: its lock file ${file} keeps changing`);
}

function writtenAt(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return Date.now();
  }
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Moves aside the lock file if it still says `seen`; true when it did. A rename is atomic: of two processes
 * taking over one stale lock, one moves it. One that moved a fresh claim made meanwhile puts it back.
 */
function takeAway(file: string, seen: string): boolean {
  const aside = `${file}.stale-${randomBytes(6).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const moved = readIfExists(aside);
  if (moved !== seen) {
    try {
      // Back only if nobody claimed the store since; link fails when the name exists.
      linkSync(aside, file);
    } catch {
      // Someone else claimed it meanwhile: theirs stands.
    }
    rmSync(aside, { force: true });
    return false;
  }
  rmSync(aside, { force: true });
  return true;
}

/** Opens (creating when needed) the embedded database in `dir`. */
export async function openEmbeddedDatabase(dir: string, options: EmbeddedOptions = {}): Promise<Database> {
  mkdirSync(dir, { recursive: true });
  const release = claimFolder(dir, options);
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
