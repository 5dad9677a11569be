/**
 * Paged LIST of one resource type, yielding each page's objects as raw bytes plus their parsed envelope.
 * When a continue token expires mid-list (410 Expired), the list starts afresh and skips what was already
 * yielded, as kubectl's pager does.
 */
import type { KubeClient } from './client.ts';
import { type ApiResource, apiVersionOf, collectionPath } from './discovery.ts';
import { KubeApiError } from './errors.ts';
import { splitItems, withTypeMeta } from './json-items.ts';

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

/** An object as listed: the exact bytes to store, and the parsed value to read fields from. */
export interface ListedObject {
  raw: Buffer;
  object: KubeObject;
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

/** Lists `resource` page by page. */
export async function* listPages(
  client: KubeClient,
  resource: ApiResource,
  options: ListOptions = {},
): AsyncGenerator<ListPage> {
  const path = collectionPath(resource, options.namespace);
  const apiVersion = apiVersionOf(resource);
  const limit = String(options.limit ?? 500);
  let continueToken: string | undefined;
  let seen: Set<string> | undefined;
  const yielded: string[] = [];
  for (;;) {
    let body: Buffer;
    try {
      body = (
        await client.request({
          method: 'GET',
          path,
          query: { limit, continue: continueToken, labelSelector: options.labelSelector },
        })
      ).body;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 410 && continueToken !== undefined) {
        // The token expired: list again from the start, skipping objects already yielded.
        seen = new Set(yielded);
        continueToken = undefined;
        continue;
      }
      throw error;
    }
    const list = JSON.parse(body.toString('utf8')) as {
      items?: KubeObject[];
      metadata?: { continue?: string; remainingItemCount?: number };
    };
    const parsed = list.items ?? [];
    const raws = splitItems(body);
    if (raws.length !== parsed.length) {
      throw new Error(`LIST ${path}: found ${raws.length} raw items for ${parsed.length} parsed ones`);
    }
    const items: ListedObject[] = [];
    for (let i = 0; i < parsed.length; i++) {
      const object = parsed[i] as KubeObject;
      const hasTypeMeta = Boolean(object.kind && object.apiVersion);
      if (!hasTypeMeta) {
        object.apiVersion = apiVersion;
        object.kind = resource.kind;
      }
      const key = object.metadata.uid ?? `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
      if (seen?.has(key)) continue;
      yielded.push(key);
      items.push({ raw: withTypeMeta(raws[i] as Buffer, hasTypeMeta, apiVersion, resource.kind), object });
    }
    continueToken = list.metadata?.continue || undefined;
    const page: ListPage = { items };
    if (continueToken && list.metadata?.remainingItemCount !== undefined)
      page.remainingItemCount = list.metadata.remainingItemCount;
    yield page;
    if (!continueToken) return;
  }
}
