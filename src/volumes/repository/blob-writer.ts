/**
 * The main thread's side of the restore's writer thread (restore-worker.ts). When a blob's first bytes
 * arrive, it is given space in a ring of memory shared with the thread, and its bytes are copied there as
 * they stream in (so no pack read holds a blob of up to 8 MiB in pieces on the side: the ring bounds what a
 * restore holds); once complete it is announced to the thread with the places it goes. The thread gives the space back once it has opened the blob; space is taken at the
 * ring's head and freed from its tail, up to the oldest space still held. The ring bounds what is in flight
 * (a blob larger than the ring goes alone, in a buffer of its own, once the ring is empty). Blobs announced
 * in one turn of the event loop go in one message. A file's path and size go with the first blob placed in
 * it; files no blob is placed in are not the thread's.
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

/** Space given to one blob: in the ring (`at`), or a buffer of its own (`at` -1). */
interface Slot {
  seq: number;
  at: number;
  target: Buffer;
}

/** A blob waiting for space. */
interface Waiting {
  length: number;
  resolve: (slot: Slot) => void;
  reject: (error: Error) => void;
}

/**
 * Space in a ring of `size` bytes: each piece is contiguous, taken at the head (a piece that does not fit
 * before the end starts over at 0, the bytes skipped going with it) and numbered; pieces are given back in
 * any order, and their space is free once every older piece is given back too. A piece larger than the ring
 * is given (outside it, `start` -1) only when nothing is held, and nothing else until it is back.
 */
export class RingSpace {
  readonly size: number;
  /** Next free byte. */
  private head = 0;
  private nextSeq = 0;
  /** Pieces held or not yet freed, oldest first. */
  private readonly live: { seq: number; start: number; length: number; freed: boolean }[] = [];

  constructor(size: number) {
    this.size = size;
  }

  /** Whether nothing is held. */
  get empty(): boolean {
    return this.live.length === 0;
  }

  /** Takes `length` bytes: the piece's number and offset, or undefined when they are not free. */
  take(length: number): { seq: number; start: number } | undefined {
    if (this.live.length === 0) this.head = 0;
    const oldest = this.live[0];
    if (oldest?.start === -1) return undefined;
    let start: number;
    if (length > this.size) {
      if (oldest) return undefined;
      start = -1;
    } else {
      const tail = oldest?.start ?? 0;
      const wrapped = oldest !== undefined && this.head <= tail;
      if (!wrapped && this.head + length <= this.size) start = this.head;
      else if (!wrapped && length < tail) start = 0;
      else if (wrapped && this.head + length < tail) start = this.head;
      else return undefined;
      this.head = start + length;
    }
    const seq = this.nextSeq++;
    this.live.push({ seq, start, length, freed: false });
    return { seq, start };
  }

  /** Gives back piece `seq`. */
  free(seq: number): void {
    const piece = this.live[seq - (this.live[0]?.seq ?? 0)];
    if (piece?.seq !== seq) return;
    piece.freed = true;
    while (this.live[0]?.freed) this.live.shift();
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
   * Hands over one sealed blob of `length` bytes, to be written at `places`: waits for space (this is what
   * slows the download down to the writes), has `fill` copy the blob's bytes into it as they stream in, and
   * queues it for the thread. When `fill` throws, the space is given back and the error passed on.
   */
  async add(
    key: string,
    id: string,
    length: number,
    rawLength: number,
    places: readonly Place[],
    fill: (target: Buffer) => Promise<void>,
  ): Promise<void> {
    const slot = await this.reserve(length);
    try {
      await fill(slot.target);
    } catch (error) {
      this.space.free(slot.seq);
      this.serve();
      throw error;
    }
    if (this.failure) throw this.failure;
    const blob: WriterBlob = {
      id,
      key,
      seq: slot.seq,
      at: slot.at,
      length,
      rawLength,
      places: this.placesOf(places),
    };
    if (slot.at === -1) {
      blob.data = slot.target.buffer as ArrayBuffer;
      this.transfers.push(blob.data);
    }
    this.blobs.push(blob);
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => this.flush());
    }
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

  /** Space for `length` bytes, first come first served. */
  private reserve(length: number): Promise<Slot> {
    if (this.failure) return Promise.reject(this.failure);
    const slot = this.waiting.length === 0 ? this.take(length) : undefined;
    if (slot) return Promise.resolve(slot);
    return new Promise<Slot>((resolve, reject) => this.waiting.push({ length, resolve, reject }));
  }

  private take(length: number): Slot | undefined {
    const piece = this.space.take(length);
    if (!piece) return undefined;
    const target =
      piece.start === -1
        ? Buffer.allocUnsafeSlow(length)
        : this.ring.subarray(piece.start, piece.start + length);
    return { seq: piece.seq, at: piece.start, target };
  }

  /** Gives space to the blobs waiting, in turn, while there is room. */
  private serve(): void {
    for (let next = this.waiting[0]; next; next = this.waiting[0]) {
      const slot = this.take(next.length);
      if (!slot) return;
      this.waiting.shift();
      next.resolve(slot);
    }
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
      for (const seq of message.seqs) this.space.free(seq);
      this.serve();
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
