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

/**
 * A part of an object: `length` bytes from byte `offset`. `offset` is an integer from 0, `length` an integer
 * from 1; anything else is a `RangeError` (a caller's bug, thrown before any request).
 */
export interface ByteRange {
  offset: number;
  length: number;
}

/** Throws `RangeError` unless `range` is a usable `ByteRange`; for providers, before their request. */
export function checkByteRange(range: ByteRange): void {
  if (!Number.isSafeInteger(range.offset) || range.offset < 0)
    throw new RangeError(`a byte range starts at an integer from 0, not ${range.offset}`);
  if (!Number.isSafeInteger(range.length) || range.length < 1)
    throw new RangeError(`a byte range is an integer from 1 byte long, not ${range.length}`);
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
  /**
   * Streams an object. Throws `ObjectNotFoundError` when there is none. A chunk the stream delivers belongs to
   * its reader from then on: the reader may free it at once (the volume restore detaches the buffers it has
   * copied), so neither a provider nor a wrapper keeps or reads a chunk after passing it on. The same holds
   * for `getRange`.
   */
  get(key: string): Promise<Readable>;
  /**
   * Streams the bytes of `range` of an object: one request for only those bytes (HTTP `Range`, a
   * positioned read on file://). A range that runs past the end is cut at the end, as HTTP cuts it: the
   * stream then holds fewer than `length` bytes, and none when `offset` is at or past the end — no error,
   * since the caller knows how many it expected. Throws `ObjectNotFoundError` when there is no object,
   * `RangeError` for a malformed range (`checkByteRange`).
   *
   * Optional so that a wrapper of a store written before ranges (a guard, a failure hook) cannot drop the
   * range on the floor and hand back the object from its start: without the method, a caller reads with
   * `get` and skips what it does not need. A wrapper adds it by passing it on. Every provider has it.
   */
  getRange?(key: string, range: ByteRange): Promise<Readable>;
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
