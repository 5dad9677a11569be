/**
 * Reading the blobs of a pack as it streams in, one at a time: memory per pack read is one blob, not the
 * pack, so a restore can read many packs at once to hide the store's latency. The store port reads objects
 * whole from their start (no ranges), so bytes between the blobs wanted are read and dropped; past the last
 * one the download stops unless little is left (reading it keeps the connection for the next request).
 */
import type { Readable } from 'node:stream';
import { IntegrityError } from './errors.ts';
import type { BlobEntry } from './format.ts';
import { type Repository, repoKeys } from './repository.ts';

/** Left unread past the last blob wanted, a download is stopped rather than finished. */
const drainLimit = 1024 * 1024;

/** Exact-length reads and skips over a stream of buffers. */
class ByteReader {
  private readonly iterator: AsyncIterator<Buffer>;
  private pieces: Buffer[] = [];
  private buffered = 0;
  /** Stream offset of the first buffered byte. */
  position = 0;

  constructor(stream: Readable) {
    this.iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
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

  /** Drops bytes up to stream offset `to`; false when the stream ends first. */
  async skipTo(to: number): Promise<boolean> {
    while (this.position < to) {
      if (this.buffered === 0 && !(await this.fill(1))) return false;
      const first = this.pieces[0] as Buffer;
      const drop = Math.min(first.length, to - this.position);
      this.pieces[0] = first.subarray(drop);
      if (drop === first.length) this.pieces.shift();
      this.buffered -= drop;
      this.position += drop;
    }
    return true;
  }

  /** The next `length` bytes (a view when they lie in one piece); undefined when the stream ends first. */
  async read(length: number): Promise<Buffer | undefined> {
    if (!(await this.fill(length))) return undefined;
    const first = this.pieces[0] as Buffer;
    let out: Buffer;
    if (first.length >= length) {
      out = first.subarray(0, length);
      if (first.length === length) this.pieces.shift();
      else this.pieces[0] = first.subarray(length);
    } else {
      out = Buffer.allocUnsafe(length);
      let copied = 0;
      while (copied < length) {
        const piece = this.pieces[0] as Buffer;
        const take = Math.min(piece.length, length - copied);
        piece.copy(out, copied, 0, take);
        copied += take;
        if (take === piece.length) this.pieces.shift();
        else this.pieces[0] = piece.subarray(take);
      }
    }
    this.buffered -= length;
    this.position += length;
    return out;
  }
}

/**
 * Streams pack `packId` and calls `onBlob` with each sealed blob of `entries` (sorted by offset), in order;
 * `packEnd` is where the pack's last blob ends, to decide whether to finish the download. `IntegrityError`
 * when the pack ends before a blob.
 */
export async function streamPackBlobs(
  repo: Repository,
  packId: string,
  entries: readonly BlobEntry[],
  packEnd: number,
  onBlob: (entry: BlobEntry, sealed: Buffer) => Promise<void>,
): Promise<void> {
  const key = repoKeys.pack(packId);
  const stream = await repo.store.get(key);
  const reader = new ByteReader(stream);
  try {
    for (const entry of entries) {
      if (entry.offset < reader.position)
        throw new IntegrityError(key, `blob ${entry.id} overlaps the one before`);
      const sealed = (await reader.skipTo(entry.offset)) ? await reader.read(entry.length) : undefined;
      if (!sealed) throw new IntegrityError(key, `the pack ends before blob ${entry.id}`);
      await onBlob(entry, sealed);
    }
    if (packEnd - reader.position <= drainLimit) for await (const _ of stream) void _;
  } finally {
    stream.destroy();
  }
}
