/**
 * Reading what a location holds: the backups in it (a backup exists when its `velero-backup.json` does —
 * the bucket is the source of truth), one backup's description, results and contents, and deletion.
 */

import { gunzipSync } from 'node:zlib';
import {
  type BackupDescription,
  backupKeys,
  backupsDir,
  type ContentIndex,
  decodeBackupDescription,
  decodeIndex,
  type ResultGroup,
  Results,
  restoreKeys,
} from '../archive/index.ts';
import { getBuffer, ObjectNotFoundError, type ObjectStore } from '../storage/index.ts';
import { mapLimit } from './concurrency.ts';
import { BackupNotFoundError } from './errors.ts';

/** A backup found in a location, or the reason its description could not be read. */
export type StoredBackup = { name: string; description: BackupDescription } | { name: string; error: string };

/** A backup's `velero-backup.json`, decoded; `BackupNotFoundError` when the backup does not exist (or did not finish). */
export async function readBackupDescription(store: ObjectStore, name: string): Promise<BackupDescription> {
  try {
    return decodeBackupDescription(await getBuffer(store, backupKeys(name).metadata));
  } catch (error) {
    if (error instanceof ObjectNotFoundError) throw new BackupNotFoundError(name, store.description);
    throw error;
  }
}

/**
 * Every backup in the location (or those `wanted` accepts by name, which saves reading the others'
 * descriptions), newest first. Folders without `velero-backup.json` (unfinished) are left out.
 */
export async function listBackups(
  store: ObjectStore,
  wanted: (name: string) => boolean = () => true,
): Promise<StoredBackup[]> {
  const names = (await store.listPrefixes(backupsDir)).filter(wanted);
  const found = await mapLimit(names, 16, async (name): Promise<StoredBackup | undefined> => {
    try {
      return { name, description: await readBackupDescription(store, name) };
    } catch (error) {
      if (error instanceof BackupNotFoundError) return undefined;
      return { name, error: (error as Error).message };
    }
  });
  const start = (b: StoredBackup) => ('description' in b ? b.description.startTimestamp.getTime() : 0);
  return found
    .filter((b): b is StoredBackup => b !== undefined)
    .sort((a, b) => start(b) - start(a) || a.name.localeCompare(b.name));
}

/** One backup's description and results; with `details`, its content index too. */
export interface BackupDetails {
  description: BackupDescription;
  errors: ResultGroup;
  warnings: ResultGroup;
  index?: ContentIndex;
}

export async function describeBackup(
  store: ObjectStore,
  name: string,
  options: { details?: boolean } = {},
): Promise<BackupDetails> {
  const keys = backupKeys(name);
  const description = await readBackupDescription(store, name);
  const details: BackupDetails = { description, errors: {}, warnings: {} };
  try {
    const results = Results.decode(await getBuffer(store, keys.results));
    details.errors = results.errors;
    details.warnings = results.warnings;
  } catch (error) {
    if (!(error instanceof ObjectNotFoundError)) throw error;
  }
  if (options.details) {
    try {
      details.index = decodeIndex(await getBuffer(store, keys.index));
    } catch (error) {
      if (!(error instanceof ObjectNotFoundError)) throw error;
      // A Velero-made backup has no Lifeboat index: nothing to list from.
    }
  }
  return details;
}

/**
 * Deletes a backup: `velero-backup.json` first, so it stops looking complete at once, then the rest.
 * Leftovers of an unfinished backup of that name are removed too.
 */
export async function deleteBackup(store: ObjectStore, name: string): Promise<{ deletedObjects: number }> {
  const keys = backupKeys(name);
  const all: string[] = [];
  for await (const object of store.list(keys.dir)) all.push(object.key);
  if (all.length === 0) throw new BackupNotFoundError(name, store.description);
  if (all.includes(keys.metadata)) await store.delete([keys.metadata]);
  await store.delete(all.filter((key) => key !== keys.metadata));
  return { deletedObjects: all.length };
}

/** The log of a backup (logrus text), or undefined when the backup has none yet. */
export async function readBackupLogs(store: ObjectStore, name: string): Promise<string | undefined> {
  try {
    return gunzipSync(await getBuffer(store, backupKeys(name).logs)).toString('utf8');
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
}

/** The log of a restore, or undefined when it has none (yet). */
export async function readRestoreLogs(store: ObjectStore, name: string): Promise<string | undefined> {
  try {
    return gunzipSync(await getBuffer(store, restoreKeys(name).logs)).toString('utf8');
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
}
