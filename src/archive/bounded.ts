/**
 * Bounded reading of a backup's small files. Everything in a location may have been written by someone else
 * (Velero, another Lifeboat, anyone with the bucket's keys), so no file is read, nor inflated, past the size
 * Lifeboat itself could have written: a few MiB of gzip can inflate to gigabytes. Inflating streams through
 * zlib's thread pool, never `gunzipSync`, so a large file does not stall the event loop either.
 */
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { ObjectStore } from '../storage/index.ts';
import { ArchiveLimitError, BackupMetadataError } from './errors.ts';

const MiB = 1024 * 1024;

/**
 * Largest `velero-backup.json` read. Lifeboat's are about 2 KiB and Velero's a Backup resource, which its
 * API server already keeps small; 1 MiB leaves room for very long namespace and resource lists.
 */
export const maxDescriptionBytes = 1 * MiB;

/**
 * Largest `<name>-results.gz`, once inflated. One message per failed or warned item: 16 MiB holds about
 * 100k messages of 160 bytes, more than a backup that is not failing outright records.
 */
export const maxResultsBytes = 16 * MiB;

/**
 * Largest `lifeboat-index.json.gz` and `<name>-resource-list.json.gz`, once inflated. An index entry is about
 * 200 bytes, so 64 MiB holds about 300k objects: three times the benchmark's 100k-object backup (about
 * 21 MiB; `content-index.test.ts` checks it fits with room to spare).
 */
export const maxIndexBytes = 64 * MiB;

/** Largest resource list, once inflated: it names each object once, as the index does. */
export const maxResourceListBytes = maxIndexBytes;

/**
 * How much of a log is served, once inflated. A log is for reading: past 16 MiB (about 100k lines) it is
 * cut with a last line that says so, rather than refused — the start of a long log still helps.
 */
export const maxLogBytes = 16 * MiB;

/**
 * The object at `key`, whole, if it is at most `maxBytes`: it is streamed and dropped at the first chunk
 * past the limit (`ArchiveLimitError`), so no more than the limit is ever held.
 */
export async function readBounded(store: ObjectStore, key: string, maxBytes: number): Promise<Buffer> {
  const stream = await store.get(key);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) throw new ArchiveLimitError(key, maxBytes, false);
      chunks.push(chunk);
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks, size);
}

/**
 * Inflates gzip data (a buffer, or a stream such as `store.get(key)`) of at most `maxBytes` once inflated;
 * `ArchiveLimitError` as soon as the output (or the compressed input: gzip of Lifeboat's text is always
 * smaller than the text) passes the limit. `file` names the data in errors.
 */
export async function gunzipBounded(
  input: Buffer | Readable,
  maxBytes: number,
  file = 'gzip data',
): Promise<Buffer> {
  return (await inflate(input, maxBytes, file, false)).data;
}

/**
 * Inflates gzip data chunk by chunk into `onChunk` (inflated chunks of at most 64 KiB, handled in turn),
 * for readers that parse as they go, so no step handles the whole. Past `maxBytes`: `ArchiveLimitError`, as
 * `gunzipBounded`, or with `cut` (for files worth reading in part: logs), the reading stops there and
 * `truncated` says so. An error
 * thrown by `onChunk` stops the reading and is thrown.
 */
export async function gunzipEach(
  input: Buffer | Readable,
  maxBytes: number,
  file: string,
  onChunk: (chunk: Buffer) => void,
  options: { cut?: boolean } = {},
): Promise<{ truncated: boolean }> {
  const { truncated } = await inflate(input, maxBytes, file, options.cut === true, onChunk);
  return { truncated };
}

/** Thrown inside the pipeline to stop it once a head is complete. */
class HeadComplete extends Error {}

async function inflate(
  input: Buffer | Readable,
  maxBytes: number,
  file: string,
  cut: boolean,
  onChunk?: (chunk: Buffer) => void,
): Promise<{ data: Buffer; truncated: boolean }> {
  const source = Buffer.isBuffer(input) ? Readable.from([input]) : input;
  const chunks: Buffer[] = [];
  let inflated = 0;
  let compressed = 0;
  let truncated = false;
  const countCompressed = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      compressed += chunk.length;
      if (compressed <= maxBytes) done(null, chunk);
      else if (cut) done(new HeadComplete());
      else done(new ArchiveLimitError(file, maxBytes, false));
    },
  });
  const keep = onChunk ?? ((chunk: Buffer) => void chunks.push(chunk));
  try {
    await pipeline(
      source,
      countCompressed,
      createGunzip({ chunkSize: 64 * 1024 }),
      async (inflating: AsyncIterable<Buffer>) => {
        for await (const chunk of inflating) {
          if (inflated + chunk.length > maxBytes) {
            if (!cut) throw new ArchiveLimitError(file, maxBytes, true);
            keep(chunk.subarray(0, maxBytes - inflated));
            inflated = maxBytes;
            throw new HeadComplete();
          }
          keep(chunk);
          inflated += chunk.length;
        }
      },
    );
  } catch (error) {
    if (error instanceof HeadComplete) truncated = true;
    else if (isZlibError(error))
      throw new BackupMetadataError(
        `${file} is not gzip data Lifeboat can read (${error.code}): it was cut short or altered`,
        { file, cause: error },
      );
    else throw error;
  } finally {
    source.destroy();
  }
  return { data: onChunk ? Buffer.alloc(0) : Buffer.concat(chunks, inflated), truncated };
}

function isZlibError(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown } | undefined)?.code;
  return error instanceof Error && typeof code === 'string' && code.startsWith('Z_');
}
