/**
 * What a backup records of each object it writes: its entry in Lifeboat's content index
 * (`lifeboat-index.json.gz`) and its name in Velero's resource list (`<name>-resource-list.json.gz`). The
 * index is serialized and gzipped 256 KiB of entries (about a thousand) at a time while the backup goes — on the thread pool,
 * while the lists wait for the API server — instead of after the tarball: at 55,000 objects that was a
 * quarter of a second of CPU after the last object, and every entry (with its checksum) lived to the end,
 * filling V8's old generation. Now an entry dies young; what stays is its gzipped bytes (about 45 per
 * object) and, for the resource list, one `namespace/name` string.
 *
 * The bytes are those of archive/content-index.ts's `encodeIndex` and `encodeResourceList` for the same
 * entries in the same order (content-record.test.ts holds them equal).
 */
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { type IndexEntry, resourceListKey } from '../archive/index.ts';

const comma = 0x2c;

/**
 * Bytes of entries gathered before they are compressed (about 1,000 entries). Each entry's JSON is written
 * into it at once, so the string dies young instead of waiting in a list for the batch to be joined.
 */
const batchBytes = 256 * 1024;

/** The content index and the resource list of one backup, recorded object by object. */
export class ContentRecord {
  /** gzip level 1, as the tarball: a sixth less CPU than the default level for a 3 % larger index. */
  private readonly gzip = createGzip({ level: 1 });
  private readonly compressed: Buffer[] = [];
  private readonly ended: Promise<void>;
  private batch: Buffer = Buffer.allocUnsafe(batchBytes);
  private used = 0;
  private entries = 0;
  /** Resource list key (`apps/v1/Deployment`) → each object's `namespace/name` (or name). */
  private readonly names = new Map<string, string[]>();
  private lastType: { group: string; version: string; kind: string; names: string[] } | undefined;

  constructor(backup: string) {
    this.gzip.on('data', (chunk: Buffer) => this.compressed.push(chunk));
    this.ended = new Promise((resolve, reject) => {
      this.gzip.on('end', resolve);
      this.gzip.on('error', reject);
    });
    this.ended.catch(() => {}); // awaited by index()
    this.gzip.write(`{"lifeboatIndexVersion":1,"backup":${JSON.stringify(backup)},"items":[`);
  }

  /** How many objects were recorded. */
  get size(): number {
    return this.entries;
  }

  /** Records one object written into the tarball. */
  add(entry: IndexEntry): void {
    const json = JSON.stringify(entry);
    // At most 3 bytes of UTF-8 per UTF-16 unit, and the comma.
    const room = 3 * json.length + 1;
    if (this.used + room > this.batch.length) {
      this.flush();
      if (room > this.batch.length) this.batch = Buffer.allocUnsafe(room);
    }
    if (this.entries > 0) this.batch[this.used++] = comma;
    this.used += this.batch.write(json, this.used);
    this.entries++;
    const name = entry.namespace ? `${entry.namespace}/${entry.name}` : entry.name;
    this.namesOf(entry).push(name);
  }

  /** The resource list's names of an entry's type; the last type's list is kept at hand (lists come in pages). */
  private namesOf(entry: IndexEntry): string[] {
    const last = this.lastType;
    if (last && last.group === entry.group && last.version === entry.version && last.kind === entry.kind)
      return last.names;
    const key = resourceListKey(entry.group ? `${entry.group}/${entry.version}` : entry.version, entry.kind);
    let names = this.names.get(key);
    if (!names) {
      names = [];
      this.names.set(key, names);
    }
    this.lastType = { group: entry.group, version: entry.version, kind: entry.kind, names };
    return names;
  }

  /** `lifeboat-index.json.gz`, once every object is recorded (nothing may be added after). */
  async index(): Promise<Buffer> {
    this.flush();
    this.gzip.end(']}\n');
    await this.ended;
    return Buffer.concat(this.compressed);
  }

  /**
   * `<name>-resource-list.json.gz`: keys and entries sorted as Velero (Go's sort.Strings) sorts them,
   * streamed one type at a time.
   */
  resourceList(): Readable {
    const names = this.names;
    function* chunks(): Generator<string> {
      yield '{';
      let first = true;
      for (const key of [...names.keys()].sort()) {
        const entries = (names.get(key) as string[]).sort();
        yield `${first ? '' : ','}${JSON.stringify(key)}:${JSON.stringify(entries)}`;
        first = false;
      }
      yield '}\n';
    }
    return Readable.from(chunks(), { objectMode: false }).pipe(createGzip({ level: 1 }));
  }

  /** Stops compressing: a failed backup writes no index (`index()` rejects). */
  discard(): void {
    this.gzip.destroy(new Error('the backup failed: its content index was discarded'));
  }

  private flush(): void {
    if (this.used === 0) return;
    // zlib holds the bytes until it has read them: the next batch goes into a buffer of its own.
    this.gzip.write(this.batch.subarray(0, this.used));
    this.batch = Buffer.allocUnsafe(batchBytes);
    this.used = 0;
  }
}
