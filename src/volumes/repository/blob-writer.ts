/**
 * The main thread's side of the restore's writer thread (restore-worker.ts). As a pack streams in, each
 * sealed blob is copied into a ring of memory shared with the thread and announced to it with the places it
 * goes; the thread opens the blobs in the order they were announced and gives their space back in that
 * order, so the ring is a queue: space is taken at its head and freed at its tail. The ring bounds what is
 * in flight (a blob larger than the ring goes alone, in a buffer of its own, once the ring is empty). Blobs
 * announced in one turn of the event loop go in one message. A file's path and size go with the first blob
 * placed in it; files no blob is placed in are not the thread's.
 */
import { Worker } from 'node:worker_threads';
import type { RepositoryCrypto } from './crypto.ts';
import type { FromWriter, ToWriter, WriterBlob, WriterFile, WriterSetup } from './restore-worker.ts';

/** A file of the restore as the main thread plans it. */
export interface PlannedFile {
  path: Buffer;
  /** Path relative to the target, for problems. */
  rel: string;
  size: number;
  /** Chunk places in it. */
  chunks: number;
  /** Whether it exists already (made beforehand for a hard link). */
  created: boolean;
  /** Whether the writer thread knows it (then the thread creates it, even when no chunk is written). */
  sent: boolean;
}

/** Where a blob goes: a file (its number) and an offset. */
export interface Place {
  file: number;
  offset: number;
}

/** Options of the writer. */
export interface BlobWriterOptions {
  openFiles: number;
  maxBlobBytes: number;
  /** Bytes of the shared ring (default 32 MiB). */
  ringBytes?: number;
  onProblem: (path: string, reason: string) => void;
  /** Bytes written (or left as holes) since the last call. */
  onWritten: (bytes: number) => void;
}

/** A blob waiting for ring space, with what is needed to place it. */
interface Waiting {
  blob: WriterBlob;
  sealed: readonly Buffer[];
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Space in a ring of `size` bytes given out as a queue: each piece is contiguous, taken at the head and given
 * back oldest first (a piece that does not fit before the end starts over at 0; the bytes skipped are given
 * back with it).
 */
export class RingSpace {
  readonly size: number;
  /** Next free byte. */
  private head = 0;
  /** Pieces held, oldest first (`cost` counts bytes skipped before them). */
  private readonly live: { start: number; cost: number }[] = [];

  constructor(size: number) {
    this.size = size;
  }

  /** Whether nothing is held. */
  get empty(): boolean {
    return this.live.length === 0;
  }

  /** Takes `length` contiguous bytes: their offset, or undefined when they are not free. */
  take(length: number): number | undefined {
    if (this.live.length === 0) this.head = 0;
    const tail = this.live[0]?.start ?? 0;
    const wrapped = this.live.length > 0 && this.head <= tail;
    let start: number;
    let cost = length;
    if (!wrapped && this.head + length <= this.size) start = this.head;
    else if (!wrapped && length < tail) {
      start = 0;
      cost += this.size - this.head;
    } else if (wrapped && this.head + length < tail) start = this.head;
    else return undefined;
    this.live.push({ start, cost });
    this.head = start + length;
    return start;
  }

  /** Gives back the `count` oldest pieces. */
  release(count: number): void {
    this.live.splice(0, count);
  }
}

export class BlobWriter {
  private readonly worker: Worker;
  private readonly files: PlannedFile[];
  private readonly options: BlobWriterOptions;
  private readonly ring: Buffer;
  private readonly space: RingSpace;
  private readonly waiting: Waiting[] = [];
  private blobs: WriterBlob[] = [];
  private newFiles: WriterFile[] = [];
  private transfers: ArrayBuffer[] = [];
  private flushing = false;
  private failure: Error | undefined;
  private readonly done: Promise<number>;
  private settle: { resolve: (bytes: number) => void; reject: (error: Error) => void } | undefined;

  /** Starts the thread; `files` is the restore's list (numbers are indexes in it). */
  constructor(crypto: RepositoryCrypto, files: PlannedFile[], options: BlobWriterOptions) {
    this.files = files;
    this.options = options;
    const ring = new SharedArrayBuffer(options.ringBytes ?? 32 * 1024 * 1024);
    this.ring = Buffer.from(ring);
    this.space = new RingSpace(ring.byteLength);
    const setup: WriterSetup = {
      master: crypto.master,
      ring,
      maxBlobBytes: options.maxBlobBytes,
      openFiles: options.openFiles,
    };
    this.done = new Promise<number>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // Nobody may wait for `done` (a restore that fails before its end): that is no unhandled rejection.
    this.done.catch(() => {});
    // The module is a sibling file in src/ and in the image alike (Node strips its types as it loads it).
    this.worker = new Worker(new URL('./restore-worker.ts', import.meta.url), { workerData: setup });
    this.worker.on('message', (message: FromWriter) => this.receive(message));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`it stopped (exit code ${code})`)));
  }

  /**
   * Hands over one sealed blob (in pieces, as it streamed in) to be written at `places`; resolves once it is
   * copied into the ring (waiting for space: this is what slows the download down to the writes).
   */
  add(
    key: string,
    id: string,
    sealed: readonly Buffer[],
    rawLength: number,
    places: readonly Place[],
  ): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const length = sealed.reduce((sum, piece) => sum + piece.length, 0);
    const blob: WriterBlob = { id, key, at: -1, length, rawLength, places: this.placesOf(places) };
    if (this.waiting.length === 0 && this.place(blob, sealed)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.waiting.push({ blob, sealed, resolve, reject }));
  }

  /** Places that get no data (their blob could not be read): the thread is done with them. */
  skip(places: readonly Place[]): void {
    if (this.failure || places.length === 0) return;
    this.flush();
    const message: ToWriter = { type: 'skip', places: this.placesOf(places), files: this.newFiles };
    this.newFiles = [];
    this.worker.postMessage(message);
  }

  /** Waits for every write and for the files the thread knows to be closed and created; the bytes written. */
  async finish(): Promise<number> {
    if (this.failure) throw this.failure;
    this.flush();
    this.worker.postMessage({ type: 'finish' } satisfies ToWriter);
    return this.done;
  }

  /** Stops the thread (after `finish`, or to abandon the restore). */
  async close(): Promise<void> {
    this.stop(new Error('the restore ended before this blob was written'));
    await this.worker.terminate();
  }

  /** Flat `[file, offset, ...]`, the files' descriptions queued for the thread the first time they are used. */
  private placesOf(places: readonly Place[]): number[] {
    const flat: number[] = [];
    for (const { file: number, offset } of places) {
      const file = this.files[number] as PlannedFile;
      if (!file.sent) {
        file.sent = true;
        const { path, rel, size, chunks, created } = file;
        this.newFiles.push({ number, path, rel, size, chunks, created });
      }
      flat.push(number, offset);
    }
    return flat;
  }

  /** Copies a blob where it goes and queues it for the thread; false when there is no room yet. */
  private place(blob: WriterBlob, sealed: readonly Buffer[]): boolean {
    let target: Buffer;
    if (blob.length > this.ring.length) {
      if (!this.space.empty) return false;
      target = Buffer.allocUnsafeSlow(blob.length);
      blob.data = target.buffer as ArrayBuffer;
      this.transfers.push(blob.data);
    } else {
      const at = this.space.take(blob.length);
      if (at === undefined) return false;
      blob.at = at;
      target = this.ring.subarray(at, at + blob.length);
    }
    let offset = 0;
    for (const piece of sealed) offset += piece.copy(target, offset);
    this.blobs.push(blob);
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => this.flush());
    }
    return true;
  }

  private flush(): void {
    this.flushing = false;
    if (this.failure || (this.blobs.length === 0 && this.newFiles.length === 0)) return;
    const message: ToWriter = { type: 'blobs', files: this.newFiles, blobs: this.blobs };
    this.worker.postMessage(message, this.transfers);
    this.blobs = [];
    this.newFiles = [];
    this.transfers = [];
  }

  private receive(message: FromWriter): void {
    if (message.type === 'released') {
      this.space.release(message.blobs);
      for (let next = this.waiting[0]; next && this.place(next.blob, next.sealed); next = this.waiting[0]) {
        this.waiting.shift();
        next.resolve();
      }
    } else if (message.type === 'written') this.options.onWritten(message.bytes);
    else if (message.type === 'problem') this.options.onProblem(message.path, message.reason);
    else this.settle?.resolve(message.bytes);
  }

  private fail(error: Error): void {
    this.stop(new Error(`the restore's writer thread failed: ${error.message}`, { cause: error }));
  }

  /** Refuses what comes next with `error`, and what waits. */
  private stop(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    for (const each of this.waiting.splice(0)) each.reject(error);
    this.settle?.reject(error);
  }
}
