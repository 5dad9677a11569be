/**
 * Reading what a location holds: the backups in it (a backup exists when its `velero-backup.json` does —
 * the bucket is the source of truth), one backup's description, results and contents, and deletion.
 *
 * What is read is untrusted: another writer may have put anything there. Every file is read bounded (see
 * `archive/bounded.ts`), a backup is known by its folder, and a bad backup fails alone.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import {
  type BackupDescription,
  BackupMetadataError,
  backupFolderProblem,
  backupKeys,
  backupsDir,
  type ContentIndex,
  decodeBackupDescription,
  decodeIndex,
  gunzipEach,
  isBackupName,
  maxDescriptionBytes,
  maxLogBytes,
  mebibytes,
  type ResultGroup,
  Results,
  readBounded,
  restoreKeys,
} from '../archive/index.ts';
import { mapLimit } from '../kube/index.ts';
import { ObjectNotFoundError, type ObjectStore } from '../storage/index.ts';
import {
  type BackupContents,
  completeResourceList,
  decodeResourceList,
  pathContents,
  readTarballPaths,
} from './contents.ts';
import { BackupInputError, BackupNotFoundError } from './errors.ts';

/** A backup found in a location, or the reason its files could not be read (`name` is its folder). */
export type StoredBackup = { name: string; description: BackupDescription } | { name: string; error: string };

/**
 * The description of the backup in folder `backups/<folder>/`; `BackupNotFoundError` when there is none (or
 * it did not finish). `BackupMetadataError` (or `ArchiveLimitError`) when the folder is not a backup name or
 * the file is oversized, malformed, impossible, or names another backup than its folder.
 */
export async function readBackupDescription(store: ObjectStore, folder: string): Promise<BackupDescription> {
  // Checked before any key is built from it.
  const problem = backupFolderProblem(folder);
  if (problem) throw new BackupMetadataError(problem);
  try {
    const bytes = await readBounded(store, backupKeys(folder).metadata, maxDescriptionBytes);
    return decodeBackupDescription(bytes, folder);
  } catch (error) {
    if (error instanceof ObjectNotFoundError) throw new BackupNotFoundError(folder, store.description);
    throw error;
  }
}

/**
 * Every backup in the location (or those `wanted` accepts by folder name, which saves reading the others'
 * descriptions), newest first, then the unreadable ones with their reason. Folders without
 * `velero-backup.json` (unfinished) are left out. Never fails for one backup: any error of its own files
 * (oversized, malformed, a decoy, a storage error reading it) makes that one `{ name, error }`.
 */
export async function listBackups(
  store: ObjectStore,
  wanted: (name: string) => boolean = () => true,
): Promise<StoredBackup[]> {
  const names = (await store.listPrefixes(backupsDir)).filter(wanted);
  const found = await mapLimit(names, 16, async (name): Promise<StoredBackup | undefined> => {
    const problem = backupFolderProblem(name);
    if (problem) return { name, error: problem };
    try {
      return { name, description: await withStoredSize(store, await readBackupDescription(store, name)) };
    } catch (error) {
      if (error instanceof BackupNotFoundError) return undefined;
      return { name, error: error instanceof Error ? error.message : String(error) };
    }
  });
  const start = (b: StoredBackup) => ('description' in b ? b.description.startTimestamp.getTime() : 0);
  return found
    .filter((b): b is StoredBackup => b !== undefined)
    .sort((a, b) => start(b) - start(a) || a.name.localeCompare(b.name));
}

/**
 * The description with its tarball's size from the store when it records none (Velero's do not): the size
 * is for display, so a store that cannot say leaves it 0 rather than failing the backup.
 */
export async function withStoredSize(store: ObjectStore, d: BackupDescription): Promise<BackupDescription> {
  if (d.sizeBytes > 0) return d;
  const stored = await store.head(backupKeys(d.name).tarball).catch(() => undefined);
  return stored && stored.size > 0 ? { ...d, sizeBytes: stored.size } : d;
}

/** One backup's description and results; with `details`, its contents (and content index, when it has one). */
export interface BackupDetails {
  description: BackupDescription;
  errors: ResultGroup;
  warnings: ResultGroup;
  /** Lifeboat's content index: every object with its checksum. Velero's backups have none. */
  index?: ContentIndex;
  /**
   * With `details`: the objects, from the index, else from Velero's resource list completed by the tarball's
   * paths, else from the tarball's paths alone; absent when the backup has none of them.
   */
  contents?: BackupContents;
}

/**
 * A backup's description (with its stored size, see `withStoredSize`), results and (with `details`) contents,
 * each read bounded. A description refused by `readBackupDescription`, or an oversized or malformed results
 * file, index or resource list, fails the call with the reason (`BackupMetadataError`, `ArchiveLimitError`).
 */
export async function describeBackup(
  store: ObjectStore,
  name: string,
  options: { details?: boolean } = {},
): Promise<BackupDetails> {
  const keys = backupKeys(name);
  const description = await withStoredSize(store, await readBackupDescription(store, name));
  const details: BackupDetails = { description, errors: {}, warnings: {} };
  const results = await readIfPresent(store, keys.results, (stream) => Results.decode(stream, keys.results));
  if (results) {
    details.errors = results.errors;
    details.warnings = results.warnings;
  }
  if (options.details) {
    const index = await readIfPresent(store, keys.index, (stream) =>
      decodeIndex(stream, { file: keys.index, backup: name }),
    );
    if (index) {
      details.index = index;
      details.contents = { source: 'lifeboat-index', items: index.items };
    } else {
      const contents = await readVeleroContents(store, name);
      if (contents) details.contents = contents;
    }
  }
  return details;
}

/**
 * The contents of a backup without Lifeboat's index: Velero's resource list completed by the tarball's paths
 * (a tarball that cannot be read leaves the list as it is, with a warning saying why), or the tarball's paths
 * alone when there is no list; undefined when there is neither.
 */
async function readVeleroContents(store: ObjectStore, name: string): Promise<BackupContents | undefined> {
  const keys = backupKeys(name);
  const list = await readIfPresent(store, keys.resourceList, (stream) =>
    decodeResourceList(stream, keys.resourceList),
  );
  if (!list) {
    const paths = await readIfPresent(store, keys.tarball, (stream) =>
      readTarballPaths(stream, keys.tarball),
    );
    return paths && { source: 'tarball', items: pathContents(paths) };
  }
  try {
    const paths = await readIfPresent(store, keys.tarball, (stream) =>
      readTarballPaths(stream, keys.tarball),
    );
    if (paths) return { source: 'velero-resource-list', items: completeResourceList(list, paths) };
    return {
      source: 'velero-resource-list',
      items: list,
      warning: `${keys.tarball} is missing: the backup cannot be restored`,
    };
  } catch (error) {
    if (!(error instanceof BackupMetadataError)) throw error;
    return {
      source: 'velero-resource-list',
      items: list,
      warning: `the tarball's paths could not be read (${error.message})`,
    };
  }
}

/**
 * `read` of the object at `key` as a stream (destroyed once `read` ends), or undefined when there is no such
 * object. Any other error of the location is its own, which says whether trying again helps.
 */
export async function readIfPresent<T>(
  store: ObjectStore,
  key: string,
  read: (stream: Readable) => Promise<T>,
): Promise<T | undefined> {
  let stream: Readable;
  try {
    stream = await store.get(key);
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
  try {
    return await read(stream);
  } finally {
    stream.destroy();
  }
}

/**
 * Refuses a name given to delete or read the logs of that no backup (or restore) can have: no key is built
 * from it, so nothing outside its own folder can be listed, read or deleted.
 */
function checkName(name: string, what: 'backup' | 'restore'): void {
  if (!isBackupName(name))
    throw new BackupInputError(
      `${JSON.stringify(name.slice(0, 80))} is not a valid ${what} name: use at most 63 lower-case letters, digits, '-' and '.', with a letter or digit at each end and on each side of every '.'`,
    );
}

/**
 * Deletes a backup: `velero-backup.json` first, so it stops looking complete at once, then the rest.
 * Leftovers of an unfinished backup of that name are removed too.
 */
export async function deleteBackup(store: ObjectStore, name: string): Promise<{ deletedObjects: number }> {
  checkName(name, 'backup');
  const keys = backupKeys(name);
  const all: string[] = [];
  for await (const object of store.list(keys.dir)) all.push(object.key);
  if (all.length === 0) throw new BackupNotFoundError(name, store.description);
  if (all.includes(keys.metadata)) await store.delete([keys.metadata]);
  await store.delete(all.filter((key) => key !== keys.metadata));
  return { deletedObjects: all.length };
}

/**
 * The log of a backup (logrus text), or undefined when the backup has none yet. At most `maxLogBytes` of
 * it: a longer log is cut at a line's end, with a last line saying so.
 */
export async function readBackupLogs(store: ObjectStore, name: string): Promise<string | undefined> {
  checkName(name, 'backup');
  return readLog(store, backupKeys(name).logs);
}

/** The log of a restore, or undefined when it has none (yet); cut as a backup's is. */
export async function readRestoreLogs(store: ObjectStore, name: string): Promise<string | undefined> {
  checkName(name, 'restore');
  return readLog(store, restoreKeys(name).logs);
}

/** How far back from the cut a log is shortened to end with a whole line; past that, a line is cut. */
const lineSearch = 64 * 1024;

async function readLog(store: ObjectStore, key: string): Promise<string | undefined> {
  // Decoded chunk by chunk as it inflates: no step handles the whole log at once.
  const decoder = new StringDecoder('utf8');
  const parts: string[] = [];
  const read = await readIfPresent(store, key, (stream) =>
    gunzipEach(stream, maxLogBytes, key, (chunk) => void parts.push(decoder.write(chunk)), { cut: true }),
  );
  if (!read) return undefined;
  if (!read.truncated) return parts.join('') + decoder.end();
  let text = parts.join('');
  const from = Math.max(0, text.length - lineSearch);
  const lastLine = text.slice(from).lastIndexOf('\n');
  text = lastLine >= 0 ? text.slice(0, from + lastLine + 1) : `${text}\n`;
  const stored = (await store.head(key).catch(() => undefined))?.size;
  return `${text}[lifeboat] this log was cut here: it is larger than ${mebibytes(maxLogBytes)} once decompressed${stored === undefined ? '' : ` (${mebibytes(stored)} compressed in the location)`}, and Lifeboat shows at most ${mebibytes(maxLogBytes)} of a log\n`;
}
