/**
 * Streaming tarball reader, bounded: one entry, the headers and the whole inflated stream each have a cap
 * (the bucket is untrusted input). The writer is tarball-writer.ts.
 */
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { ArchiveLimitError, BackupMetadataError } from './errors.ts';

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
  /**
   * The caller is done with each entry's bytes before it asks for the next (it hashes them, or copies them
   * out): they are then yielded as read, without a copy of their own — 100,000 small copies are memory the
   * garbage collector gives back late (about 1.4 KB of RSS per entry read). Default false.
   */
  transient?: boolean;
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
  // Output in 256 KiB pieces, not 16 KiB: a sixteenth of the callbacks and pushes on the main thread.
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
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
      const data = !options.transient
        ? ownBuffer(chunks)
        : chunks.length === 1
          ? (chunks[0] as Buffer)
          : Buffer.concat(chunks);
      yield { name, data };
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
