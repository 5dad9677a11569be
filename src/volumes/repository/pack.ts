/**
 * Pack files (`data/<2 hex>/<id>`): sealed blobs one after the other, then the sealed header listing them,
 * then the header's length as a 4-byte little-endian integer (docs/repository-format.md §6). A pack is
 * assembled in one buffer allocated once, so it is held in memory once, and is named by the SHA-256 of its
 * bytes.
 */
import { createHash } from 'node:crypto';
import { type SealedPieces, sha256HexAsync } from './crypto.ts';
import { IntegrityError } from './errors.ts';
import { type BlobEntry, type BlobType, limits, packHeaderSchema, parseDocument } from './format.ts';
import { type Repository, repoKeys } from './repository.ts';

/** A finished pack, ready to upload. */
export interface FinishedPack {
  id: string;
  data: Buffer;
  entries: BlobEntry[];
  /** The builder's buffer, free for another pack once `data` is uploaded (undefined if it grew). */
  reusable: Buffer | undefined;
}

/** Assembles one pack. */
export class PackBuilder {
  readonly type: BlobType;
  readonly entries: BlobEntry[] = [];
  private buffer: Buffer;
  private used = 0;

  private readonly initial: Buffer;

  /** `buffer` is where the pack is assembled (reused from an earlier pack when one is free). */
  constructor(type: BlobType, buffer: Buffer) {
    this.type = type;
    this.buffer = buffer;
    this.initial = buffer;
  }

  /** Bytes of blobs so far. */
  get size(): number {
    return this.used;
  }

  /** Whether a sealed blob of `length` bytes fits in what was allocated. */
  fits(length: number): boolean {
    return this.used + length <= this.buffer.length;
  }

  /** Appends a sealed blob (it must fit, or the pack must be empty: then the buffer grows to hold it). */
  add(type: BlobType, id: string, sealed: SealedPieces, rawLength: number): void {
    if (!this.fits(sealed.length)) {
      if (this.used > 0) throw new RangeError('the blob does not fit in this pack');
      this.buffer = Buffer.allocUnsafe(sealed.length);
    }
    let at = this.used;
    for (const piece of sealed.pieces) {
      this.buffer.set(piece, at);
      at += piece.length;
    }
    this.entries.push({ id, type, offset: this.used, length: sealed.length, rawLength });
    this.used += sealed.length;
  }

  /** Seals the header, appends it and its length, and names the pack. */
  async finish(repo: Repository): Promise<FinishedPack> {
    const header = await repo.crypto.seal(
      Buffer.from(JSON.stringify({ version: 1, blobs: this.entries }), 'utf8'),
    );
    const total = this.used + header.length + 4;
    let data: Buffer;
    if (total <= this.buffer.length) {
      data = this.buffer.subarray(0, total);
    } else {
      // The header did not fit in the space left: one more copy, for this pack only.
      data = Buffer.allocUnsafe(total);
      this.buffer.copy(data, 0, 0, this.used);
    }
    header.copy(data, this.used);
    data.writeUInt32LE(header.length, this.used + header.length);
    const reusable = data.buffer === this.initial.buffer ? this.initial : undefined;
    return { id: await sha256HexAsync(data), data, entries: this.entries, reusable };
  }
}

/**
 * A pack read whole, kept as the pieces the store streamed (not concatenated, so it is held once): a
 * blob within one piece is a view, one across pieces is copied out.
 */
export class PackData {
  readonly length: number;
  private readonly pieces: Buffer[];
  private readonly starts: number[] = [];

  constructor(pieces: Buffer[]) {
    this.pieces = pieces;
    let at = 0;
    for (const piece of pieces) {
      this.starts.push(at);
      at += piece.length;
    }
    this.length = at;
  }

  /** Bytes `[start, end)`. */
  subarray(start: number, end: number): Buffer {
    let low = 0;
    let high = this.pieces.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.starts[mid] as number) <= start) low = mid;
      else high = mid - 1;
    }
    const first = this.pieces[low];
    const offset = start - (this.starts[low] ?? 0);
    if (first && offset + (end - start) <= first.length) return first.subarray(offset, offset + end - start);
    const out = Buffer.allocUnsafe(end - start);
    let copied = 0;
    for (let i = low; copied < out.length && i < this.pieces.length; i++) {
      const piece = this.pieces[i] as Buffer;
      const from = i === low ? offset : 0;
      copied += piece.copy(out, copied, from, Math.min(piece.length, from + out.length - copied));
    }
    return out;
  }

  /** SHA-256 of the whole pack, lowercase hex. */
  sha256(): string {
    const hash = createHash('sha256');
    for (const piece of this.pieces) hash.update(piece);
    return hash.digest('hex');
  }
}

/** Reads a whole pack (a few MiB, held once). */
export async function readPack(repo: Repository, packId: string): Promise<PackData> {
  const pieces: Buffer[] = [];
  for await (const piece of await repo.store.get(repoKeys.pack(packId))) pieces.push(piece as Buffer);
  return new PackData(pieces);
}

/**
 * Opens a blob of a pack read with `readPack`: decrypts it, decodes it, and checks that its keyed hash is
 * its id. `IntegrityError` naming the pack otherwise.
 */
export async function openBlob(
  repo: Repository,
  packId: string,
  data: PackData,
  entry: BlobEntry,
): Promise<Buffer> {
  if (entry.offset + entry.length > data.length) {
    throw new IntegrityError(
      repoKeys.pack(packId),
      `blob ${entry.id} lies beyond the end of the pack (${data.length} bytes)`,
    );
  }
  return openSealedBlob(repo, packId, data.subarray(entry.offset, entry.offset + entry.length), entry);
}

/** Opens one sealed blob (its bytes as cut out of pack `packId`) and checks it is the blob `entry` names. */
export async function openSealedBlob(
  repo: Repository,
  packId: string,
  sealed: Buffer,
  entry: BlobEntry,
): Promise<Buffer> {
  const key = repoKeys.pack(packId);
  const max = entry.type === 'tree' ? limits.tree : limits.dataBlob;
  const plain = await repo.openSealed(sealed, key, max, entry.rawLength);
  if (plain.length !== entry.rawLength) {
    throw new IntegrityError(
      key,
      `blob ${entry.id} holds ${plain.length} bytes, the index says ${entry.rawLength}`,
    );
  }
  if (repo.crypto.blobId(plain) !== entry.id) {
    throw new IntegrityError(key, `blob ${entry.id} does not hash to its id`);
  }
  return plain;
}

/** The blobs a pack's own header lists (for `check --read-data` and for rebuilding an index). */
export async function readPackHeader(repo: Repository, packId: string, data: PackData): Promise<BlobEntry[]> {
  const key = repoKeys.pack(packId);
  if (data.length < 4) throw new IntegrityError(key, 'it is shorter than its trailer');
  const headerLength = data.subarray(data.length - 4, data.length).readUInt32LE(0);
  if (headerLength + 4 > data.length) throw new IntegrityError(key, 'its header length is beyond its start');
  const sealed = data.subarray(data.length - 4 - headerLength, data.length - 4);
  const header = parseDocument(packHeaderSchema, await repo.openSealed(sealed, key, limits.packHeader), key);
  const end = data.length - 4 - headerLength;
  for (const entry of header.blobs) {
    if (entry.offset + entry.length > end)
      throw new IntegrityError(key, `its header places blob ${entry.id} past the blobs`);
  }
  return header.blobs;
}
