/**
 * The repository's cryptography (docs/repository-format.md §3–4): the master key set, sealing and opening
 * AES-256-GCM payloads with a random 96-bit nonce, keyed blob ids (HMAC-SHA256) and the compression byte.
 * Hashing, sealing and compression run on libuv's thread pool (WebCrypto, zlib), so the main thread is
 * left to chunking and the pipeline keeps every core busy.
 */
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import { constants, zstdCompress, zstdDecompress } from 'node:zlib';

const { subtle } = webcrypto;
const compress = promisify(zstdCompress);
const decompress = promisify(zstdDecompress);

/** Bytes of a nonce and of a GCM tag: a sealed payload is `nonce(12) | ciphertext | tag(16)`. */
export const nonceBytes = 12;
export const tagBytes = 16;
export const sealOverhead = nonceBytes + tagBytes;

/** Plaintext encodings: the first byte of every sealed payload's plaintext. */
export const encoding = { raw: 0, zstd: 1 } as const;

/** zstd level used for blobs and metadata (the library's default: fast, and good on text). */
const zstdLevel = 3;

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

/** SHA-256 of bytes, lowercase hex: the name of every stored file but locks. */
export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A random 32-byte id, lowercase hex (locks). */
export function randomId(): string {
  return randomBytes(32).toString('hex');
}

/** Seals with AES-256-GCM under `key` (raw bytes): `nonce | ciphertext | tag`. */
export async function sealWith(key: webcrypto.CryptoKey, plaintext: Uint8Array): Promise<Buffer> {
  const nonce = randomBytes(nonceBytes);
  const sealed = await subtle.encrypt({ name: 'AES-GCM', iv: nonce }, key, plaintext);
  return Buffer.concat([nonce, new Uint8Array(sealed)]);
}

/** Opens what `sealWith` sealed; undefined when the tag does not verify (wrong key, or damaged). */
export async function openWith(key: webcrypto.CryptoKey, sealed: Uint8Array): Promise<Buffer | undefined> {
  if (sealed.length < sealOverhead) return undefined;
  try {
    const plain = await subtle.decrypt(
      { name: 'AES-GCM', iv: sealed.subarray(0, nonceBytes) },
      key,
      sealed.subarray(nonceBytes),
    );
    return Buffer.from(plain);
  } catch {
    return undefined;
  }
}

/** Imports 32 raw bytes as an AES-256-GCM key. */
export function aesKey(raw: Uint8Array): Promise<webcrypto.CryptoKey> {
  return subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
}

/** The master keys, ready for use. */
export class RepositoryCrypto {
  readonly master: MasterKeys;
  private readonly dataKey: webcrypto.CryptoKey;
  private readonly idKey: webcrypto.CryptoKey;

  private constructor(master: MasterKeys, dataKey: webcrypto.CryptoKey, idKey: webcrypto.CryptoKey) {
    this.master = master;
    this.dataKey = dataKey;
    this.idKey = idKey;
  }

  static async create(master: MasterKeys): Promise<RepositoryCrypto> {
    const idKey = await subtle.importKey('raw', master.idKey, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
    ]);
    return new RepositoryCrypto(master, await aesKey(master.dataKey), idKey);
  }

  /** A blob's id: HMAC-SHA256(idKey, plaintext), lowercase hex. */
  async blobId(plaintext: Uint8Array): Promise<string> {
    return Buffer.from(await subtle.sign('HMAC', this.idKey, plaintext)).toString('hex');
  }

  /**
   * Encodes and seals a payload: plaintext is `encoding byte | body`, the body zstd-compressed when that
   * makes it smaller (else raw, so incompressible data costs one byte and no decompression).
   */
  async seal(data: Uint8Array, compressible = true): Promise<Buffer> {
    let body: Uint8Array = data;
    let kind: number = encoding.raw;
    if (compressible && data.length > 64) {
      const packed = await compress(data, { params: { [constants.ZSTD_c_compressionLevel]: zstdLevel } });
      if (packed.length < data.length) {
        body = packed;
        kind = encoding.zstd;
      }
    }
    const plain = Buffer.allocUnsafe(1 + body.length);
    plain[0] = kind;
    plain.set(body, 1);
    return sealWith(this.dataKey, plain);
  }

  /**
   * Opens and decodes a sealed payload. `maxBytes` bounds the decoded size (the bucket is untrusted input).
   * Throws `Error` with a short reason when the tag does not verify or the encoding is unknown; callers wrap
   * it in an `IntegrityError` naming the object.
   */
  async open(sealed: Uint8Array, maxBytes: number): Promise<Buffer> {
    const plain = await openWith(this.dataKey, sealed);
    if (!plain) throw new Error('its authentication tag does not verify');
    const kind = plain[0];
    const body = plain.subarray(1);
    if (kind === encoding.raw) {
      if (body.length > maxBytes) throw new Error(`it holds ${body.length} bytes, more than ${maxBytes}`);
      return body;
    }
    if (kind === encoding.zstd) {
      try {
        return await decompress(body, { maxOutputLength: Math.max(1, maxBytes) });
      } catch (error) {
        throw new Error(`its zstd data does not decode within ${maxBytes} bytes`, { cause: error });
      }
    }
    throw new Error(`unknown encoding byte ${kind}`);
  }
}
