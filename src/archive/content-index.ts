/**
 * Lifeboat's content index (`lifeboat-index.json.gz`: every object with its checksum) and Velero's resource
 * list (`<name>-resource-list.json.gz`). Both are written as streams, a thousand entries at a time, and the
 * index is read back bounded, entry by entry as it inflates, so neither is ever one huge step.
 */
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { z } from 'zod';
import { gunzipEach, maxIndexBytes } from './bounded.ts';
import { BackupMetadataError, issuesLine } from './errors.ts';
import { JsonArrayStream } from './json-array-stream.ts';
import { resourceListKey } from './layout.ts';
import { SharedStrings } from './shared-strings.ts';

/** One object in Lifeboat's content index. */
export interface IndexEntry {
  group: string;
  version: string;
  kind: string;
  resource: string;
  namespace?: string;
  name: string;
  /** SHA-256 (hex) of the object's stored JSON bytes. */
  sha256: string;
  size: number;
}

/** `lifeboat-index.json.gz`. */
export interface ContentIndex {
  lifeboatIndexVersion: 1;
  backup: string;
  items: IndexEntry[];
}

const indexHeaderSchema = z.object({
  lifeboatIndexVersion: z.literal(1),
  backup: z.string().max(253),
  // The entries were read one by one as the file streamed in (see JsonArrayStream).
  items: z.array(z.unknown()).length(0),
});

/** A part of an object's path: never holding '/', so a path (and a key made of parts) reads back one way. */
const pathPart = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[^/]*$/, "holds a '/'");

const indexEntrySchema = z.object({
  group: pathPart(253),
  version: pathPart(63),
  kind: z.string().max(253),
  resource: pathPart(253),
  namespace: pathPart(253).optional(),
  name: z.string().max(253),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});

/**
 * `lifeboat-index.json.gz` as a gzip stream, written a thousand entries at a time: the index of a large
 * backup is never held as one string.
 */
export function encodeIndex(index: ContentIndex): Readable {
  function* chunks(): Generator<string> {
    yield `{"lifeboatIndexVersion":1,"backup":${JSON.stringify(index.backup)},"items":[`;
    for (let i = 0; i < index.items.length; i += 1000) {
      const batch = index.items.slice(i, i + 1000).map((item) => JSON.stringify(item));
      yield `${i > 0 ? ',' : ''}${batch.join(',')}`;
    }
    yield ']}\n';
  }
  return Readable.from(chunks(), { objectMode: false }).pipe(createGzip());
}

/**
 * Reads an index back (a buffer, or a stream from the location) as it inflates, at most `maxIndexBytes`
 * (`ArchiveLimitError` past it), entry by entry: never one huge string nor one long `JSON.parse`.
 * `BackupMetadataError` names the first bad entry, or an index of another backup than `backup` (when
 * given): an index copied from elsewhere does not vouch for this backup's objects.
 */
export async function decodeIndex(
  input: Buffer | Readable,
  options: {
    file?: string;
    backup?: string;
    /** Given each entry as it is read, instead of keeping them in `items` (which is then empty). */
    each?: (entry: IndexEntry) => void;
  } = {},
): Promise<ContentIndex> {
  const file = options.file ?? 'lifeboat-index.json.gz';
  const reader = new JsonArrayStream('items', file, {
    maxHeaderBytes: 64 * 1024,
    maxElementBytes: 16 * 1024,
  });
  const items: IndexEntry[] = [];
  let position = 0;
  const shared = new SharedStrings();
  await gunzipEach(input, maxIndexBytes, file, (chunk) => {
    for (const raw of reader.push(chunk)) {
      const entry = indexEntry(raw, position++, file, shared);
      if (options.each) options.each(entry);
      else items.push(entry);
    }
  });
  const header = indexHeaderSchema.safeParse(reader.end());
  if (!header.success)
    throw new BackupMetadataError(`${file} is malformed (${issuesLine(header.error)})`, { file });
  const { backup } = header.data;
  if (options.backup !== undefined && backup !== options.backup)
    throw new BackupMetadataError(
      `${file} is the index of backup ${JSON.stringify(backup.slice(0, 80))}, not of "${options.backup}": it was copied or altered`,
      { file },
    );
  return { lifeboatIndexVersion: 1, backup, items };
}

function indexEntry(raw: unknown, position: number, file: string, shared: SharedStrings): IndexEntry {
  const parsed = indexEntrySchema.safeParse(raw);
  if (!parsed.success)
    throw new BackupMetadataError(`${file} is malformed at item ${position} (${issuesLine(parsed.error)})`, {
      file,
    });
  const { group, version, kind, resource, namespace, name, sha256, size } = parsed.data;
  const entry: IndexEntry = {
    group: shared.get(group),
    version: shared.get(version),
    kind: shared.get(kind),
    resource: shared.get(resource),
    name,
    sha256,
    size,
  };
  if (namespace !== undefined) entry.namespace = shared.get(namespace);
  return entry;
}

/**
 * `<name>-resource-list.json.gz`: `{"apps/v1/Deployment":["ns/name",...],...}`, keys and entries sorted as
 * Velero (Go's sort.Strings) sorts them. Streamed one type at a time.
 */
export function encodeResourceList(items: readonly IndexEntry[]): Readable {
  const byType = new Map<string, IndexEntry[]>();
  for (const item of items) {
    const key = resourceListKey(item.group ? `${item.group}/${item.version}` : item.version, item.kind);
    const list = byType.get(key) ?? [];
    list.push(item);
    byType.set(key, list);
  }
  function* chunks(): Generator<string> {
    yield '{';
    let first = true;
    for (const key of [...byType.keys()].sort()) {
      const entries = (byType.get(key) as IndexEntry[])
        .map((e) => (e.namespace ? `${e.namespace}/${e.name}` : e.name))
        .sort();
      yield `${first ? '' : ','}${JSON.stringify(key)}:${JSON.stringify(entries)}`;
      first = false;
    }
    yield '}\n';
  }
  return Readable.from(chunks(), { objectMode: false }).pipe(createGzip());
}
