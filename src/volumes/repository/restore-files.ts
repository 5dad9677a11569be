/**
 * The files a restore fills, opened lazily and kept open across their chunks: a file is created by the first
 * write into it (`wx`, so nothing already there is overwritten) and closed after its last one, so a file of
 * one chunk costs one open, one write and one close, with no separate step to create it at its size. Handles
 * of files still expecting chunks stay open up to a limit and are then closed least recently used first (a
 * later chunk reopens the file). Files no chunk was written into (empty, all zeros, or whose chunks could
 * not be read) are created at their size by `finish`, leaving holes.
 */
import { closeSync, ftruncateSync, openSync, writevSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';

/** A file of the restore and what is still to be written into it. */
export interface RestoreFile {
  path: Buffer;
  /** Path relative to the target, for problems. */
  rel: string;
  size: number;
  /** Chunk places still to be written or skipped. */
  remaining: number;
  /** Whether the file exists (an earlier write created it, or it was made beforehand for a hard link). */
  created: boolean;
  handle?: Promise<FileHandle> | undefined;
  /** Writes using `handle` right now. */
  users: number;
  /** Set once the file could not be opened: its other chunks are not tried again. */
  failed?: boolean;
}

/** Creates a file at `size` (a hole) unless it exists already. */
export async function createFileAt(path: Buffer, size: number): Promise<void> {
  const file = await open(path, 'wx', 0o600);
  try {
    if (size > 0) await file.truncate(size);
  } finally {
    await file.close();
  }
}

/** The open handles of a restore, at most `limit` of them idle. */
export class OpenFiles {
  private readonly limit: number;
  private readonly problem: (rel: string, reason: string) => void;
  /** Files with a handle, least recently used first. */
  private readonly lru = new Map<RestoreFile, true>();
  private readonly closing = new Set<Promise<void>>();

  constructor(limit: number, problem: (rel: string, reason: string) => void) {
    this.limit = Math.max(1, limit);
    this.problem = problem;
  }

  /** Writes `data` (a chunk in pieces) at `offset` of `file` (one of its chunk places); true when written. */
  async write(file: RestoreFile, data: readonly Buffer[], offset: number): Promise<boolean> {
    if (file.failed) {
      this.placeDone(file);
      return false;
    }
    file.users++;
    let written = false;
    try {
      const length = data.reduce((sum, piece) => sum + piece.length, 0);
      const handle = await this.handleOf(file, offset + length);
      let left = data.filter((piece) => piece.length > 0);
      let at = offset;
      while (left.length > 0) {
        const { bytesWritten } = await handle.writev(left, at);
        if (bytesWritten === 0) throw new Error('the disk accepted no more bytes');
        at += bytesWritten;
        left = dropBytes(left, bytesWritten);
      }
      written = true;
    } catch (error) {
      if (file.handle === undefined) file.failed = true;
      this.problem(file.rel, (error as NodeJS.ErrnoException).code ?? (error as Error).message);
    } finally {
      file.users--;
      this.placeDone(file);
    }
    return written;
  }

  /** Whether `file` is one chunk away from done and not created yet: `writeAtOnce` can write it. */
  static wholeAtOnce(file: RestoreFile): boolean {
    return file.remaining === 1 && !file.created && !file.failed;
  }

  /**
   * `write` for a file `wholeAtOnce` accepts, done on the calling thread: create, write, close. For the
   * restore's writer thread (a thread of its own), where a small file otherwise costs three trips through the
   * thread pool and back, more than the work itself; creating files one at a time also spares the file
   * system's lock on their directory.
   */
  writeAtOnce(file: RestoreFile, data: readonly Buffer[], offset: number): boolean {
    file.created = true;
    let fd: number | undefined;
    try {
      fd = openSync(file.path, 'wx', 0o600);
      let left = data.filter((piece) => piece.length > 0);
      let at = offset;
      while (left.length > 0) {
        const written = writevSync(fd, left, at);
        if (written === 0) throw new Error('the disk accepted no more bytes');
        at += written;
        left = dropBytes(left, written);
      }
      if (at !== file.size) ftruncateSync(fd, file.size);
      return true;
    } catch (error) {
      if (fd === undefined) file.failed = true;
      this.problem(file.rel, (error as NodeJS.ErrnoException).code ?? (error as Error).message);
      return false;
    } finally {
      if (fd !== undefined) {
        try {
          closeSync(fd);
        } catch (error) {
          this.problem(file.rel, (error as NodeJS.ErrnoException).code ?? (error as Error).message);
        }
      }
      file.remaining--;
    }
  }

  /** One of `file`'s chunk places is not written (a zero chunk, a hole already, or a chunk that failed). */
  skip(file: RestoreFile): void {
    this.placeDone(file);
  }

  /** Closes every handle and creates the files no write created, at their size. */
  async finish(files: readonly RestoreFile[]): Promise<void> {
    for (const file of [...this.lru.keys()]) void this.close(file);
    await Promise.all(this.closing);
    const missing = files.filter((file) => !file.created && !file.failed);
    await forEachLimit(missing, fsConcurrency, async (file) => {
      try {
        await createFileAt(file.path, file.size);
        file.created = true;
      } catch (error) {
        this.problem(file.rel, (error as NodeJS.ErrnoException).code ?? (error as Error).message);
      }
    });
  }

  /**
   * The file's handle, opening it when it has none: creating it when no write did yet, and then setting its
   * size unless this write (ending at `end`) does.
   */
  private handleOf(file: RestoreFile, end: number): Promise<FileHandle> {
    this.lru.delete(file);
    if (!file.handle) {
      const create = !file.created;
      file.created = true;
      file.handle = open(file.path, create ? 'wx' : 'r+', 0o600).then(async (handle) => {
        if (create && end !== file.size) {
          await handle.truncate(file.size).catch(async (error: unknown) => {
            await handle.close().catch(() => {});
            throw error;
          });
        }
        return handle;
      });
      const opening = file.handle;
      opening.catch(() => {
        if (file.handle !== opening) return;
        file.handle = undefined;
        this.lru.delete(file);
      });
    }
    this.lru.set(file, true);
    this.evict();
    return file.handle;
  }

  private placeDone(file: RestoreFile): void {
    file.remaining--;
    if (file.remaining <= 0 && file.users === 0 && file.handle !== undefined) void this.close(file);
    else this.evict();
  }

  /** Closes idle handles, least recently used first, while more than `limit` are open. */
  private evict(): void {
    if (this.lru.size <= this.limit) return;
    for (const file of this.lru.keys()) {
      if (this.lru.size <= this.limit) return;
      if (file.users === 0) void this.close(file);
    }
  }

  private close(file: RestoreFile): Promise<void> {
    const handle = file.handle;
    if (!handle) return Promise.resolve();
    file.handle = undefined;
    this.lru.delete(file);
    const closing = handle
      .then((opened) => opened.close())
      .catch((error: unknown) => {
        // An open that failed was reported by the write that made it.
        if (file.failed) return;
        this.problem(file.rel, (error as NodeJS.ErrnoException).code ?? (error as Error).message);
      })
      .finally(() => this.closing.delete(closing));
    this.closing.add(closing);
    return closing;
  }
}

/** `pieces` without their first `bytes` bytes. */
function dropBytes(pieces: readonly Buffer[], bytes: number): Buffer[] {
  const out: Buffer[] = [];
  let skip = bytes;
  for (const piece of pieces) {
    if (skip >= piece.length) skip -= piece.length;
    else {
      out.push(skip > 0 ? piece.subarray(skip) : piece);
      skip = 0;
    }
  }
  return out;
}

/** File system calls a restore keeps in flight at once (the thread pool runs 4; more keep it busy). */
export const fsConcurrency = 16;

/** Runs `work` on every item, at most `limit` at once. */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
