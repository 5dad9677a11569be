/**
 * Pack files (`data/<2 hex>/<id>`): sealed blobs one after the other, then the sealed header listing them,
 * then the header's length as a 4-byte little-endian integer (docs/repository-format.md §6). A pack is
 * assembled in one buffer allocated once, so it is held in memory once, and is named by the SHA-256 of its
 * bytes.
 */
import { getBuffer } from '../../storage/index.ts';
import { sha256Hex } from './crypto.ts';
import { IntegrityError } from './errors.ts';
import { type BlobEntry, type BlobType, limits, packHeaderSchema, parseDocument } from './format.ts';
import { type Repository, repoKeys } from './repository.ts';

/** A finished pack, ready to upload. */
export interface FinishedPack {
  id: string;
  data: Buffer;
  entries: BlobEntry[];
}

/** Assembles one pack. */
export class PackBuilder {
  readonly type: BlobType;
  readonly entries: BlobEntry[] = [];
  private buffer: Buffer;
  private used = 0;

  constructor(type: BlobType, capacity: number) {
    this.type = type;
    this.buffer = Buffer.allocUnsafe(capacity);
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
  add(type: BlobType, id: string, sealed: Uint8Array, rawLength: number): void {
    if (!this.fits(sealed.length)) {
      if (this.used > 0) throw new RangeError('the blob does not fit in this pack');
      this.buffer = Buffer.allocUnsafe(sealed.length);
    }
    this.buffer.set(sealed, this.used);
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
    return { id: sha256Hex(data), data, entries: this.entries };
  }
}

/** Reads a whole pack (packs are a few MiB; each is held once). */
export function readPack(repo: Repository, packId: string): Promise<Buffer> {
  return getBuffer(repo.store, repoKeys.pack(packId));
}

/**
 * Opens a blob of a pack read with `readPack`: decrypts it, decodes it, and checks that its keyed hash is
 * its id. `IntegrityError` naming the pack otherwise.
 */
export async function openBlob(
  repo: Repository,
  packId: string,
  data: Buffer,
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
  const plain = await repo.openSealed(sealed, key, max);
  if (plain.length !== entry.rawLength) {
    throw new IntegrityError(
      key,
      `blob ${entry.id} holds ${plain.length} bytes, the index says ${entry.rawLength}`,
    );
  }
  if ((await repo.crypto.blobId(plain)) !== entry.id) {
    throw new IntegrityError(key, `blob ${entry.id} does not hash to its id`);
  }
  return plain;
}

/** The blobs a pack's own header lists (for `check --read-data` and for rebuilding an index). */
export async function readPackHeader(repo: Repository, packId: string, data: Buffer): Promise<BlobEntry[]> {
  const key = repoKeys.pack(packId);
  if (data.length < 4) throw new IntegrityError(key, 'it is shorter than its trailer');
  const headerLength = data.readUInt32LE(data.length - 4);
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
