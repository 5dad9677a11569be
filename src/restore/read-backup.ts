/**
 * Reading a backup for a restore (or a dry run): its objects from the tarball (read-items.ts), each checked
 * against the content index as it streams in, or in a pass after when there is no index (object-checks.ts,
 * read-objects.ts); and its volume info. What is read is chosen and sanitized in prepare.ts.
 */
import { BackupMetadataError, backupKeys, decodeVolumeInfo, type VolumeInfo } from '../archive/index.ts';
import { ObjectNotFoundError, type ObjectStore } from '../storage/index.ts';
import { RestoreIndex } from './content-index.ts';
import { RestoreInputError } from './errors.ts';
import { missingIndexProblem, noIndexWarning } from './object-checks.ts';
import { readItems, type TarItem } from './read-items.ts';
import { type CheckInput, ObjectChecker, readObjects } from './read-objects.ts';

/** What a restore is told while it prepares. */
export interface PrepareHooks {
  /** Objects read from the backup's tarball so far. */
  onRead?: (itemsRead: number) => void;
  /** Objects checked so far (the pass after reading), of how many. */
  onChecked?: (checked: number, total: number) => void;
}

/** The backup's content index, looked up by path; a restore is refused when one exists but cannot be read. */
async function readIndex(store: ObjectStore, backupName: string): Promise<RestoreIndex | undefined> {
  try {
    return await RestoreIndex.read(store, backupName);
  } catch (error) {
    if (!(error instanceof BackupMetadataError)) throw error;
    throw new RestoreInputError(
      `backup "${backupName}" cannot be restored: ${error.message}; without its index its objects cannot be checked`,
    );
  }
}

/**
 * Reads the backup's objects and checks each one (object-checks.ts). The content index is read while the
 * tarball's answer starts; with one, each entry is checked as it streams in, without one (a backup Velero
 * made), in a pass over the stored bytes after. The index is let go when this returns.
 */
export async function readAndCheck(
  options: { store: ObjectStore; backupName: string },
  hooks: PrepareHooks,
  input: {
    includeNamespace: (namespace: string) => boolean;
    madeByLifeboat: boolean;
    check: Omit<CheckInput, 'indexed'>;
  },
): Promise<{ items: TarItem[]; volumeInfo: VolumeInfo[] | undefined; warnings: string[] }> {
  const volumeWarnings: string[] = [];
  const indexRead = readIndex(options.store, options.backupName);
  // Whichever read fails first is the error; the other is not left unhandled.
  indexRead.catch(() => undefined);
  const [index, items, volumeInfo] = await Promise.all([
    indexRead,
    readItems(options.store, options.backupName, {
      includeNamespace: input.includeNamespace,
      bodies: input.check.bodies,
      ...(hooks.onRead ? { onRead: hooks.onRead } : {}),
      inline: { index: indexRead, checker: new ObjectChecker({ ...input.check, indexed: true }) },
    }),
    readVolumeInfo(options.store, options.backupName, volumeWarnings),
  ]);
  if (!index && input.madeByLifeboat) throw new RestoreInputError(missingIndexProblem(options.backupName));
  const warnings = [...(index ? [] : [noIndexWarning]), ...volumeWarnings];
  if (index) return { items, volumeInfo, warnings };
  const checked = await readObjects({
    items,
    ...input.check,
    indexed: false,
    ...(hooks.onChecked ? { onChecked: hooks.onChecked } : {}),
  });
  return { items: checked, volumeInfo, warnings };
}

/**
 * The backup's volume info, or undefined when it has none (older Velero, Lifeboat without disks). A file
 * that cannot be read is a warning: the claims' annotations still say which volumes were snapshotted.
 */
export async function readVolumeInfo(
  store: ObjectStore,
  backup: string,
  warnings: string[],
): Promise<VolumeInfo[] | undefined> {
  const key = backupKeys(backup).volumeInfo;
  try {
    return await decodeVolumeInfo(await store.get(key), key);
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    if (!(error instanceof BackupMetadataError)) throw error;
    warnings.push(
      `the backup's volume info could not be read (${error.message}): snapshotted volumes are found from the claims' annotations alone`,
    );
    return undefined;
  }
}
