/**
 * Streaming tarball writer. Entries are laid out by hand (tar-header.ts) straight into chunks of 1 MiB;
 * each full chunk is gzipped on the thread pool as a gzip member of its own, several at once, and the
 * members are sent on in order. A concatenation of gzip members is one valid gzip file (RFC 1952 2.2):
 * Go's gzip reader (Velero) and Node's gunzip read them as one stream. Headers follow Velero's: regular
 * files, mode 0755, no directory entries. Memory stays bounded: a caller waits (backpressure) while more
 * than `concurrency` chunks are being compressed or not yet taken by the reader of `stream`.
 */
import { PassThrough, type Readable } from 'node:stream';
import { gzip } from 'node:zlib';
import { formatVersion, tarballPaths } from './layout.ts';
import { blockSize, TarHeaders, ustarName } from './tar-header.ts';

/**
 * Bytes gathered before a chunk is compressed. Each member costs a zlib stream of its own (its state is
 * external memory that V8 collects): with 1 MiB the engine took 15 % less CPU than with 256 KiB, and
 * 4 MiB gained nothing more (bench/backup-engine.ts).
 */
const chunkSize = 1024 * 1024;
/** A tar ends with two zero blocks. */
const endOfTar = Buffer.alloc(2 * blockSize);

/**
 * Output buffers of 256 KiB, not zlib's 16 KiB: a member (about 130 KB for listed objects) then comes back
 * in one callback instead of eight on the main thread.
 */
const outputChunkSize = 256 * 1024;

function compress(data: Buffer, level: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // memLevel 9 (zlib's largest hash table): 8 % less CPU at level 1 on listed objects, the same size.
    gzip(data, { level, memLevel: 9, chunkSize: outputChunkSize }, (error, out) =>
      error ? reject(error) : resolve(out),
    );
  });
}

const resolved = Promise.resolve();

function closedEarly(): Error {
  return new Error('the tarball stream closed before it was written');
}

/** Resolves once `stream` wants more; rejects when it fails or closes first. */
function drained(stream: PassThrough): Promise<void> {
  // A stream destroyed already emits neither 'drain' nor 'close' again.
  if (stream.destroyed) return Promise.reject(closedEarly());
  return new Promise((resolve, reject) => {
    const settle = (error?: Error) => {
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      stream.off('error', settle);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => settle();
    const onClose = () => settle(closedEarly());
    stream.on('drain', onDrain);
    stream.on('close', onClose);
    stream.on('error', settle);
  });
}

/** Options of a `TarballWriter`. */
export interface TarballWriterOptions {
  /** The mtime of every entry. */
  mtime: Date;
  /**
   * gzip level, 1 (fastest) to 9 (smallest). Default 1: for listed ConfigMaps it took a third less CPU
   * than level 6 for a tarball 7 % larger (bench/backup-writer.ts); Velero's reader takes either.
   */
  level?: number;
  /** Chunks compressed at once (thread pool). Default 2. */
  concurrency?: number;
}

/** Writes `<name>.tar.gz`: `metadata/version` first, then entries as they come. */
export class TarballWriter {
  /** The gzipped tarball, to hand to `ObjectStore.put`. */
  readonly stream: Readable;
  private readonly output = new PassThrough();
  private readonly headers: TarHeaders;
  private readonly level: number;
  private readonly concurrency: number;
  private chunk: Buffer = Buffer.allocUnsafe(chunkSize);
  private used = 0;
  /**
   * Chunks whose compression is done, to fill again: a fresh 1 MiB buffer costs its page faults each time
   * (70-550 µs per MiB measured), a reused one none.
   */
  private readonly spare: Buffer[] = [];
  /** One promise per chunk sent and not yet taken by the output, oldest first; they settle in order. */
  private readonly pending: Promise<void>[] = [];
  private tail: Promise<void> = Promise.resolve();
  private compressedBytes = 0;
  private failed: Error | undefined;
  private readerGone = false;
  private finished = false;

  constructor(options: TarballWriterOptions) {
    this.headers = new TarHeaders({ mtime: options.mtime, mode: 0o755 });
    this.level = options.level ?? 1;
    this.concurrency = options.concurrency ?? 2;
    this.stream = this.output;
  }

  /** Why the tarball failed (aborted, or its compression or reader failed); undefined while it has not. */
  get failure(): Error | undefined {
    return this.failed;
  }

  /**
   * True when the stream was already closed by its reader when the tarball failed: an upload that stopped
   * reading (the failure is then only the stream's abort, and the upload's own error says why), or one that
   * read everything and then failed to complete (its error is then the failure itself).
   */
  get stoppedByReader(): boolean {
    return this.readerGone;
  }

  /** Bytes of compressed output produced so far. */
  get bytes(): number {
    return this.compressedBytes;
  }

  /** Writes the `metadata/version` entry (Velero writes it first). */
  writeVersion(): Promise<void> {
    return this.add(tarballPaths.version, Buffer.from(`${formatVersion}\n`)) ?? resolved;
  }

  /**
   * Adds one file, whole or in parts. The entry is laid out at once (entries of callers running side by side
   * never interleave). Gives a promise when the caller should wait before adding more (backpressure; it
   * rejects when the tarball failed), undefined when it can go on at once.
   */
  add(name: string, data: Buffer | readonly Buffer[]): Promise<void> | undefined {
    if (this.failed) return Promise.reject(this.failed);
    if (this.finished) return Promise.reject(new Error(`the tarball is finished: cannot add ${name}`));
    const parts = Buffer.isBuffer(data) ? [data] : data;
    let size = 0;
    for (const part of parts) size += part.length;
    let wait: Promise<void> | undefined;
    const placed = ustarName(name);
    if (placed) {
      if (chunkSize - this.used < blockSize) wait = this.flush();
      this.headers.writeUstar(this.chunk, this.used, placed, size);
      this.used += blockSize;
    } else {
      wait = this.append(this.headers.paxHeaders(name, size));
    }
    for (const part of parts) wait = this.append(part) ?? wait;
    const padding = (blockSize - (size % blockSize)) % blockSize;
    if (padding > 0) wait = this.pad(padding) ?? wait;
    return wait;
  }

  /** Ends the tarball; the stream ends once everything is compressed and taken. */
  finish(): void {
    if (this.failed || this.finished) return;
    // Their promises only say when to wait; a failure reaches the stream through abort().
    void this.append(endOfTar);
    void this.flush();
    this.finished = true;
    this.tail.then(
      () => this.output.end(),
      () => {}, // abort() has destroyed the output already
    );
  }

  /** Aborts: the stream errors so an upload in progress fails instead of storing a truncated tarball. */
  abort(reason: Error): void {
    if (this.failed) return;
    this.failed = reason;
    // Destroyed before the tarball failed: by its reader, not here.
    this.readerGone = this.output.destroyed;
    this.output.destroy(reason);
  }

  /** Copies `bytes` into the chunk, sending each chunk it fills. A promise when the caller should wait. */
  private append(bytes: Buffer): Promise<void> | undefined {
    if (bytes.length < chunkSize - this.used) {
      // The common case, whole into the chunk: Uint8Array's set, without Buffer.copy's checks and views.
      this.chunk.set(bytes, this.used);
      this.used += bytes.length;
      return undefined;
    }
    let wait: Promise<void> | undefined;
    let from = 0;
    while (from < bytes.length) {
      const n = Math.min(bytes.length - from, chunkSize - this.used);
      bytes.copy(this.chunk, this.used, from, from + n);
      this.used += n;
      from += n;
      if (this.used === chunkSize) wait = this.flush() ?? wait;
    }
    return wait;
  }

  /** Zero bytes to end an entry's data on a block; fewer than a block. */
  private pad(count: number): Promise<void> | undefined {
    if (count >= chunkSize - this.used) return this.append(endOfTar.subarray(0, count));
    this.chunk.fill(0, this.used, this.used + count);
    this.used += count;
    return undefined;
  }

  /**
   * Sends the chunk to be compressed and starts a new one. Returns a promise to wait for when more than
   * `concurrency` chunks are in flight.
   */
  private flush(): Promise<void> | undefined {
    if (this.used === 0) return undefined;
    const full = this.chunk;
    const data = full.subarray(0, this.used);
    this.chunk = this.spare.pop() ?? Buffer.allocUnsafe(chunkSize);
    this.used = 0;
    const compressed = compress(data, this.level);
    compressed.then(
      () => {
        if (this.spare.length < this.concurrency) this.spare.push(full);
      },
      () => {}, // awaited in turn below
    );
    const written = this.tail.then(async () => {
      const member = await compressed;
      if (this.failed) throw this.failed;
      if (this.output.destroyed) throw closedEarly();
      this.compressedBytes += member.length;
      if (!this.output.write(member)) await drained(this.output);
    });
    written.then(
      () => this.pending.shift(),
      (error: unknown) => this.abort(error instanceof Error ? error : new Error(String(error))),
    );
    this.tail = written;
    this.pending.push(written);
    const excess = this.pending.length - this.concurrency;
    return excess > 0 ? (this.pending[excess - 1] as Promise<void>) : undefined;
  }
}
