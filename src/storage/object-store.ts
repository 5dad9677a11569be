/**
 * The `ObjectStore` port: what the engine needs from a backup location. Keys are relative to the
 * location's prefix and use `/` separators; providers add the prefix.
 */
import type { Readable } from 'node:stream';

/** One object found by `list`. */
export interface ObjectInfo {
  key: string;
  size: number;
  lastModified?: Date;
}

export interface PutOptions {
  contentType?: string;
  /** Known size of a streamed body, when known (lets providers skip multipart for small bodies). */
  contentLength?: number;
  /**
   * Create the object only if no object has that key, atomically (S3 `If-None-Match: *`, GCS
   * `ifGenerationMatch=0`, Azure `If-None-Match: *`, an exclusive link on file://); otherwise throw
   * `ObjectExistsError` and leave the existing object as it is. Of two writers racing, exactly one wins.
   */
  ifAbsent?: boolean;
}

/** A backup location's storage. */
export interface ObjectStore {
  /** Where this is, for messages: provider URL without credentials. */
  readonly description: string;
  /**
   * Writes an object whole: readers never see a partly written object. With `ifAbsent`, throws
   * `ObjectExistsError` when the key is taken.
   */
  put(key: string, body: Buffer | Readable, options?: PutOptions): Promise<void>;
  /** Streams an object. Throws `ObjectNotFoundError` when there is none. */
  get(key: string): Promise<Readable>;
  /** Size and time of an object, or undefined when there is none. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Every object under `prefix`, page by page, in key order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** The immediate "folders" under `prefix` (keys up to the next `/`), e.g. backup names under `backups/`. */
  listPrefixes(prefix: string): Promise<string[]>;
  /** Deletes objects; keys that do not exist are ignored. */
  delete(keys: readonly string[]): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
}

/** Reads a whole object into memory (for small metadata files). */
export async function getBuffer(store: ObjectStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.get(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
