/**
 * `repository check | stats` of a location's volume repository, run by the control plane: it holds the
 * repository secret in its vault, so the caller names the location and never sees the secret. Stats are
 * quick (the snapshots' manifests and the index); a check reads every tree, and with `readData` every pack —
 * the whole repository downloaded into the control plane — so it is bounded: one check per location (on
 * every replica: the location's advisory lock in the database), `maxChecks` in all on a replica, a time
 * limit, and stopped when its caller goes away.
 */
import { createHash } from 'node:crypto';
import { type LocationRecord, repositoryCheckLockSpace } from '../db/index.ts';
import { describeError } from '../kube/index.ts';
import {
  type CheckResult,
  checkRepository,
  openRepository,
  type Repository,
  RepositoryNotFoundError,
  type RepositoryStats,
  repositoryStats,
  WrongSecretError,
} from '../volumes/index.ts';
import { authorize, type Caller } from './access.ts';
import type { ControlContext } from './context.ts';
import { repositorySecret } from './data-mover.ts';
import { ConflictError, PreconditionError } from './errors.ts';
import { openStoredLocation, resolveLocation } from './locations.ts';

/** Checks run at once on one replica, whatever their locations. */
export const maxChecks = 2;
/** How long one check may run (reading a large repository's every pack takes long; not for ever). */
export const checkTimeoutMs = 6 * 60 * 60_000;

/** The location (admins of its project only) and a sentence when it has no repository yet. */
async function adminLocation(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  locationRef: string,
): Promise<LocationRecord> {
  const { project } = await authorize(ctx, caller, projectRef, 'admin');
  const location = await resolveLocation(ctx, project.id, locationRef);
  if (!location.repositorySecret)
    throw new PreconditionError(
      `location "${location.name}" has no volume repository yet: the first backup that copies volume data there makes it (includeDisks with copyVolumeData, or the location's copyVolumeData default)`,
    );
  return location;
}

/** Opens the location's repository with the secret from the vault; runs `work`; closes the store. */
async function withLocationRepository<T>(
  ctx: ControlContext,
  location: LocationRecord,
  work: (repo: Repository) => Promise<T>,
): Promise<T> {
  const store = openStoredLocation(ctx, location);
  try {
    let repo: Repository;
    try {
      repo = await openRepository(store, await repositorySecret(ctx, location));
    } catch (error) {
      if (error instanceof RepositoryNotFoundError)
        throw new PreconditionError(
          `location "${location.name}" has a repository secret but its bucket holds no volume repository (removed, or the location points elsewhere now): the next backup that copies volume data there makes a new one`,
        );
      if (error instanceof WrongSecretError)
        throw new PreconditionError(
          `the volume repository in location "${location.name}" does not open with the secret this control plane keeps for it (${error.keysTried} key file(s) tried): it was made by another control plane, or its keys were replaced`,
        );
      throw error;
    }
    return await work(repo);
  } finally {
    await store.close();
  }
}

/** Logical against stored bytes of a location's repository. */
export async function locationRepositoryStats(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  locationRef: string,
): Promise<{ location: string } & RepositoryStats> {
  const location = await adminLocation(ctx, caller, projectRef, locationRef);
  const stats = await withLocationRepository(ctx, location, (repo) => repositoryStats(repo));
  return { location: location.name, ...stats };
}

/** What a running check tells its caller, in order: started, progress (with readData), then its end. */
export type CheckEvent =
  | {
      type: 'started';
      location: string;
      readData: boolean;
      /** With readData: what it downloads. */
      packs?: number;
      storedBytes?: number;
    }
  | { type: 'progress'; packsRead: number; packs: number }
  | ({ type: 'result'; location: string; readData: boolean } & CheckResult);

/** The checks running on each control plane (this replica), by location id. */
const runningChecks = new WeakMap<ControlContext, Set<string>>();

/** Options of `startRepositoryCheck`. */
export interface RepositoryCheckOptions {
  readData: boolean;
  /** The caller went away: the check stops. */
  signal?: AbortSignal;
  /** Default `checkTimeoutMs`. */
  timeoutMs?: number;
}

/**
 * Starts a check of a location's repository; refuses at once (before anything is streamed) an unknown
 * location, one without a repository, and a check beyond the bounds. `events` sends each event as it comes;
 * the promise ends with the check (a store failure or the time limit is thrown, with what it means).
 */
export async function runRepositoryCheck(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  locationRef: string,
  options: RepositoryCheckOptions,
  events: (event: CheckEvent) => Promise<void>,
): Promise<void> {
  const location = await adminLocation(ctx, caller, projectRef, locationRef);
  const running = runningChecks.get(ctx) ?? new Set<string>();
  runningChecks.set(ctx, running);
  if (running.has(location.id))
    throw new ConflictError(
      `a check of the volume repository of location "${location.name}" is already running: wait for it to end`,
    );
  if (running.size >= maxChecks)
    throw new ConflictError(
      `${running.size} repository checks are running on this server (at most ${maxChecks} at once): try again when one has ended`,
    );
  running.add(location.id);
  const timeoutMs = options.timeoutMs ?? checkTimeoutMs;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  // Pg advisory locks count per session: this replica's own checks are told apart by `running` above.
  const session = await ctx.db.lockSession().catch((error: unknown) => {
    running.delete(location.id);
    throw error;
  });
  const lockKey = createHash('sha256').update(location.id).digest().readInt32BE(0);
  let locked = false;
  try {
    locked = await session.tryLock(repositoryCheckLockSpace, lockKey);
    if (!locked)
      throw new ConflictError(
        `a check of the volume repository of location "${location.name}" is already running on another replica of the control plane: wait for it to end`,
      );
    await withLocationRepository(ctx, location, async (repo) => {
      const { readData } = options;
      const started: CheckEvent = { type: 'started', location: location.name, readData };
      if (readData) {
        const stats = await repositoryStats(repo);
        started.packs = stats.packs;
        started.storedBytes = stats.storedBytes;
      }
      await events(started);
      let last = 0;
      let sending = Promise.resolve();
      const result = await checkRepository(repo, {
        readData,
        signal,
        // At most one progress event a second (and the last), sent in order.
        onProgress: ({ packsRead, packs }) => {
          if (packsRead !== packs && Date.now() - last < 1000) return;
          last = Date.now();
          sending = sending.then(() => events({ type: 'progress', packsRead, packs }));
        },
      });
      await sending;
      await events({ type: 'result', location: location.name, readData, ...result });
    });
  } catch (error) {
    if (timeout.aborted)
      throw new PreconditionError(
        `the check of the volume repository of location "${location.name}" took longer than ${Math.round(timeoutMs / 60_000)} minutes and was stopped${options.readData ? ': without --read-data it reads the trees only' : ''}`,
      );
    throw error;
  } finally {
    running.delete(location.id);
    if (locked)
      await session.unlock(repositoryCheckLockSpace, lockKey).catch((error: unknown) =>
        // The lock stays with this replica's session until its connection ends: other replicas refuse
        // checks of the location until then.
        ctx.log.warn(
          { location: location.name, lockKey, err: describeError(error) },
          'could not release the lock of a repository check: other replicas refuse checks of this location until this one restarts',
        ),
      );
  }
}
