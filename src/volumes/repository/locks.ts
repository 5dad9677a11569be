/**
 * Locks (`locks/<random id>`, sealed): backups hold shared locks, a prune an exclusive one, so a prune never
 * runs while a backup may still refer to blobs it would delete (docs/repository-format.md §9). A lock is
 * rewritten every `refreshMs`; one whose object was last written more than `staleAfterMs` ago (by the store's
 * clock) is stale and ignored, which frees the repository from a writer that was killed.
 */
import { getBuffer } from '../../storage/index.ts';
import { randomId } from './crypto.ts';
import { IntegrityError, LockLostError, RepositoryLockedError } from './errors.ts';
import { encodeDocument, type LockDocument, limits, lockSchema, parseDocument } from './format.ts';
import { type Repository, repoKeys } from './repository.ts';

/** Timing of locks. */
export interface LockOptions {
  /** A lock not rewritten for this long is stale (default 30 minutes). */
  staleAfterMs?: number;
  /** How often a held lock is rewritten (default 5 minutes). */
  refreshMs?: number;
  /** How long to keep trying when the repository is locked (default 0: fail at once). */
  waitMs?: number;
}

const minute = 60_000;

/** A held lock; `release` it in a `finally`. */
export class RepositoryLock {
  readonly id: string;
  readonly exclusive: boolean;
  private readonly repo: Repository;
  private readonly staleAfterMs: number;
  private lastWritten: number;
  private refreshError: unknown;
  private readonly timer: NodeJS.Timeout;

  constructor(repo: Repository, id: string, exclusive: boolean, staleAfterMs: number, refreshMs: number) {
    this.repo = repo;
    this.id = id;
    this.exclusive = exclusive;
    this.staleAfterMs = staleAfterMs;
    this.lastWritten = Date.now();
    this.timer = setInterval(() => void this.refresh(), refreshMs);
    this.timer.unref();
  }

  private async refresh(): Promise<void> {
    const started = Date.now();
    try {
      await writeLock(this.repo, this.id, this.exclusive);
      this.lastWritten = started;
    } catch (error) {
      this.refreshError = error;
    }
  }

  /**
   * Throws `LockLostError` when the lock may have gone stale (not rewritten for most of `staleAfterMs`):
   * another process could then have taken an exclusive lock. Called before committing anything.
   */
  assertHeld(): void {
    if (Date.now() - this.lastWritten > this.staleAfterMs * 0.8) {
      throw new LockLostError({ cause: this.refreshError });
    }
  }

  /** Stops refreshing and deletes the lock. */
  async release(): Promise<void> {
    clearInterval(this.timer);
    await this.repo.store.delete([repoKeys.lock(this.id)]);
  }
}

async function writeLock(repo: Repository, id: string, exclusive: boolean): Promise<void> {
  const doc: LockDocument = {
    version: 1,
    exclusive,
    time: new Date().toISOString(),
    host: repo.hostname,
    pid: process.pid,
  };
  const sealed = await repo.crypto.seal(encodeDocument(doc));
  await repo.store.put(repoKeys.lock(id), sealed, { contentLength: sealed.length });
}

/** A lock found in the repository. */
export interface LockInfo {
  id: string;
  /** Undefined when it could not be read. */
  lock: LockDocument | undefined;
  lastModified: Date | undefined;
  stale: boolean;
}

/** Every lock of the repository, with whether it is stale. */
export async function listLocks(repo: Repository, staleAfterMs = 30 * minute): Promise<LockInfo[]> {
  const found: LockInfo[] = [];
  for await (const info of repo.store.list(repoKeys.locksDir)) {
    const id = repoKeys.idOf(info.key);
    const stale = info.lastModified ? Date.now() - info.lastModified.getTime() > staleAfterMs : false;
    let lock: LockDocument | undefined;
    try {
      const sealed = await getBuffer(repo.store, info.key);
      const plain = await repo.openSealed(sealed, info.key, limits.lock);
      lock = parseDocument(lockSchema, plain, info.key);
    } catch (error) {
      // Deleted between list and get (released), or unreadable: an unreadable lock still counts.
      if ((error as Error).name === 'ObjectNotFoundError') continue;
      if (!(error instanceof IntegrityError)) throw error;
    }
    found.push({ id, lock, lastModified: info.lastModified, stale });
  }
  return found;
}

/**
 * Takes a lock: writes it, then lists the others; when one conflicts (any live lock for an exclusive one, a
 * live exclusive one for a shared one) removes its own and throws `RepositoryLockedError`, after retrying
 * for `waitMs`. Of two processes racing, each lists after its own write, so at least one sees the other.
 */
export async function acquireLock(
  repo: Repository,
  exclusive: boolean,
  options: LockOptions = {},
): Promise<RepositoryLock> {
  const staleAfterMs = options.staleAfterMs ?? 30 * minute;
  const refreshMs = options.refreshMs ?? 5 * minute;
  const deadline = Date.now() + (options.waitMs ?? 0);
  for (let attempt = 1; ; attempt++) {
    const id = randomId();
    await writeLock(repo, id, exclusive);
    const conflicts = (await listLocks(repo, staleAfterMs)).filter(
      (other) => other.id !== id && !other.stale && (exclusive || other.lock?.exclusive !== false),
    );
    if (conflicts.length === 0) return new RepositoryLock(repo, id, exclusive, staleAfterMs, refreshMs);
    await repo.store.delete([repoKeys.lock(id)]);
    if (Date.now() >= deadline) {
      throw new RepositoryLockedError(
        exclusive ? 'exclusive' : 'shared',
        conflicts.map((other) =>
          other.lock
            ? `${other.lock.exclusive ? 'an exclusive' : 'a shared'} lock of ${other.lock.host} (pid ${other.lock.pid}) since ${other.lock.time}`
            : `an unreadable lock ${other.id}`,
        ),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * attempt)));
  }
}

/** Removes stale locks (left by killed processes); returns how many. */
export async function removeStaleLocks(repo: Repository, staleAfterMs = 30 * minute): Promise<number> {
  const stale = (await listLocks(repo, staleAfterMs)).filter((info) => info.stale);
  await repo.store.delete(stale.map((info) => repoKeys.lock(info.id)));
  return stale.length;
}

/**
 * Removes the locks written by `host`, a writer known to be gone (a mover pod that was deleted before it
 * could release its lock): otherwise its lock would keep prune out until it goes stale. Returns how many.
 */
export async function removeLocksOf(repo: Repository, host: string): Promise<number> {
  const held = (await listLocks(repo)).filter((info) => info.lock?.host === host);
  await repo.store.delete(held.map((info) => repoKeys.lock(info.id)));
  return held.length;
}
