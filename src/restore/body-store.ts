/**
 * Where a restore keeps the bytes of its objects between reading the backup and creating them: one temporary
 * file on disk, written once in order, read back by offset — so the restore's memory holds per object only
 * its name, type and where its bytes are, whatever the number of objects (Velero extracts the tarball to a
 * temporary directory for the same reason).
 *
 * The file has no name from the moment it is opened: it lives in a private directory (mode 0700) that is
 * removed at once, so nothing is left behind however the restore ends — closed, failed, or the process
 * killed (the system frees an unlinked file when its last handle goes).
 */
import { type FileHandle, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where one object's bytes are in a `BodyStore`. */
export interface StoredRange {
  offset: number;
  length: number;
}

/** Bytes gathered before one write to the file: few system calls, a bounded amount held. */
const writeBufferBytes = 4 * 2 ** 20;
/** Bytes read at once when objects are read back in order (`scan`). */
const scanWindowBytes = 8 * 2 ** 20;

/** An append-only file of object bodies, read back by range. Call `close` when done (it is idempotent). */
export class BodyStore {
  private readonly file: FileHandle;
  private pending = Buffer.allocUnsafe(writeBufferBytes);
  private pendingBytes = 0;
  /** Bytes already in the file (the pending ones follow). */
  private written = 0;
  private closed = false;
  /** A write under way: reads and appends wait for it, so no byte is in neither the file nor the buffer. */
  private writing: Promise<void> | undefined;

  private constructor(file: FileHandle) {
    this.file = file;
  }

  /** Opens an empty store in `dir` (default: the system's temporary directory). */
  static async open(dir: string = tmpdir()): Promise<BodyStore> {
    const privateDir = await mkdtemp(join(dir, 'lifeboat-restore-'));
    try {
      const file = await open(join(privateDir, 'bodies'), 'w+', 0o600);
      return new BodyStore(file);
    } finally {
      await rm(privateDir, { recursive: true, force: true });
    }
  }

  /** Bytes stored so far. */
  get size(): number {
    return this.written + this.pendingBytes;
  }

  /** Appends `data` (copied); returns where it is. */
  async append(data: Buffer | string): Promise<StoredRange> {
    this.assertOpen();
    await this.writing;
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const range = { offset: this.size, length: bytes.length };
    if (this.pendingBytes + bytes.length > this.pending.length) await this.flush();
    if (bytes.length > this.pending.length) {
      await this.exclusive(this.writeAll(bytes));
    } else {
      bytes.copy(this.pending, this.pendingBytes);
      this.pendingBytes += bytes.length;
    }
    return range;
  }

  /** The bytes at `range` (their own copy). */
  async read(range: StoredRange): Promise<Buffer> {
    this.assertOpen();
    const data = Buffer.allocUnsafe(range.length);
    await this.writing;
    await this.copyOut(range.offset, data);
    return data;
  }

  /**
   * The bytes of each range, in the order given, read in large windows: for ranges that are (mostly) in
   * file order, as a pass over everything stored is. The yielded buffers are views valid until the next one.
   */
  async *scan<T extends { range: StoredRange }>(items: Iterable<T>): AsyncGenerator<[T, Buffer]> {
    this.assertOpen();
    let window = Buffer.alloc(0);
    let windowStart = 0;
    for (const item of items) {
      const { offset, length } = item.range;
      if (offset < windowStart || offset + length > windowStart + window.length) {
        window = Buffer.allocUnsafe(Math.max(scanWindowBytes, length));
        windowStart = offset;
        const end = Math.min(this.size, offset + window.length);
        window = window.subarray(0, end - offset);
        await this.writing;
        await this.copyOut(offset, window);
      }
      yield [item, window.subarray(offset - windowStart, offset - windowStart + length)];
    }
  }

  /** Writes what is pending to the file. */
  async flush(): Promise<void> {
    await this.writing;
    if (this.pendingBytes === 0) return;
    const bytes = this.pending.subarray(0, this.pendingBytes);
    await this.exclusive(this.writeAll(bytes));
    this.pendingBytes = 0;
  }

  private async exclusive(write: Promise<void>): Promise<void> {
    this.writing = write;
    try {
      await write;
    } finally {
      this.writing = undefined;
    }
  }

  /** Closes the file; the system frees its space. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writing?.catch(() => undefined);
    this.pending = Buffer.alloc(0);
    this.pendingBytes = 0;
    await this.file.close();
  }

  private async writeAll(bytes: Buffer): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.file.write(bytes, done, bytes.length - done, this.written);
      done += bytesWritten;
      this.written += bytesWritten;
    }
  }

  /** Fills `target` with the stored bytes from `offset`, from the file and then the pending buffer. */
  private async copyOut(offset: number, target: Buffer): Promise<void> {
    let done = 0;
    while (done < target.length && offset + done < this.written) {
      const want = Math.min(target.length - done, this.written - offset - done);
      const { bytesRead } = await this.file.read(target, done, want, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    if (done < target.length) {
      const from = offset + done - this.written;
      const copied = this.pending.copy(target, done, from, from + target.length - done);
      done += copied;
    }
    if (done !== target.length)
      throw new Error(`the restore's temporary file ended early (${done} of ${target.length} bytes)`);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("the restore's temporary file is closed");
  }
}
