/**
 * Lifeboat's content index (`lifeboat-index.json.gz`) as a restore and a verification use it: read bounded
 * by the archive's decoder (it comes from the bucket like everything else), then looked up by an object's
 * tarball path for its checksum, kind and version.
 */
import { backupKeys, decodeIndex, type IndexEntry } from '../archive/index.ts';
import { ObjectNotFoundError, type ObjectStore } from '../storage/index.ts';
import type { IndexedBytes } from './object-checks.ts';

/** The key of an object by its path's parts. */
export function objectKey(groupResource: string, namespace: string | undefined, name: string): string {
  return `${groupResource}/${namespace ?? ''}/${name}`;
}

/** What an object's index entry says of its type. */
export interface IndexedType {
  kind: string;
  apiVersion: string;
}

/** An index entry as a restore checks an object against it: its type, and what its bytes must be. */
export interface IndexedObject extends IndexedType, IndexedBytes {}

/** Set on a slot by any copy of its path; `taken` by a plain one. */
const seenFlag = 1;
const takenFlag = 2;

/**
 * The index as a restore reads the tarball against it, kept small: it is read entry by entry into, per
 * object, its key, its size, its checksum as 32 bytes and a type shared with the others of its kind — so a
 * restore of 100,000 objects holds about 14 MiB of index where the whole entries took 60. A plain path takes
 * its entry: another plain copy of the path then finds it `taken` (a backup holds each object once). What no
 * copy of a path looked up is what the tarball lacks (`unseen`).
 */
export class RestoreIndex {
  private readonly slots = new Map<string, number>();
  private readonly sizes: number[] = [];
  private readonly types: IndexedType[] = [];
  private digests: Buffer<ArrayBuffer> = Buffer.alloc(32 * 1024);
  /** By slot: `seenFlag`, `takenFlag`. */
  private flags: Buffer<ArrayBuffer> = Buffer.alloc(1024);
  private readonly shared = new Map<string, IndexedType>();

  /**
   * Reads the backup's index into a `RestoreIndex`; undefined when it has none. Throws
   * `BackupMetadataError` (`ArchiveLimitError` when oversized) when one exists that cannot vouch for the
   * backup: too large, not gzip, malformed, or another backup's.
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
    if (slot + 1 > this.flags.length) {
      this.digests = grown(this.digests);
      this.flags = grown(this.flags);
    }
    this.digests.write(entry.sha256, slot * 32, 32, 'hex');
    this.sizes.push(entry.size);
    this.types.push(this.typeOf(entry.kind, apiVersion));
    // A key listed twice keeps its last entry, as a Map of whole entries did.
    this.slots.set(objectKey(groupResource, entry.namespace, entry.name), slot);
  }

  /** Objects the index lists (a key listed twice counts once). */
  get size(): number {
    return this.slots.size;
  }

  /**
   * The entry of an object's path, and whether a plain copy of the path had already taken it. `take` (a
   * plain path) takes it; a preferred-version copy only looks (the plain one may follow).
   */
  find(
    groupResource: string,
    namespace: string | undefined,
    name: string,
    take: boolean,
  ): { entry: IndexedObject; taken: boolean } | undefined {
    const slot = this.slots.get(objectKey(groupResource, namespace, name));
    if (slot === undefined) return undefined;
    const flags = this.flags[slot] as number;
    this.flags[slot] = flags | seenFlag | (take ? takenFlag : 0);
    const type = this.types[slot] as IndexedType;
    const entry = {
      kind: type.kind,
      apiVersion: type.apiVersion,
      size: this.sizes[slot] as number,
      digest: this.digests.subarray(slot * 32, slot * 32 + 32),
    };
    return { entry, taken: (flags & takenFlag) !== 0 };
  }

  /** The keys (`objectKey`) of the objects no copy of whose path was looked up: what the tarball lacks. */
  *unseen(): Generator<{ groupResource: string; namespace: string | undefined; name: string }> {
    for (const [key, slot] of this.slots) {
      if (((this.flags[slot] as number) & seenFlag) !== 0) continue;
      // Group-resources and namespaces hold no '/' (an entry whose name does keeps it whole).
      const first = key.indexOf('/');
      const second = key.indexOf('/', first + 1);
      const namespace = key.slice(first + 1, second);
      yield {
        groupResource: key.slice(0, first),
        namespace: namespace === '' ? undefined : namespace,
        name: key.slice(second + 1),
      };
    }
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

/** A copy of `buffer` twice its size. */
function grown(buffer: Buffer): Buffer<ArrayBuffer> {
  const larger = Buffer.alloc(buffer.length * 2);
  buffer.copy(larger);
  return larger;
}
