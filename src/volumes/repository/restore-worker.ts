/**
 * The restore's writer thread (started by blob-writer.ts): opens the sealed blobs the main thread copies into
 * a shared ring — decrypts, decodes and checks each against its id — and writes them into the files that use
 * them (restore-files.ts), zero chunks left as holes. The main thread only streams packs and schedules.
 * Measured on a 208 MiB restore: the main thread alone spent a fifth of its time collecting garbage (the
 * plaintext of every chunk, hundreds of MiB of short-lived buffers); here that work runs beside the
 * downloads. Blobs are opened one at a time in the order they came; their writes run on while the next
 * ones are opened, up to a budget of plaintext bytes.
 * This module loads only what it needs (no store, no zod): a thread starts in tens of milliseconds.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { freeBuffer } from './buffers.ts';
import { type MasterKeys, RepositoryCrypto } from './crypto.ts';
import { IntegrityError } from './errors.ts';
import { OpenFiles, type RestoreFile } from './restore-files.ts';

/** What the thread is started with. */
export interface WriterSetup {
  master: MasterKeys;
  /** Where the main thread copies sealed blobs. */
  ring: SharedArrayBuffer;
  /** Largest plaintext of a data blob (the bucket is untrusted input). */
  maxBlobBytes: number;
  /** Files kept open between their chunks. */
  openFiles: number;
}

/** A file, sent with the first blob placed in it. */
export interface WriterFile {
  number: number;
  path: Buffer;
  /** Path relative to the target, for problems. */
  rel: string;
  size: number;
  /** Chunk places to be written or skipped. */
  chunks: number;
  /** Whether it exists already (made beforehand for a hard link). */
  created: boolean;
}

/** A sealed blob to open and write. */
export interface WriterBlob {
  id: string;
  /** Key of its pack, for problems. */
  key: string;
  /** Number of its space, given back once it is opened. */
  seq: number;
  /** Where its sealed bytes are in the ring, or -1 when they come in `data` (a blob larger than the ring). */
  at: number;
  data?: ArrayBuffer;
  length: number;
  rawLength: number;
  /** Where it goes: file number and offset, in turn. */
  places: number[];
}

/** Messages to the thread. */
export type ToWriter =
  | { type: 'blobs'; files: WriterFile[]; blobs: WriterBlob[] }
  /** Places that get no data (their pack could not be read): files are done with them. */
  | { type: 'skip'; files: WriterFile[]; places: number[] }
  /** No more blobs: finish the writes, close the files, create those no write created, then answer. */
  | { type: 'finish' };

/** Messages from the thread. */
export type FromWriter =
  /** These blobs were opened: their space is free. */
  | { type: 'released'; seqs: number[] }
  | { type: 'written'; bytes: number }
  | { type: 'problem'; path: string; reason: string }
  | { type: 'finished'; bytes: number };

/**
 * Which plaintext pieces are freed once written (buffers.ts): large ones, each the decryption's output but its
 * encoding byte, or the decompression's output but its unused end. Small ones may share a buffer.
 */
const plaintextFreeing = { minBytes: 64 * 1024, slack: 2048 };

/** Plaintext being written at once: what bounds the thread's memory (a larger blob waits for none). */
const plainBytesInFlight = 32 * 1024 * 1024;
const blobsInFlight = 64;

class BlobWriterThread {
  private readonly crypto: RepositoryCrypto;
  private readonly ring: Buffer;
  private readonly maxBlobBytes: number;
  private readonly files = new Map<number, RestoreFile>();
  private readonly openFiles: OpenFiles;
  private readonly queue: WriterBlob[] = [];
  private running = false;
  private finishing = false;
  private zero = Buffer.alloc(0);
  private readonly writing = new Set<Promise<void>>();
  private plainBytes = 0;
  private wake: (() => void) | undefined;
  private released: number[] = [];
  private written = 0;
  private bytes = 0;
  private reporting = false;
  private readonly post: (message: FromWriter) => void;

  constructor(setup: WriterSetup, post: (message: FromWriter) => void) {
    this.post = post;
    this.crypto = new RepositoryCrypto(setup.master);
    this.ring = Buffer.from(setup.ring);
    this.maxBlobBytes = setup.maxBlobBytes;
    this.openFiles = new OpenFiles(setup.openFiles, (path, reason) =>
      this.post({ type: 'problem', path, reason }),
    );
  }

  receive(message: ToWriter): void {
    if (message.type === 'finish') {
      this.finishing = true;
      void this.run();
      return;
    }
    for (const file of message.files) {
      this.files.set(file.number, {
        path: Buffer.from(file.path.buffer, file.path.byteOffset, file.path.length),
        rel: file.rel,
        size: file.size,
        remaining: file.chunks,
        created: file.created,
        users: 0,
      });
    }
    if (message.type === 'skip') {
      for (let i = 0; i < message.places.length; i += 2) this.openFiles.skip(this.file(message.places[i]));
      return;
    }
    this.queue.push(...message.blobs);
    void this.run();
  }

  private file(number: number | undefined): RestoreFile {
    const file = this.files.get(number as number);
    if (!file) throw new Error(`file ${number} was not sent before its first blob`);
    return file;
  }

  /** Opens the queued blobs in order and starts their writes; on `finish`, ends once all is written. */
  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let blob = this.queue.shift(); blob; blob = this.queue.shift()) {
        while (this.writing.size > 0 && !this.fits(blob.rawLength)) {
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
        }
        const plain = this.open(blob);
        this.plainBytes += blob.rawLength;
        const write = this.write(blob, plain).finally(() => {
          this.plainBytes -= blob.rawLength;
          this.writing.delete(write);
          this.wake?.();
          this.wake = undefined;
        });
        this.writing.add(write);
      }
      if (!this.finishing) return;
      while (this.writing.size > 0) await Promise.all(this.writing);
      await this.openFiles.finish([...this.files.values()]);
      this.report();
      this.post({ type: 'finished', bytes: this.bytes });
    } finally {
      this.running = false;
    }
  }

  private fits(bytes: number): boolean {
    return this.writing.size < blobsInFlight && this.plainBytes + bytes <= plainBytesInFlight;
  }

  /** Opens a blob (its ring space is free afterwards): its plaintext pieces, or the error. */
  private open(blob: WriterBlob): Buffer[] | Error {
    const sealed =
      blob.at >= 0
        ? this.ring.subarray(blob.at, blob.at + blob.length)
        : Buffer.from(blob.data as ArrayBuffer);
    try {
      return openBlob(this.crypto, blob, [sealed], this.maxBlobBytes);
    } catch (error) {
      return error as Error;
    } finally {
      this.released.push(blob.seq);
      this.scheduleReport();
    }
  }

  /** Writes a blob at every place that uses it; never throws (problems are posted). */
  private async write(blob: WriterBlob, plain: Buffer[] | Error): Promise<void> {
    const zero = !(plain instanceof Error) && plain.every((piece) => this.isZero(piece));
    const writes: Promise<void>[] = [];
    for (let i = 0; i < blob.places.length; i += 2) {
      const file = this.file(blob.places[i]);
      const offset = blob.places[i + 1] as number;
      if (plain instanceof Error) {
        this.post({ type: 'problem', path: file.rel, reason: plain.message });
        this.openFiles.skip(file);
      } else if (zero) {
        // A zero chunk is left as a hole: the file is made at its size.
        this.openFiles.skip(file);
        this.wrote(blob.rawLength);
      } else if (OpenFiles.wholeAtOnce(file)) {
        if (this.openFiles.writeAtOnce(file, plain, offset)) this.wrote(blob.rawLength);
      } else {
        writes.push(
          this.openFiles.write(file, plain, offset).then((done) => {
            if (done) this.wrote(blob.rawLength);
          }),
        );
      }
    }
    await Promise.all(writes);
    if (!(plain instanceof Error)) for (const piece of plain) freeBuffer(piece, plaintextFreeing);
  }

  private wrote(bytes: number): void {
    this.written += bytes;
    this.bytes += bytes;
    this.scheduleReport();
  }

  private isZero(piece: Buffer): boolean {
    if (this.zero.length < piece.length) this.zero = Buffer.alloc(piece.length);
    return piece.equals(this.zero.subarray(0, piece.length));
  }

  /** Freed ring space and bytes written go to the main thread once per turn of the event loop. */
  private scheduleReport(): void {
    if (this.reporting) return;
    this.reporting = true;
    setImmediate(() => this.report());
  }

  private report(): void {
    this.reporting = false;
    if (this.released.length > 0) this.post({ type: 'released', seqs: this.released });
    if (this.written > 0) this.post({ type: 'written', bytes: this.written });
    this.released = [];
    this.written = 0;
  }
}

/**
 * Opens one sealed blob of a pack (its pieces) and checks it is the blob it is said to be: the plaintext in
 * pieces. `IntegrityError` naming the pack otherwise.
 */
export function openBlob(
  crypto: RepositoryCrypto,
  blob: Pick<WriterBlob, 'id' | 'key' | 'rawLength'>,
  sealed: readonly Buffer[],
  maxBytes: number,
): Buffer[] {
  let plain: Buffer[];
  try {
    plain = crypto.openPiecesSync(sealed, maxBytes, blob.rawLength);
  } catch (error) {
    throw new IntegrityError(blob.key, (error as Error).message, { cause: error });
  }
  const length = plain.reduce((sum, piece) => sum + piece.length, 0);
  if (length !== blob.rawLength) {
    throw new IntegrityError(
      blob.key,
      `blob ${blob.id} holds ${length} bytes, the index says ${blob.rawLength}`,
    );
  }
  if (crypto.blobId(plain) !== blob.id) {
    throw new IntegrityError(blob.key, `blob ${blob.id} does not hash to its id`);
  }
  return plain;
}

if (parentPort) {
  const port = parentPort;
  const thread = new BlobWriterThread(workerData as WriterSetup, (message) => port.postMessage(message));
  port.on('message', (message: ToWriter) => thread.receive(message));
}
