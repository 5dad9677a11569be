/**
 * The repository's cryptography (docs/repository-format.md §3–4): the master key set, sealing and opening
 * AES-256-GCM payloads with a random 96-bit nonce, keyed blob ids (HMAC-SHA256) and the encoding byte.
 * Hashing and encryption use node:crypto's one-shot primitives on the calling thread: they take the bytes
 * where they are, where WebCrypto copies every input (measured: the copies and the garbage they leave cost
 * more than the thread hop saves). The keys are KeyObjects made once: given as bytes, every cipher and HMAC
 * checks and imports them again (measured: about half the cost of opening a small blob). zstd runs on the
 * thread pool for large payloads and on the calling thread for small ones (up to `syncZstdBytes`): for
 * those, zlib's stream machinery costs several times the compression itself. Pack digests run on the
 * thread pool.
 */
import {
  type CipherKey,
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createSecretKey,
  type KeyObject,
  randomBytes,
  webcrypto,
} from 'node:crypto';
import { promisify } from 'node:util';
import { constants, zstdCompress, zstdCompressSync, zstdDecompress, zstdDecompressSync } from 'node:zlib';

const compress = promisify(zstdCompress);
const decompress = promisify(zstdDecompress);

/** Bytes of a nonce and of a GCM tag: a sealed payload is `nonce(12) | ciphertext | tag(16)`. */
export const nonceBytes = 12;
export const tagBytes = 16;
export const sealOverhead = nonceBytes + tagBytes;

/** Plaintext encodings: the first byte of every sealed payload's plaintext. */
export const encoding = { raw: 0, zstd: 1 } as const;

/** zstd level of blobs and metadata (the library's default: fast, and good on text). */
const zstdLevel = 3;

/**
 * Payloads up to this many bytes (plain) are compressed and decompressed on the calling thread. Measured on
 * 2,000 blobs of 5 KiB: 36 ms of CPU in all, against 210-260 ms through the thread pool (zlib's stream and
 * a context per call); at 256 KiB the work itself is a fraction of a millisecond.
 */
const syncZstdBytes = 256 * 1024;

/** The three random secrets of a repository; stored only wrapped in `keys/<id>`. */
export interface MasterKeys {
  /** AES-256-GCM key of every blob and file. */
  dataKey: Buffer;
  /** HMAC-SHA256 key of blob ids. */
  idKey: Buffer;
  /** Seed of the chunker's gear table. */
  chunkerSeed: Buffer;
}

/** A new random master key set. */
export function generateMasterKeys(): MasterKeys {
  return { dataKey: randomBytes(32), idKey: randomBytes(32), chunkerSeed: randomBytes(32) };
}

/** SHA-256 of bytes, lowercase hex: the name of every stored file but `config` and locks. */
export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `sha256Hex` on the thread pool, for packs (megabytes). */
export async function sha256HexAsync(data: Uint8Array): Promise<string> {
  return Buffer.from(await webcrypto.subtle.digest('SHA-256', data)).toString('hex');
}

/** A random 32-byte id, lowercase hex (locks, repository id). */
export function randomId(): string {
  return randomBytes(32).toString('hex');
}

/** A sealed payload in pieces (`nonce`, ciphertext pieces, `tag`), to be copied where it is stored. */
export interface SealedPieces {
  pieces: Buffer[];
  length: number;
}

/** Seals plaintext given in pieces under a 32-byte key: `nonce | AES-256-GCM(pieces…) | tag`. */
export function sealPieces(key: CipherKey, plaintext: readonly Uint8Array[]): SealedPieces {
  const nonce = randomBytes(nonceBytes);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const pieces = [nonce];
  for (const part of plaintext) pieces.push(cipher.update(part));
  const last = cipher.final();
  if (last.length > 0) pieces.push(last);
  pieces.push(cipher.getAuthTag());
  return { pieces, length: pieces.reduce((sum, piece) => sum + piece.length, 0) };
}

/** `sealPieces` as one buffer. */
export function sealWith(key: CipherKey, plaintext: Uint8Array): Buffer {
  const { pieces, length } = sealPieces(key, [plaintext]);
  return Buffer.concat(pieces, length);
}

/** Opens what `sealWith` sealed; undefined when the tag does not verify (wrong key, or damaged). */
export function openWith(key: CipherKey, sealed: Uint8Array): Buffer | undefined {
  if (sealed.length < sealOverhead) return undefined;
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, nonceBytes));
  decipher.setAuthTag(sealed.subarray(sealed.length - tagBytes));
  const plain = decipher.update(sealed.subarray(nonceBytes, sealed.length - tagBytes));
  try {
    decipher.final();
  } catch {
    return undefined;
  }
  return plain;
}

/** The first `length` bytes of `pieces` (copied when they span pieces). */
function headOf(pieces: readonly Buffer[], length: number): Buffer {
  const first = pieces[0];
  if (first && first.length >= length) return first.subarray(0, length);
  return Buffer.concat(pieces, length);
}

/** `pieces` without their first `skip` bytes and their last `drop` bytes (views, no copies). */
function middleOf(pieces: readonly Buffer[], skip: number, drop: number): Buffer[] {
  const total = pieces.reduce((sum, piece) => sum + piece.length, 0);
  const out: Buffer[] = [];
  let at = 0;
  for (const piece of pieces) {
    const from = Math.max(0, skip - at);
    const to = Math.min(piece.length, total - drop - at);
    if (to > from) out.push(piece.subarray(from, to));
    at += piece.length;
  }
  return out;
}

/**
 * `openWith` on a sealed payload given in pieces (as it streamed in): the ciphertext is decrypted piece by
 * piece, so the sealed bytes are never copied into one buffer. Plaintext pieces, or undefined when the tag
 * does not verify.
 */
export function openPiecesWith(key: CipherKey, sealed: readonly Buffer[]): Buffer[] | undefined {
  const length = sealed.reduce((sum, piece) => sum + piece.length, 0);
  if (length < sealOverhead) return undefined;
  const decipher = createDecipheriv('aes-256-gcm', key, headOf(sealed, nonceBytes));
  const tail = middleOf(sealed, length - tagBytes, 0);
  decipher.setAuthTag(tail.length === 1 ? (tail[0] as Buffer) : Buffer.concat(tail));
  const plain: Buffer[] = [];
  for (const piece of middleOf(sealed, nonceBytes, tagBytes)) plain.push(decipher.update(piece));
  try {
    decipher.final();
  } catch {
    return undefined;
  }
  return plain;
}

const probeBytes = 16 * 1024;

/**
 * Whether zstd is worth running on a chunk: three 16 KiB samples (start, middle, end) are compressed at
 * the fastest level and must shrink by 3%. Random, encrypted and already compressed data (most large files
 * in volumes) then costs no compression work; the price is missing redundancy that only spans more than
 * 16 KiB inside a chunk that looks random at those three places.
 */
export function worthCompressing(data: Uint8Array): boolean {
  if (data.length <= 3 * probeBytes) return true;
  const middle = Math.floor(data.length / 2 - probeBytes / 2);
  const sample = Buffer.concat([
    data.subarray(0, probeBytes),
    data.subarray(middle, middle + probeBytes),
    data.subarray(data.length - probeBytes),
  ]);
  const packed = zstdCompressSync(sample, { params: { [constants.ZSTD_c_compressionLevel]: 1 } });
  return packed.length < sample.length * 0.97;
}

/** The master keys, ready for use. */
export class RepositoryCrypto {
  readonly master: MasterKeys;
  private readonly dataKey: KeyObject;
  private readonly idKey: KeyObject;

  constructor(master: MasterKeys) {
    this.master = master;
    this.dataKey = createSecretKey(master.dataKey);
    this.idKey = createSecretKey(master.idKey);
  }

  /** A blob's id: HMAC-SHA256(idKey, plaintext), lowercase hex; the plaintext may be given in pieces. */
  blobId(plaintext: Uint8Array | readonly Uint8Array[]): string {
    const hmac = createHmac('sha256', this.idKey);
    if (plaintext instanceof Uint8Array) hmac.update(plaintext);
    else for (const piece of plaintext) hmac.update(piece);
    return hmac.digest('hex');
  }

  /**
   * Encodes and seals a payload: the plaintext is `encoding byte | body`, the body zstd-compressed when
   * that makes it smaller (else raw: incompressible data costs one byte and no decompression).
   */
  async sealPieces(data: Uint8Array, compressible = true): Promise<SealedPieces> {
    let body: Uint8Array = data;
    let kind: number = encoding.raw;
    if (compressible && data.length > 64 && worthCompressing(data)) {
      // One output buffer (zlib's default is 16 KiB pieces, concatenated: churn for the collector).
      const options = {
        chunkSize: data.length + 1024,
        params: { [constants.ZSTD_c_compressionLevel]: zstdLevel },
      };
      const packed =
        data.length <= syncZstdBytes ? zstdCompressSync(data, options) : await compress(data, options);
      if (packed.length < data.length) {
        body = packed;
        kind = encoding.zstd;
      }
    }
    return sealPieces(this.dataKey, [Buffer.of(kind), body]);
  }

  /** `sealPieces` as one buffer (small documents). */
  async seal(data: Uint8Array, compressible = true): Promise<Buffer> {
    const { pieces, length } = await this.sealPieces(data, compressible);
    return Buffer.concat(pieces, length);
  }

  /**
   * Opens and decodes a sealed payload. `maxBytes` bounds the decoded size (the bucket is untrusted input).
   * Throws `Error` with a short reason when the tag does not verify or the encoding is unknown; callers wrap
   * it in an `IntegrityError` naming the object.
   */
  async open(sealed: Uint8Array, maxBytes: number, expectedBytes?: number): Promise<Buffer> {
    const plain = openWith(this.dataKey, sealed);
    if (!plain) throw new Error('its authentication tag does not verify');
    const pieces = await this.decode([plain], maxBytes, expectedBytes);
    return pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces);
  }

  /**
   * `open` on a sealed payload in pieces (a blob as it streamed in): answers the plaintext in pieces, views
   * of what was decrypted when it is stored raw, so a large chunk is not copied again. zstd runs on the
   * calling thread whatever the size: this is for a thread of its own (the restore's writer), where the
   * thread pool's stream machinery would only add work.
   */
  openPiecesSync(sealed: readonly Buffer[], maxBytes: number, expectedBytes?: number): Buffer[] {
    const plain = openPiecesWith(this.dataKey, sealed);
    if (!plain) throw new Error('its authentication tag does not verify');
    const step = decodeStep(plain, maxBytes, expectedBytes);
    if (!('body' in step)) return step.pieces;
    return [unzstd(() => zstdDecompressSync(step.body, step.options), maxBytes)];
  }

  /** Decodes a plaintext (`encoding byte | body`) given in pieces. */
  private async decode(
    plain: readonly Buffer[],
    maxBytes: number,
    expectedBytes?: number,
  ): Promise<Buffer[]> {
    const step = decodeStep(plain, maxBytes, expectedBytes);
    if (!('body' in step)) return step.pieces;
    const { body, options } = step;
    if (step.sync) return [unzstd(() => zstdDecompressSync(body, options), maxBytes)];
    try {
      return [await decompress(body, options)];
    } catch (error) {
      throw new Error(`its zstd data does not decode within ${maxBytes} bytes`, { cause: error });
    }
  }
}

/**
 * What decoding a plaintext (`encoding byte | body`, in pieces) takes: the raw body's pieces (views), or the
 * zstd body with the options to decompress it in one output buffer, and whether that is cheap enough for the
 * calling thread. Throws on an unknown encoding or a raw body over `maxBytes`.
 */
function decodeStep(
  plain: readonly Buffer[],
  maxBytes: number,
  expectedBytes?: number,
):
  | { pieces: Buffer[] }
  | { body: Buffer; options: { maxOutputLength: number; chunkSize: number }; sync: boolean } {
  const kind = plain.find((piece) => piece.length > 0)?.[0];
  const pieces = middleOf(plain, 1, 0);
  const length = pieces.reduce((sum, piece) => sum + piece.length, 0);
  if (kind === encoding.raw) {
    if (length > maxBytes) throw new Error(`it holds ${length} bytes, more than ${maxBytes}`);
    return { pieces };
  }
  if (kind !== encoding.zstd) throw new Error(`unknown encoding byte ${kind}`);
  const body = pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces, length);
  const expected = Math.min(expectedBytes ?? body.length * 4, maxBytes);
  const sync = expected <= syncZstdBytes;
  const options = {
    maxOutputLength: Math.max(1, maxBytes),
    chunkSize: Math.max(sync ? 1024 : 64 * 1024, expected + 1024),
  };
  return { body, options, sync };
}

/** Runs a synchronous zstd decompression, its failure reworded. */
function unzstd(work: () => Buffer, maxBytes: number): Buffer {
  try {
    return work();
  } catch (error) {
    throw new Error(`its zstd data does not decode within ${maxBytes} bytes`, { cause: error });
  }
}
