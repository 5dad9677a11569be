/**
 * Opening and creating a location's volume repository, and reading and writing its sealed files. Every
 * stored file but `config` and the locks is named by the SHA-256 of its bytes, checked on read, so a file
 * cannot be swapped for another; their contents are authenticated by AES-256-GCM.
 */
import { hostname } from 'node:os';
import { repositoryKeys } from '../../archive/layout.ts';
import { getBuffer, ObjectExistsError, type ObjectStore } from '../../storage/index.ts';
import { defaultChunkerParams } from './chunker.ts';
import { generateMasterKeys, RepositoryCrypto, randomId, sha256Hex } from './crypto.ts';
import {
  IntegrityError,
  RepositoryNotFoundError,
  SnapshotNotFoundError,
  WrongSecretError,
} from './errors.ts';
import {
  configSchema,
  encodeDocument,
  limits,
  parseDocument,
  type RepositoryConfig,
  type SnapshotManifest,
  snapshotSchema,
} from './format.ts';
import {
  createKeyFile,
  defaultKdf,
  type KdfParams,
  parseKeyFile,
  type RepositorySecret,
  unwrapKeyFile,
} from './keys.ts';

/** Keys of the repository's objects, relative to the location's prefix. */
export const repoKeys = repositoryKeys();

/** Options of `openRepository`. */
export interface OpenRepositoryOptions {
  /** Create the repository when the location has none (default false). */
  create?: boolean;
  /** scrypt cost of a key file this creates (default `defaultKdf`). */
  kdf?: KdfParams;
}

/** A snapshot with its id. */
export interface SnapshotEntry {
  id: string;
  manifest: SnapshotManifest;
}

/** An open repository: its store, its config and its keys. */
export class Repository {
  readonly store: ObjectStore;
  readonly crypto: RepositoryCrypto;
  readonly config: RepositoryConfig;
  /** The key file this was opened with. */
  readonly keyId: string;
  /** Recorded in locks and snapshots. */
  readonly hostname = hostname();

  constructor(store: ObjectStore, crypto: RepositoryCrypto, config: RepositoryConfig, keyId: string) {
    this.store = store;
    this.crypto = crypto;
    this.config = config;
    this.keyId = keyId;
  }

  /** Reads a sealed, hash-named file: checks its name, opens it and parses it. */
  async readFile<T>(key: string, parse: (bytes: Buffer, key: string) => T, maxBytes: number): Promise<T> {
    const sealed = await getBuffer(this.store, key);
    if (sha256Hex(sealed) !== repoKeys.idOf(key)) {
      throw new IntegrityError(key, 'its name is not the SHA-256 of its bytes');
    }
    return parse(await this.openSealed(sealed, key, maxBytes), key);
  }

  /** Opens a sealed payload read from `key`; `IntegrityError` when it does not authenticate. */
  async openSealed(
    sealed: Uint8Array,
    key: string,
    maxBytes: number,
    expectedBytes?: number,
  ): Promise<Buffer> {
    try {
      return await this.crypto.open(sealed, maxBytes, expectedBytes);
    } catch (error) {
      throw new IntegrityError(key, (error as Error).message, { cause: error });
    }
  }

  /** Seals a document and stores it under `keyOf(SHA-256 of the sealed bytes)`; returns the id. */
  async writeFile(keyOf: (id: string) => string, document: unknown): Promise<{ id: string; bytes: number }> {
    const sealed = await this.crypto.seal(encodeDocument(document));
    const id = sha256Hex(sealed);
    await this.store.put(keyOf(id), sealed, { contentLength: sealed.length });
    return { id, bytes: sealed.length };
  }

  /** Ids of the objects under one of the repository's folders. */
  async listIds(dir: string): Promise<string[]> {
    const ids: string[] = [];
    for await (const info of this.store.list(dir)) {
      const id = repoKeys.idOf(info.key);
      if (/^[0-9a-f]{64}$/.test(id)) ids.push(id);
    }
    return ids;
  }

  /**
   * Every snapshot, oldest first. One that cannot be read is left out (one damaged manifest must not stop
   * every backup from finding its parent; `check` names it), or with `strict` is an `IntegrityError` (prune
   * must not take its data for unneeded). One deleted meanwhile by a forget is left out.
   */
  async snapshots(options: { strict?: boolean } = {}): Promise<SnapshotEntry[]> {
    const entries: SnapshotEntry[] = [];
    for (const id of await this.listIds(repoKeys.snapshotsDir)) {
      try {
        entries.push({ id, manifest: await this.loadSnapshot(id) });
      } catch (error) {
        if (error instanceof SnapshotNotFoundError || (error as Error).name === 'ObjectNotFoundError')
          continue;
        if (options.strict || !(error instanceof IntegrityError)) throw error;
      }
    }
    return entries.sort((a, b) => a.manifest.time.localeCompare(b.manifest.time));
  }

  /** A snapshot's manifest by id, or by a unique prefix of at least 8 hex digits. */
  async loadSnapshot(idOrPrefix: string): Promise<SnapshotManifest> {
    const id = await this.resolveSnapshotId(idOrPrefix);
    return this.readFile(
      repoKeys.snapshot(id),
      (bytes, key) => parseDocument(snapshotSchema, bytes, key),
      limits.snapshot,
    );
  }

  /** The full id of a snapshot given by id or unique prefix; `SnapshotNotFoundError` otherwise. */
  async resolveSnapshotId(idOrPrefix: string): Promise<string> {
    if (!/^[0-9a-f]{8,64}$/.test(idOrPrefix)) {
      throw new SnapshotNotFoundError(idOrPrefix, 'an id is 8 to 64 lowercase hex digits');
    }
    if (idOrPrefix.length === 64) {
      if (await this.store.head(repoKeys.snapshot(idOrPrefix))) return idOrPrefix;
      throw new SnapshotNotFoundError(idOrPrefix);
    }
    const matches = (await this.listIds(repoKeys.snapshotsDir)).filter((id) => id.startsWith(idOrPrefix));
    if (matches.length === 1) return matches[0] as string;
    throw new SnapshotNotFoundError(idOrPrefix, matches.length ? 'the prefix names several' : undefined);
  }

  /** The newest snapshot whose tags include every tag given (for example the same cluster, namespace and PVC). */
  async latestSnapshot(tags: Record<string, string>): Promise<SnapshotEntry | undefined> {
    const matching = (await this.snapshots()).filter((entry) =>
      Object.entries(tags).every(([name, value]) => entry.manifest.tags[name] === value),
    );
    return matching.at(-1);
  }

  /** Adds a key file wrapping the same master key under another secret (rotation); returns its id. */
  async addKey(secret: RepositorySecret, kdf: KdfParams = defaultKdf): Promise<string> {
    const { id, bytes } = await createKeyFile(this.crypto.master, secret, kdf);
    await this.store.put(repoKeys.key(id), bytes, { contentLength: bytes.length });
    return id;
  }

  /** Ids of the key files. */
  listKeys(): Promise<string[]> {
    return this.listIds(repoKeys.keysDir);
  }

  /** Removes a key file (not the one this was opened with, nor the last one). */
  async removeKey(id: string): Promise<void> {
    const keys = await this.listKeys();
    if (id === this.keyId || !keys.includes(id) || keys.length < 2) {
      throw new RangeError(
        `key ${id} cannot be removed: it must exist, not be the key in use, and leave another key`,
      );
    }
    await this.store.delete([repoKeys.key(id)]);
  }
}

/**
 * Opens the repository of a location with a secret, trying every key file; with `create`, creates it when
 * the location has none. `WrongSecretError` when no key file opens with the secret,
 * `RepositoryNotFoundError` when there is no repository and `create` is not set.
 */
export async function openRepository(
  store: ObjectStore,
  secret: RepositorySecret,
  options: OpenRepositoryOptions = {},
): Promise<Repository> {
  const configSealed = await getBuffer(store, repoKeys.config).catch((error: unknown) => {
    if ((error as Error).name === 'ObjectNotFoundError') return undefined;
    throw error;
  });
  if (!configSealed) {
    if (!options.create) throw new RepositoryNotFoundError(store.description);
    return createRepository(store, secret, options.kdf ?? defaultKdf);
  }
  let tried = 0;
  for (const keyId of await listKeyIds(store)) {
    const key = repoKeys.key(keyId);
    const bytes = await getBuffer(store, key);
    if (sha256Hex(bytes) !== keyId) continue;
    tried++;
    const master = await unwrapKeyFile(parseKeyFile(bytes, key), secret, key);
    if (!master) continue;
    const crypto = new RepositoryCrypto(master);
    // A key whose master does not open `config` is one left by a creator that lost the race; skip it.
    const plain = await crypto.open(configSealed, 1024 * 1024).catch(() => undefined);
    if (!plain) continue;
    return new Repository(store, crypto, parseDocument(configSchema, plain, repoKeys.config), keyId);
  }
  if (tried === 0) throw new RepositoryNotFoundError(store.description);
  throw new WrongSecretError(store.description, tried);
}

async function listKeyIds(store: ObjectStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const info of store.list(repoKeys.keysDir)) ids.push(repoKeys.idOf(info.key));
  return ids.filter((id) => /^[0-9a-f]{64}$/.test(id));
}

/**
 * Creates a repository: a key file first, then `config` only if absent. Of two creators racing, the one whose
 * `config` lands wins; the other removes its key file and opens the winner's repository.
 */
async function createRepository(
  store: ObjectStore,
  secret: RepositorySecret,
  kdf: KdfParams,
): Promise<Repository> {
  const master = generateMasterKeys();
  const { id: keyId, bytes } = await createKeyFile(master, secret, kdf);
  await store.put(repoKeys.key(keyId), bytes, { contentLength: bytes.length });
  const crypto = new RepositoryCrypto(master);
  const config: RepositoryConfig = {
    version: 1,
    id: randomId(),
    created: new Date().toISOString(),
    chunker: { ...defaultChunkerParams },
  };
  const sealed = await crypto.seal(encodeDocument(config));
  try {
    await store.put(repoKeys.config, sealed, { ifAbsent: true, contentLength: sealed.length });
  } catch (error) {
    if (!(error instanceof ObjectExistsError)) throw error;
    await store.delete([repoKeys.key(keyId)]);
    return openRepository(store, secret, { create: false });
  }
  return new Repository(store, crypto, config, keyId);
}
