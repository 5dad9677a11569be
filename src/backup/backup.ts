/**
 * The backup engine: lists every selected object of a cluster (paged, several resource types at once) and
 * streams them into `<name>.tar.gz` in the location (backup-run.ts), then writes the resource list, the content index, the
 * logs, the results and — last — `velero-backup.json`, so a backup that did not finish never looks complete.
 * A resource that cannot be read is recorded in the results (PartiallyFailed); only a failure of the
 * location or of the cluster as a whole fails the backup, and then everything written is removed.
 * Before anything is written the run claims the name (claim.ts): of two runs of one name, one wins and the
 * other is refused. The description is also created only-if-absent, and a failed run removes files only
 * while the claim is still its own.
 */
import {
  type BackupDescription,
  backupKeys,
  encodeBackupDescription,
  isBackupName,
  maxTtlMs,
  type ResultGroup,
} from '../archive/index.ts';
import { describeError } from '../kube/index.ts';
import { ObjectExistsError, type ObjectStore } from '../storage/index.ts';
import { BackupRun } from './backup-run.ts';
import {
  type ClaimOwner,
  claimBackupName,
  claimedBy,
  newWriterId,
  putOnce,
  readBackupClaim,
} from './claim.ts';
import { BackupExistsError, BackupInputError } from './errors.ts';
import { parseLabelSelector } from './label-selector.ts';
import type { BackupProgress, BackupRequest } from './request.ts';

export type { BackupProgress, BackupRequest };

/** How a backup ended. */
export interface BackupOutcome {
  description: BackupDescription;
  errors: ResultGroup;
  warnings: ResultGroup;
}

const defaultTtlMs = 30 * 24 * 3600 * 1000;
/**
 * An RFC 1123 subdomain: dot-separated parts of lower-case letters, digits and '-', each starting and ending
 * with a letter or digit (so no `..` and no `.-`).
 */
export const objectNamePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * A backup or restore name: what the catalog reads back as a backup folder (`isBackupName`), so the engine
 * never writes a backup that it would then refuse to read.
 */
export function isObjectName(name: string): boolean {
  return isBackupName(name);
}

/** Checks a backup name; throws `BackupInputError` saying what a valid one is. */
export function checkBackupName(name: string): void {
  if (!isObjectName(name)) {
    throw new BackupInputError(
      `invalid backup name "${name}": use at most 63 lower-case letters, digits, '-' and '.', with a letter or digit at each end and on each side of every '.'`,
    );
  }
}

/**
 * Checks a TTL the description can record (Velero's `spec.ttl` is whole seconds, and an expiration must be
 * a real date); throws `BackupInputError` saying the limit.
 */
export function checkTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0)
    throw new BackupInputError('the TTL must be a positive duration such as 720h');
  if (!Number.isInteger(ttlMs / 1000))
    throw new BackupInputError(
      `the TTL must be a whole number of seconds (a backup records it as hours, minutes and seconds, such as 720h0m0s); got ${ttlMs} ms`,
    );
  if (ttlMs > maxTtlMs)
    throw new BackupInputError(
      `the TTL must be at most 100 years (${maxTtlMs / 3_600_000}h); got ${Math.round(ttlMs / 3_600_000)}h`,
    );
}

/** Runs a backup to completion and says how it ended. Throws only for bad input or an existing backup. */
export async function runBackup(request: BackupRequest): Promise<BackupOutcome> {
  checkBackupName(request.name);
  const ttlMs = request.ttlMs ?? defaultTtlMs;
  checkTtl(ttlMs);
  const labelSelector = request.labelSelector?.trim() || undefined;
  let selector: ReturnType<typeof parseLabelSelector> | undefined;
  try {
    selector = labelSelector ? parseLabelSelector(labelSelector) : undefined;
  } catch (error) {
    throw new BackupInputError((error as Error).message);
  }
  const keys = backupKeys(request.name);
  const { store } = request;
  // A backup with no claim (Velero's, or written before claims) is found by its description; the claim
  // then settles a race between two Lifeboat writers.
  if (await store.head(keys.metadata)) throw new BackupExistsError(request.name, store.description);
  const start = new Date();
  const writerId = newWriterId();
  await claimBackupName(store, {
    backup: request.name,
    writerId,
    startTimestamp: start,
    labels: request.labels ?? {},
  });

  const run = new BackupRun(request, start);
  const description: BackupDescription = {
    name: request.name,
    storageLocation: request.storageLocation ?? 'default',
    includedNamespaces: request.includeNamespaces ?? [],
    excludedNamespaces: request.excludeNamespaces ?? [],
    includedResources: request.includeResources ?? [],
    excludedResources: request.excludeResources ?? [],
    clusterResources: request.clusterResources ?? 'auto',
    ttlMs,
    includeDisks: request.includeDisks ?? false,
    ...(request.includeDisks && request.moveData ? { snapshotMoveData: true } : {}),
    phase: 'InProgress',
    startTimestamp: start,
    expiration: new Date(start.getTime() + ttlMs),
    totalItems: 0,
    itemsBackedUp: 0,
    errors: 0,
    warnings: 0,
    sizeBytes: 0,
  };
  if (selector) description.labelSelector = selector;
  if (request.labels) description.labels = request.labels;

  try {
    const outcome = await run.execute(description, labelSelector);
    await putOnce(store, keys.metadata, encodeBackupDescription(outcome), 'application/json');
    return { description: outcome, errors: run.results.errors, warnings: run.results.warnings };
  } catch (error) {
    // Another writer, ignoring the claim, put a description here meanwhile: its folder is left alone.
    const overtaken = error instanceof ObjectExistsError && error.key === keys.metadata;
    const reason = overtaken
      ? `another writer put a description into backups/${request.name}/ while this backup ran, ignoring Lifeboat's claim on the name; the folder was left as it is — check which backup it holds, or delete it`
      : describeError(error);
    run.log.error('backup failed', { error: reason });
    if (!overtaken) await removeBackupFiles(store, request.name, { writerId });
    // The snapshots it took would be recorded nowhere now: they go too.
    if (run.disks) {
      const { discardSnapshots } = await import('./disks.ts');
      await discardSnapshots(request.kube, run.disks, run.log);
    }
    description.phase = 'Failed';
    description.failureReason = reason;
    description.completionTimestamp = new Date();
    description.itemsBackedUp = run.itemsBackedUp;
    description.totalItems = run.itemsBackedUp;
    run.results.error(reason);
    description.errors = run.results.errorCount;
    description.warnings = run.results.warningCount;
    return { description, errors: run.results.errors, warnings: run.results.warnings };
  }
}

/**
 * Deletes every object of backup `name`, its claim last (best effort: a failure here must not hide the first
 * one). With `owner`, only while the folder's claim is that writer's (its writer id, or carrying the labels
 * given), so another writer's backup of the same name is never touched. Says whether it removed anything.
 */
export async function removeBackupFiles(
  store: ObjectStore,
  name: string,
  owner?: ClaimOwner,
): Promise<boolean> {
  try {
    const keys = backupKeys(name);
    if (owner && !claimedBy(await readBackupClaim(store, name), owner)) return false;
    const found: string[] = [];
    for await (const object of store.list(keys.dir)) found.push(object.key);
    await store.delete(found.filter((key) => key !== keys.claim));
    await store.delete([keys.claim]);
    return true;
  } catch {
    // The location is what failed; nothing more can be done here.
    return false;
  }
}
