/**
 * Streaming tarball writer and reader. The writer is a tar stream piped through gzip: entries are added
 * with backpressure, so memory stays flat however many objects pass through. Headers follow Velero's:
 * regular files, mode 0755, no directory entries.
 */
import { PassThrough, type Readable, Transform, type TransformCallback } from 'node:stream';
import { constants, createGunzip, createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { ArchiveLimitError, BackupMetadataError } from './errors.ts';
import { formatVersion, tarballPaths } from './layout.ts';

/**
 * Gathers the tar stream's many small writes (a 512-byte header, then the body, per entry) into large
 * chunks: each write to gzip is a round trip to the thread pool, and tens of thousands of tiny ones cost
 * more than the compression itself.
 */
class Coalescer extends Transform {
  private chunks: Buffer[] = [];
  private size = 0;
  private readonly target: number;

  constructor(target: number) {
    super();
    this.target = target;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size >= this.target) this.release();
    done();
  }

  override _flush(done: TransformCallback): void {
    this.release();
    done();
  }

  private release(): void {
    if (this.size === 0) return;
    this.push(this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size));
    this.chunks = [];
    this.size = 0;
  }
}

/** Writes `<name>.tar.gz`: `metadata/version` first, then entries as they come. */
export class TarballWriter {
  /** The gzipped tarball, to hand to `ObjectStore.put`. */
  readonly stream: Readable;
  private readonly pack = tar.pack();
  private readonly mtime: Date;
  private compressedBytes = 0;
  private failed: Error | undefined;

  constructor(options: { mtime: Date; level?: number }) {
    this.mtime = options.mtime;
    const gzip = createGzip({ level: options.level ?? constants.Z_DEFAULT_COMPRESSION });
    const counted = new PassThrough();
    gzip.on('data', (chunk: Buffer) => {
      this.compressedBytes += chunk.length;
    });
    gzip.on('error', (error) => {
      this.failed = error;
      counted.destroy(error);
    });
    this.pack.on('error', (error: Error) => {
      this.failed = error;
      gzip.destroy(error);
    });
    const coalescer = new Coalescer(256 * 1024);
    coalescer.on('error', (error) => gzip.destroy(error));
    this.pack.pipe(coalescer).pipe(gzip).pipe(counted);
    this.stream = counted;
  }

  /** Bytes of compressed output produced so far. */
  get bytes(): number {
    return this.compressedBytes;
  }

  /** Writes the `metadata/version` entry (Velero writes it first). */
  writeVersion(): Promise<void> {
    return this.add(tarballPaths.version, Buffer.from(`${formatVersion}\n`));
  }

  /** Adds one file, whole or in parts; resolves when the tar stream has taken it (backpressure). */
  add(name: string, data: Buffer | readonly Buffer[]): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      const done = (error?: Error | null) => (error ? reject(error) : resolve());
      if (Buffer.isBuffer(data)) {
        this.pack.entry(
          { name, size: data.length, mode: 0o755, mtime: this.mtime, type: 'file' },
          data,
          done,
        );
        return;
      }
      const size = data.reduce((sum, part) => sum + part.length, 0);
      const entry = this.pack.entry({ name, size, mode: 0o755, mtime: this.mtime, type: 'file' }, done);
      for (const part of data) entry.write(part);
      (entry as NodeJS.WritableStream).end();
    });
  }

  /** Ends the tarball; the stream ends once everything is flushed. */
  finish(): void {
    this.pack.finalize();
  }

  /** Aborts: the stream errors so an upload in progress fails instead of storing a truncated tarball. */
  abort(reason: Error): void {
    this.failed = reason;
    this.pack.destroy(reason);
    this.stream.destroy(reason);
  }
}

/**
 * The most one object's entry may hold. The API server refuses a request body over 3 MiB (and etcd a value
 * over 1.5 MiB by default), so no restorable object comes near it; a larger entry is drained, never held.
 */
export const maxObjectBytes = 8 * 2 ** 20;

/**
 * The most a tarball may inflate to in all. etcd's suggested largest database is 8 GiB and a backup stores
 * each object twice (its plain and preferred-version paths); past this the tarball is a decompression bomb,
 * and the cap bounds the time one spends inflating (about a minute), not the memory (see `maxObjectBytes`).
 */
export const maxTarballInflatedBytes = 16 * 2 ** 30;

/**
 * tar-stream holds a pax or GNU long-name header in memory before applying it, refusing any over 4 MiB
 * ("Header exceeds max size"): that is the bound on header memory, and such a tarball fails as a whole.
 */
export const maxTarHeaderBytes = 4 * 2 ** 20;

/** One file read from a tarball: its bytes, or — over the entry cap — only its size. */
export type TarballEntry = { name: string; data: Buffer } | OversizedTarballEntry;

/** An entry larger than `maxEntryBytes`: drained without being held in memory. */
export interface OversizedTarballEntry {
  name: string;
  tooLarge: true;
  /** The size its header claims, in bytes. */
  size: number;
}

/** Limits of `readTarball`. */
export interface ReadTarballOptions {
  /** Entries over this size are yielded as `tooLarge`, their bytes drained. Default `maxObjectBytes`. */
  maxEntryBytes?: number;
  /** Reading fails with `ArchiveLimitError` once the tarball has inflated past this. Default `maxTarballInflatedBytes`. */
  maxInflatedBytes?: number;
  /** The tarball's key, to name it in errors. */
  file?: string;
}

/**
 * The chunks joined into a buffer of exactly their size, with its own memory. A chunk is a slice of a larger
 * inflated buffer, and `Buffer.concat` of a small size is a slice of Node's shared 64 KiB pool (Node 24's
 * `Buffer.poolSize`): a restore keeps tens of thousands of entries, and each kept slice pins its whole slab
 * (50,000 entries of 1.3 KB: 195 MiB of ArrayBuffers for 62 MiB of bytes; exact copies: 60 MiB).
 */
function ownBuffer(chunks: readonly Buffer[]): Buffer {
  let size = 0;
  for (const chunk of chunks) size += chunk.length;
  const data = Buffer.from(new ArrayBuffer(size));
  let offset = 0;
  for (const chunk of chunks) offset += chunk.copy(data, offset);
  return data;
}

/** Counts inflated bytes and fails the stream past `limit`. */
class InflatedLimit extends Transform {
  private seen = 0;
  private readonly limit: number;
  private readonly file: string;

  constructor(limit: number, file: string) {
    super();
    this.limit = limit;
    this.file = file;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) done(new ArchiveLimitError(this.file, this.limit, true));
    else done(null, chunk);
  }
}

/**
 * Reads a gzipped tarball entry by entry (regular files only), streaming: memory holds at most one entry
 * within `maxEntryBytes` (plus tar-stream's header bound, `maxTarHeaderBytes`) whatever the tarball inflates to.
 */
export async function* readTarball(
  source: Readable,
  options: ReadTarballOptions = {},
): AsyncGenerator<TarballEntry> {
  const maxEntryBytes = options.maxEntryBytes ?? maxObjectBytes;
  const extract = tar.extract();
  const gunzip = createGunzip();
  const file = options.file ?? 'the tarball';
  const limit = new InflatedLimit(options.maxInflatedBytes ?? maxTarballInflatedBytes, file);
  let sourceError: unknown;
  source.on('error', (error) => {
    sourceError = error;
    gunzip.destroy(error);
  });
  gunzip.on('error', (error) => limit.destroy(error));
  limit.on('error', (error) => extract.destroy(error));
  source.pipe(gunzip).pipe(limit).pipe(extract);
  try {
    for await (const entry of extract) {
      const { name, size = 0, type } = entry.header;
      const isFile = type === 'file' || type === 'contiguous-file';
      if (!isFile || size > maxEntryBytes) {
        // Drained chunk by chunk: never held, whatever its header claims.
        for await (const _ of entry) {
          // discard
        }
        if (isFile) yield { name, tooLarge: true, size };
        continue;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      yield { name, data: ownBuffer(chunks) };
    }
  } catch (error) {
    // The store's own errors pass as they are; what gzip or tar-stream refuse is the tarball's fault.
    if (error === sourceError || error instanceof BackupMetadataError) throw error;
    throw new BackupMetadataError(
      `${file} is not a gzipped tarball Lifeboat can read (${(error as Error).message}): it was cut short or altered`,
      { file, cause: error },
    );
  } finally {
    // A reader that stops early (or fails) must not leave the download and inflater running.
    source.destroy();
    gunzip.destroy();
  }
}
