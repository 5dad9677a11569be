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

/** What an object's index entry says of its type. */
export interface IndexedType {
  kind: string;
  apiVersion: string;
}

/** An index entry as a restore checks an object against it: its type, and what its bytes must be. */
export interface IndexedObject extends IndexedType {
  size: number;
  sha256: string;
}

/**
 * The index as a restore reads the tarball against it, kept small: it is read entry by entry into, per
 * object, its key, its size, its checksum as 32 bytes and a type shared with the others of its kind — so a
 * restore of 100,000 objects holds about 14 MiB of index where the whole entries took 60. A plain path takes
 * its entry: another plain copy of the path then finds it `taken` (a backup holds each object once).
 */
export class RestoreIndex {
  private readonly slots = new Map<string, number>();
  /** By slot; -1 once a plain path has taken it. */
  private readonly sizes: number[] = [];
  private readonly types: IndexedType[] = [];
  private digests = Buffer.alloc(32 * 1024);
  private readonly shared = new Map<string, IndexedType>();

  /**
   * Reads the backup's index into a `RestoreIndex`; undefined when it has none. Throws as
   * `readContentIndex` does.
   */
  static async read(store: ObjectStore, backup: string): Promise<RestoreIndex | undefined> {
    const key = backupKeys(backup).index;
    const index = new RestoreIndex();
    try {
      await decodeIndex(await store.get(key), { file: key, backup, each: (entry) => index.add(entry) });
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return undefined;
      throw error;
    }
    return index;
  }

  private add(entry: IndexEntry): void {
    const groupResource = entry.group ? `${entry.resource}.${entry.group}` : entry.resource;
    const apiVersion = entry.group ? `${entry.group}/${entry.version}` : entry.version;
    const slot = this.sizes.length;
    if ((slot + 1) * 32 > this.digests.length) {
      const grown = Buffer.alloc(this.digests.length * 2);
      this.digests.copy(grown);
      this.digests = grown;
    }
    this.digests.write(entry.sha256, slot * 32, 32, 'hex');
    this.sizes.push(entry.size);
    this.types.push(this.typeOf(entry.kind, apiVersion));
    // A key listed twice keeps its last entry, as a Map of whole entries did.
    this.slots.set(objectKey(groupResource, entry.namespace, entry.name), slot);
  }

  /**
   * The entry of an object's path: `take` (a plain path) takes it, so another plain copy of the path finds
   * it `taken`; a preferred-version copy only looks (the plain one may follow).
   */
  find(
    groupResource: string,
    namespace: string | undefined,
    name: string,
    take: boolean,
  ): { entry: IndexedObject } | { taken: IndexedType } | undefined {
    const slot = this.slots.get(objectKey(groupResource, namespace, name));
    if (slot === undefined) return undefined;
    const type = this.types[slot] as IndexedType;
    const size = this.sizes[slot] as number;
    if (size < 0) return { taken: type };
    if (take) this.sizes[slot] = -1;
    const sha256 = this.digests.toString('hex', slot * 32, slot * 32 + 32);
    return { entry: { kind: type.kind, apiVersion: type.apiVersion, size, sha256 } };
  }

  private typeOf(kind: string, apiVersion: string): IndexedType {
    const key = `${apiVersion}\n${kind}`;
    let type = this.shared.get(key);
    if (!type) {
      type = { kind, apiVersion };
      // Bounded as SharedStrings is: past it, each entry keeps its own small copy.
      if (this.shared.size < 10_000) this.shared.set(key, type);
    }
    return type;
  }
}
