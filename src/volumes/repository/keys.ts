/**
 * Key files (`keys/<id>`): the master key set wrapped with AES-256-GCM under a key derived with scrypt from a
 * secret the caller holds (docs/repository-format.md §3). Several key files may wrap the same master key, so
 * a secret can be rotated without rewriting any data.
 */
import { randomBytes, scrypt } from 'node:crypto';
import { type MasterKeys, openWith, sealWith, sha256Hex } from './crypto.ts';
import { encodeDocument, type KeyFile, keyFileSchema, masterKeySchema, parseDocument } from './format.ts';

/** scrypt cost parameters. */
export interface KdfParams {
  N: number;
  r: number;
  p: number;
}

/**
 * The default: N = 2^17, r = 8, p = 1 (128 MiB and about half a second per derivation here). The secret the
 * control plane generates is 32 random bytes, which needs no stretching; the cost protects a secret a person
 * chose and typed into the CLI.
 */
export const defaultKdf: KdfParams = { N: 2 ** 17, r: 8, p: 1 };

/** A secret as the caller gives it: bytes, or a string taken as its UTF-8 bytes. */
export type RepositorySecret = string | Uint8Array;

function secretBytes(secret: RepositorySecret): Buffer {
  return typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
}

function deriveKey(secret: RepositorySecret, salt: Buffer, params: KdfParams): Promise<Buffer> {
  const bytes = secretBytes(secret);
  if (bytes.length === 0) return Promise.reject(new RangeError('the repository secret is empty'));
  return new Promise((resolve, reject) => {
    scrypt(
      bytes,
      salt,
      32,
      { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 32 * 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

/** A new key file wrapping `master` under `secret`: its bytes and its id (the SHA-256 of the bytes). */
export async function createKeyFile(
  master: MasterKeys,
  secret: RepositorySecret,
  params: KdfParams = defaultKdf,
): Promise<{ id: string; bytes: Buffer }> {
  const salt = randomBytes(32);
  const wrapping = await deriveKey(secret, salt, params);
  const payload = encodeDocument({
    version: 1,
    dataKey: master.dataKey.toString('base64'),
    idKey: master.idKey.toString('base64'),
    chunkerSeed: master.chunkerSeed.toString('base64'),
  });
  const file: KeyFile = {
    version: 1,
    created: new Date().toISOString(),
    kdf: { name: 'scrypt', N: params.N, r: params.r, p: params.p, salt: salt.toString('base64') },
    data: sealWith(wrapping, payload).toString('base64'),
  };
  const bytes = encodeDocument(file);
  return { id: sha256Hex(bytes), bytes };
}

/** Parses a key file's bytes (`IntegrityError` when they are not one). */
export function parseKeyFile(bytes: Uint8Array, key: string): KeyFile {
  return parseDocument(keyFileSchema, bytes, key);
}

/** The master keys a key file wraps, or undefined when `secret` does not open it. */
export async function unwrapKeyFile(
  file: KeyFile,
  secret: RepositorySecret,
  key: string,
): Promise<MasterKeys | undefined> {
  const derived = await deriveKey(secret, Buffer.from(file.kdf.salt, 'base64'), file.kdf);
  const plain = openWith(derived, Buffer.from(file.data, 'base64'));
  if (!plain) return undefined;
  const master = parseDocument(masterKeySchema, plain, key);
  const keys = {
    dataKey: Buffer.from(master.dataKey, 'base64'),
    idKey: Buffer.from(master.idKey, 'base64'),
    chunkerSeed: Buffer.from(master.chunkerSeed, 'base64'),
  };
  return Object.values(keys).every((k) => k.length === 32) ? keys : undefined;
}
