/**
 * Paged LIST of one resource type, yielding each page's objects as raw bytes plus their parsed envelope.
 * When a continue token expires mid-list (410 Expired), the list starts afresh and skips what was already
 * yielded, as kubectl's pager does.
 */
import type { KubeClient } from './client.ts';
import { type ApiResource, apiVersionOf, collectionPath } from './discovery.ts';
import { KubeApiError } from './errors.ts';
import {
  hasTypeMeta,
  type ListedMetadata,
  listedMetadata,
  splitListBounds,
  typeMetaParts,
  typeMetaPrefix,
} from './json-items.ts';

/** The parts of an object's metadata the engine reads. Everything else stays in the raw bytes. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  [field: string]: unknown;
}

/** A Kubernetes object as parsed JSON: only the envelope is typed. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/**
 * An object as listed: the exact bytes to store, and the parsed value to read fields from. The value is
 * parsed when asked for and not kept, so a page's parsed objects die young instead of filling the heap.
 */
export interface ListedObject {
  /** The object's stored bytes, joined. */
  readonly raw: Buffer;
  /** The same bytes in pieces that share memory with the LIST response (no copy per object). */
  readonly parts: readonly Buffer[];
  readonly object: KubeObject;
  /** Name, namespace, uid, labels and deletionTimestamp alone, read without parsing the whole object. */
  readonly metadata: ListedMetadata;
}

/**
 * A listed object is its place in the page's body until a field is asked for: of a page of 500 objects,
 * read ahead while the previous page is written, nothing per object but this survives V8's young-generation
 * collections (the views and part lists it used to hold were copied, then promoted, then collected).
 */
class LazyObject implements ListedObject {
  private readonly body: Buffer;
  private readonly start: number;
  private readonly end: number;
  /** What to put before the object's other fields when its item has no `kind`/`apiVersion`. */
  private readonly prefix: Buffer;
  constructor(body: Buffer, start: number, end: number, prefix: Buffer) {
    this.body = body;
    this.start = start;
    this.end = end;
    this.prefix = prefix;
  }
  private get listed(): Buffer {
    return this.body.subarray(this.start, this.end);
  }
  get parts(): readonly Buffer[] {
    const listed = this.listed;
    return typeMetaParts(listed, hasTypeMeta(listed), this.prefix);
  }
  get raw(): Buffer {
    const parts = this.parts;
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }
  get object(): KubeObject {
    return JSON.parse(this.listed.toString('utf8')) as KubeObject;
  }
  get metadata(): ListedMetadata {
    return listedMetadata(this.listed);
  }
}

export interface ListPage {
  items: ListedObject[];
  /** How many more items the server says remain (an estimate; absent when unknown). */
  remainingItemCount?: number;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  /** Page size. Default 500, as kubectl. */
  limit?: number;
}

/** `namespace/name` of a raw object: the order the API server lists in. */
function keyOf(raw: Buffer): string {
  const metadata = (JSON.parse(raw.toString('utf8')) as KubeObject).metadata;
  return `${metadata.namespace ?? ''}/${metadata.name}`;
}

/** One page as read: its items, and where the list goes on. */
interface ReadPage extends ListPage {
  continueToken?: string;
  /** The key of the page's last object, whether yielded or skipped. */
  lastKey?: string;
}

/**
 * Lists `resource` page by page. The next page is asked for as soon as a page is read, before it is
 * yielded, so the API server answers while the caller works through the current one: one page ahead at
 * most, so memory stays bounded by two pages per list.
 */
export async function* listPages(
  client: KubeClient,
  resource: ApiResource,
  options: ListOptions = {},
): AsyncGenerator<ListPage> {
  const path = collectionPath(resource, options.namespace);
  const apiVersion = apiVersionOf(resource);
  const limit = String(options.limit ?? 500);
  const prefix = typeMetaPrefix(apiVersion, resource.kind);
  // Lists come in key order (namespace, then name): after a restart, everything up to the last object
  // already yielded is skipped. One key is kept, not one per object.
  let lastKey: string | undefined;
  let skipThrough: string | undefined;

  const read = async (continueToken: string | undefined): Promise<ReadPage> => {
    const { body } = await client.request({
      method: 'GET',
      path,
      query: { limit, continue: continueToken, labelSelector: options.labelSelector },
    });
    const { bounds, envelope } = splitListBounds(body);
    const list = JSON.parse(envelope) as { metadata?: { continue?: string; remainingItemCount?: number } };
    const items: ListedObject[] = [];
    for (let i = 0; i < bounds.length; i += 2) {
      const start = bounds[i] as number;
      const end = bounds[i + 1] as number;
      // After a restart, objects up to the last one already yielded are skipped (the rare path parses).
      if (skipThrough !== undefined && keyOf(body.subarray(start, end)) <= skipThrough) continue;
      items.push(new LazyObject(body, start, end, prefix));
    }
    const page: ReadPage = { items };
    if (bounds.length > 0) page.lastKey = keyOf(body.subarray(bounds.at(-2), bounds.at(-1)));
    const next = list.metadata?.continue || undefined;
    if (next) {
      page.continueToken = next;
      if (list.metadata?.remainingItemCount !== undefined)
        page.remainingItemCount = list.metadata.remainingItemCount;
    }
    return page;
  };
  /** Starts reading a page. A caller that stops early leaves it unread: its failure then goes nowhere. */
  const start = (continueToken: string | undefined): Promise<ReadPage> => {
    const reading = read(continueToken);
    reading.catch(() => {});
    return reading;
  };

  let continueToken: string | undefined;
  let reading = start(undefined);
  for (;;) {
    let page: ReadPage;
    try {
      page = await reading;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 410 && continueToken !== undefined) {
        // The token expired: list again from the start, skipping objects already yielded.
        skipThrough = lastKey;
        continueToken = undefined;
        reading = start(undefined);
        continue;
      }
      throw error;
    }
    if (page.lastKey !== undefined) lastKey = page.lastKey;
    continueToken = page.continueToken;
    if (continueToken !== undefined) reading = start(continueToken);
    const listed: ListPage = { items: page.items };
    if (page.remainingItemCount !== undefined) listed.remainingItemCount = page.remainingItemCount;
    yield listed;
    if (continueToken === undefined) return;
  }
}
