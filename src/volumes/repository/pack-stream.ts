/**
 * Reading the blobs of a pack as it streams in, one at a time: memory per pack read is the blobs the caller
 * keeps (the restore bounds them), not the pack, so a restore can read many packs at once to hide the
 * store's latency. A store with ranged reads
 * fetches only the bytes of the blobs wanted: one request per run of blobs that lie close together, so a
 * restore that needs a few blobs of a pack (an incremental snapshot, data shared with other clusters) does
 * not download the rest, and a run ends at its last blob (no pack header to drain). A store without them
 * (a wrapper that does not pass ranges on) is read from the start, bytes between the blobs dropped; past the
 * last one the download stops unless little is left (reading it keeps the connection for the next request).
 */
import type { Readable } from 'node:stream';
import { freeBuffer } from './buffers.ts';
import { IntegrityError } from './errors.ts';
import type { BlobEntry } from './format.ts';
import { type Repository, repoKeys } from './repository.ts';

/**
 * Left unread past the last blob wanted, a download is stopped rather than finished; and blobs farther apart
 * than this are fetched by separate ranged requests (reading a MiB through costs about what a request does).
 */
const gapLimit = 1024 * 1024;

/** Exact-length reads and skips over a stream of buffers. */
class ByteReader {
  private readonly iterator: AsyncIterator<Buffer>;
  /** Chunks as the stream delivered them; the first one's first `skip` bytes are consumed. */
  private pieces: Buffer[] = [];
  private skip = 0;
  private buffered = 0;
  /** Pack offset of the first buffered byte. */
  position = 0;

  /** `position` is the pack offset of the stream's first byte. */
  constructor(stream: Readable, position: number) {
    this.iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    this.position = position;
  }

  private async fill(bytes: number): Promise<boolean> {
    while (this.buffered < bytes) {
      const next = await this.iterator.next();
      if (next.done) return false;
      this.pieces.push(next.value);
      this.buffered += next.value.length;
    }
    return true;
  }

  /** Reads the stream to its end, dropping what is left. */
  async drain(): Promise<void> {
    this.pieces = [];
    this.skip = 0;
    this.buffered = 0;
    while (!(await this.iterator.next()).done);
  }

  /** Consumes `bytes` of the first chunk (copying them to `target` at `at` when given). */
  private consume(bytes: number, target?: Buffer, at = 0): void {
    const first = this.pieces[0] as Buffer;
    if (target) first.copy(target, at, this.skip, this.skip + bytes);
    this.skip += bytes;
    this.buffered -= bytes;
    this.position += bytes;
    if (this.skip < first.length) return;
    this.pieces.shift();
    this.skip = 0;
    // A chunk a stream delivered is its reader's (Node's streams never reuse one).
    freeBuffer(first);
  }

  /** Drops bytes up to stream offset `to`; false when the stream ends first. */
  async skipTo(to: number): Promise<boolean> {
    while (this.position < to) {
      if (this.buffered === 0 && !(await this.fill(1))) return false;
      this.consume(Math.min((this.pieces[0] as Buffer).length - this.skip, to - this.position));
    }
    return true;
  }

  /**
   * Copies the next `target.length` bytes into `target` as they arrive, each chunk the stream delivered
   * freed once copied; false when the stream ends first.
   */
  async readInto(target: Buffer): Promise<boolean> {
    let at = 0;
    while (at < target.length) {
      if (this.buffered === 0 && !(await this.fill(1))) return false;
      const take = Math.min((this.pieces[0] as Buffer).length - this.skip, target.length - at);
      this.consume(take, target, at);
      at += take;
    }
    return true;
  }
}

/** Blobs of one pack read by one request: `[start, end)` of the pack. */
interface Run {
  start: number;
  end: number;
  entries: BlobEntry[];
}

/** Groups blobs (sorted by offset) into runs with gaps of at most `gapLimit` inside. */
function runsOf(entries: readonly BlobEntry[]): Run[] {
  const runs: Run[] = [];
  for (const entry of entries) {
    const last = runs.at(-1);
    if (last && entry.offset - last.end <= gapLimit) {
      last.entries.push(entry);
      last.end = Math.max(last.end, entry.offset + entry.length);
    } else {
      runs.push({ start: entry.offset, end: entry.offset + entry.length, entries: [entry] });
    }
  }
  return runs;
}

/**
 * Receives a blob as its pack streams in: calls `read` once with a buffer of `entry.length` bytes, which
 * `read` fills as the bytes arrive (`IntegrityError` when the pack ends first).
 */
export type OnBlob = (entry: BlobEntry, read: (target: Buffer) => Promise<void>) => Promise<void>;

/**
 * Streams the blobs `entries` (sorted by offset) of pack `packId` and calls `onBlob` with each, in order;
 * `packEnd` is where the pack's last blob ends, to decide whether to finish a whole download.
 * `IntegrityError` when the pack ends before a blob.
 */
export async function streamPackBlobs(
  repo: Repository,
  packId: string,
  entries: readonly BlobEntry[],
  packEnd: number,
  onBlob: OnBlob,
): Promise<void> {
  const key = repoKeys.pack(packId);
  const store = repo.store;
  if (!store.getRange) {
    await readRun(key, await store.get(key), { start: 0, end: packEnd, entries: [...entries] }, onBlob);
    return;
  }
  for (const run of runsOf(entries)) {
    const stream = await store.getRange(key, { offset: run.start, length: run.end - run.start });
    await readRun(key, stream, run, onBlob);
  }
}

/**
 * Reads the blobs of `run` from `stream`, which starts at the run's start. Then, unless more than `gapLimit`
 * is left before the run's end, reads the stream to its end so the connection serves the next request (a
 * ranged response ends at the run's end: nothing is left).
 */
async function readRun(key: string, stream: Readable, run: Run, onBlob: OnBlob): Promise<void> {
  const reader = new ByteReader(stream, run.start);
  try {
    for (const entry of run.entries) {
      if (entry.offset < reader.position)
        throw new IntegrityError(key, `blob ${entry.id} overlaps the one before`);
      const ends = () => new IntegrityError(key, `the pack ends before blob ${entry.id}`);
      if (!(await reader.skipTo(entry.offset))) throw ends();
      await onBlob(entry, async (target) => {
        if (!(await reader.readInto(target))) throw ends();
      });
    }
    if (run.end - reader.position <= gapLimit) await reader.drain();
  } finally {
    stream.destroy();
  }
}
