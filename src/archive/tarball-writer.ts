/**
 * Streaming tarball writer: a tar stream piped through gzip. Entries are added with backpressure, so memory
 * stays flat however many objects pass through. Headers follow Velero's: regular files, mode 0755, no
 * directory entries.
 */
import { PassThrough, type Readable, Transform, type TransformCallback } from 'node:stream';
import { constants, createGzip } from 'node:zlib';
import tar from 'tar-stream';
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
