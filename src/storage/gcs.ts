/**
 * Google Cloud Storage (and fake-gcs-server in tests) through @google-cloud/storage. A conditional create
 * sends the precondition `ifGenerationMatch=0` ("no live object of that name"), which GCS refuses with 412.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Bucket, File, StorageOptions } from '@google-cloud/storage';
import { ObjectExistsError, ObjectNotFoundError } from './errors.ts';
import {
  type ByteRange,
  checkByteRange,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
} from './object-store.ts';

export interface GcsOptions {
  bucket: string;
  prefix: string;
  /** API endpoint (fake-gcs-server, private endpoints); default Google's. */
  endpoint?: string;
  /** A service-account key (the JSON file's contents); without it, Application Default Credentials. */
  credentialsJson?: string;
  /** Path of a service-account key file. */
  keyFile?: string;
}

function status(error: unknown): number | undefined {
  return (error as { code?: number }).code;
}

export class GcsObjectStore implements ObjectStore {
  readonly description: string;
  private readonly options: GcsOptions;
  private bucketClient: Promise<Bucket> | undefined;
  private readonly prefix: string;

  constructor(options: GcsOptions) {
    this.prefix = options.prefix ? `${options.prefix.replace(/\/+$/, '')}/` : '';
    this.description = `gs://${options.bucket}/${this.prefix}${options.endpoint ? ` at ${options.endpoint}` : ''}`;
    this.options = options;
  }

  /** The SDK is loaded on first use: commands that never touch GCS do not pay for importing it. */
  private bucket(): Promise<Bucket> {
    this.bucketClient ??= (async () => {
      const { Storage } = await import('@google-cloud/storage');
      const options = this.options;
      const config: StorageOptions = { retryOptions: { autoRetry: true, maxRetries: 5 } };
      if (options.endpoint) {
        config.apiEndpoint = options.endpoint;
        // A custom endpoint without a key is an emulator: no Google sign-in.
        if (!options.credentialsJson && !options.keyFile) config.projectId = 'lifeboat';
      }
      if (options.credentialsJson) {
        const key = JSON.parse(options.credentialsJson) as {
          project_id?: string;
          client_email?: string;
          private_key?: string;
        };
        config.credentials = { client_email: key.client_email ?? '', private_key: key.private_key ?? '' };
        if (key.project_id) config.projectId = key.project_id;
      }
      if (options.keyFile) config.keyFilename = options.keyFile;
      return new Storage(config).bucket(options.bucket);
    })();
    return this.bucketClient;
  }

  private key(key: string): string {
    return `${this.prefix}${key}`;
  }

  async put(key: string, body: Buffer | Readable, options: PutOptions = {}): Promise<void> {
    const file = (await this.bucket()).file(this.key(key));
    const meta = options.contentType ? { contentType: options.contentType } : {};
    const condition = options.ifAbsent ? { preconditionOpts: { ifGenerationMatch: 0 } } : {};
    try {
      if (Buffer.isBuffer(body)) {
        await file.save(body, { resumable: false, metadata: meta, ...condition });
        return;
      }
      // Resumable uploads stream in chunks and are committed only when complete.
      await pipeline(body, file.createWriteStream({ resumable: true, metadata: meta, ...condition }));
    } catch (error) {
      if (options.ifAbsent && status(error) === 412)
        throw new ObjectExistsError(key, this.description, { cause: error });
      throw error;
    }
  }

  async get(key: string): Promise<Readable> {
    const file = await this.existing(key);
    return file.createReadStream({ validation: false });
  }

  async getRange(key: string, range: ByteRange): Promise<Readable> {
    checkByteRange(range);
    const file = await this.existing(key);
    // The size is known from the metadata read anyway: a range past the end is cut here, not left to a 416.
    const size = Number(file.metadata.size ?? 0);
    if (range.offset >= size) return Readable.from([]);
    const end = Math.min(range.offset + range.length, size) - 1;
    return file.createReadStream({ validation: false, start: range.offset, end });
  }

  /** The object's handle with its metadata read: `ObjectNotFoundError` when there is none. */
  private async existing(key: string): Promise<File> {
    const file = (await this.bucket()).file(this.key(key));
    try {
      await file.getMetadata();
    } catch (error) {
      if (status(error) === 404) throw new ObjectNotFoundError(key, this.description, { cause: error });
      throw error;
    }
    return file;
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const [meta] = await (await this.bucket()).file(this.key(key)).getMetadata();
      const info: ObjectInfo = { key, size: Number(meta.size ?? 0) };
      if (meta.updated) info.lastModified = new Date(meta.updated);
      return info;
    } catch (error) {
      if (status(error) === 404) return undefined;
      throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let pageToken: string | undefined;
    do {
      const [files, next] = await (await this.bucket()).getFiles({
        prefix: this.key(prefix),
        autoPaginate: false,
        maxResults: 1000,
        ...(pageToken ? { pageToken } : {}),
      });
      for (const file of files) {
        const info: ObjectInfo = {
          key: file.name.slice(this.prefix.length),
          size: Number(file.metadata.size ?? 0),
        };
        if (file.metadata.updated) info.lastModified = new Date(file.metadata.updated);
        yield info;
      }
      pageToken = (next as { pageToken?: string } | null)?.pageToken;
    } while (pageToken);
  }

  async listPrefixes(prefix: string): Promise<string[]> {
    const full = this.key(prefix.endsWith('/') || prefix === '' ? prefix : `${prefix}/`);
    const names: string[] = [];
    let pageToken: string | undefined;
    do {
      const [, next, response] = await (await this.bucket()).getFiles({
        prefix: full,
        delimiter: '/',
        autoPaginate: false,
        ...(pageToken ? { pageToken } : {}),
      });
      for (const p of (response as { prefixes?: string[] } | undefined)?.prefixes ?? [])
        names.push(p.slice(full.length).replace(/\/$/, ''));
      pageToken = (next as { pageToken?: string } | null)?.pageToken;
    } while (pageToken);
    return names.sort();
  }

  async delete(keys: readonly string[]): Promise<void> {
    const bucket = await this.bucket();
    for (let i = 0; i < keys.length; i += 32) {
      await Promise.all(
        keys.slice(i, i + 32).map((key) => bucket.file(this.key(key)).delete({ ignoreNotFound: true })),
      );
    }
  }

  async close(): Promise<void> {}
}
