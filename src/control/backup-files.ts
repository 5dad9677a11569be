/**
 * What in a location belongs to a backup row: the labels the control plane writes into every backup it
 * makes, the rule that says whose files a folder holds, and the one way a use case or job opens a backup's
 * location (store errors become a `StorageError` naming the location).
 */
import { BackupMetadataError, backupKeys } from '../archive/index.ts';
import { BackupNotFoundError } from '../backup/index.ts';
import type { BackupRecord } from '../db/index.ts';
import * as db from '../db/index.ts';
import { ObjectNotFoundError, type ObjectStore, StorageError } from '../storage/index.ts';
import type { ControlContext } from './context.ts';
import { ConflictError, InputError, NotFoundError } from './errors.ts';
import { openStoredLocation } from './locations.ts';

/** Labels on every backup the control plane makes, so a rebuilt server can attribute synced backups. */
export const clusterIdLabel = 'lifeboat.io/cluster-id';
export const projectIdLabel = 'lifeboat.io/project-id';
/** The control plane's row of a backup: only files carrying it (or synced from that very folder) are ours. */
export const backupIdLabel = 'lifeboat.io/backup-id';

/**
 * Whether the backup files under this row's folder are the ones this row stands for. Another writer (the
 * CLI, Velero, another project on the same bucket) may own a backup of the same name; a row whose own run
 * failed before writing anything must never delete or claim that. A synced row was recorded from its very
 * folder (sync records a backup under its folder's name only, never the name a description claims).
 */
export function ownsFiles(backup: BackupRecord, labels: Record<string, string> | undefined): boolean {
  return backup.trigger === 'sync' || labels?.[backupIdLabel] === backup.id;
}

/** Errors the API already maps to a status with a message of ours. */
function isOurs(error: Error): boolean {
  return [
    BackupNotFoundError,
    ObjectNotFoundError,
    StorageError,
    ConflictError,
    NotFoundError,
    InputError,
    BackupMetadataError,
  ].some((type) => error instanceof type);
}

/** Runs `work` on the store of a location, closing it after; what the cloud SDKs throw names the location. */
export async function withStore<T>(
  ctx: ControlContext,
  locationId: string,
  work: (store: ObjectStore, location: db.LocationRecord) => Promise<T>,
) {
  const location = await db.locationById(ctx.db, locationId);
  if (!location) throw new NotFoundError('location', locationId);
  const store = openStoredLocation(ctx, location);
  try {
    return await work(store, location);
  } catch (error) {
    // What the cloud SDKs throw becomes a StorageError naming the location (the API answers 502 with it).
    if (error instanceof Error && !isOurs(error))
      throw new StorageError(`location "${location.name}" (${store.description}) failed: ${error.message}`, {
        operation: 'read',
        retryable: false,
        cause: error,
      });
    throw error;
  } finally {
    await store.close().catch(() => undefined);
  }
}

/** True when nothing at all is stored under `backups/<name>/` (no other writer has begun a backup there). */
export async function folderIsFree(store: ObjectStore, name: string): Promise<boolean> {
  for await (const _ of store.list(backupKeys(name).dir)) return false;
  return true;
}
