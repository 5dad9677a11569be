/**
 * Lifeboat's content index (`lifeboat-index.json.gz`) as a restore and a verification use it: read bounded
 * by the archive's decoder (it comes from the bucket like everything else), then looked up by an object's
 * tarball path for its checksum, kind and version.
 */
import { backupKeys, type ContentIndex, decodeIndex, type IndexEntry } from '../archive/index.ts';
import { ObjectNotFoundError, type ObjectStore } from '../storage/index.ts';

/**
 * The backup's content index, or undefined when it has none (a backup Velero made). Throws
 * `BackupMetadataError` (`ArchiveLimitError` when oversized) when one exists that cannot vouch for the
 * backup: too large, not gzip, malformed, or another backup's.
 */
export async function readContentIndex(
  store: ObjectStore,
  backup: string,
): Promise<ContentIndex | undefined> {
  const key = backupKeys(backup).index;
  try {
    return await decodeIndex(await store.get(key), { file: key, backup });
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
}

/** The key of an object by its path's parts. */
export function objectKey(groupResource: string, namespace: string | undefined, name: string): string {
  return `${groupResource}/${namespace ?? ''}/${name}`;
}

/** The index looked up by path: which entry an object's tarball path should match. */
export class IndexLookup {
  private readonly byKey = new Map<string, IndexEntry>();

  constructor(index: ContentIndex) {
    for (const entry of index.items) {
      const groupResource = entry.group ? `${entry.resource}.${entry.group}` : entry.resource;
      this.byKey.set(objectKey(groupResource, entry.namespace, entry.name), entry);
    }
  }

  get size(): number {
    return this.byKey.size;
  }

  entry(groupResource: string, namespace: string | undefined, name: string): IndexEntry | undefined {
    return this.byKey.get(objectKey(groupResource, namespace, name));
  }

  /** Every entry by its key, for finding those the tarball lacks. */
  entries(): IterableIterator<[string, IndexEntry]> {
    return this.byKey.entries();
  }
}
