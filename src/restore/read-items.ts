/**
 * Reads the objects of a backup's tarball for a restore: the plain paths Velero's restore reads (a
 * preferred-version copy only where no plain one exists), each entry bounded in size and digested for the
 * check against Lifeboat's content index (read meanwhile). The bytes go to the restore's temporary file
 * (body-store.ts), not memory. A bad entry becomes an item with its problem, so it fails alone, named.
 */
import {
  backupKeys,
  type ItemPathParts,
  parseItemPath,
  readTarball,
  SharedStrings,
} from '../archive/index.ts';
import type { ObjectStore } from '../storage/index.ts';
import type { BodyStore, StoredRange } from './body-store.ts';
import { type IndexLookup, objectKey } from './content-index.ts';
import {
  type Digest,
  digestOf,
  type ItemRef,
  integrityProblem,
  pathProblem,
  tooLargeProblem,
  typeFromIndex,
} from './object-checks.ts';
import { nonRestorable } from './order.ts';
import type { KubeJson } from './sanitize.ts';
import { throttled } from './throttle.ts';

/**
 * One object of the tarball: where its bytes are, or why it cannot be restored (then they are not kept).
 * Every field the restore's passes give it (read-objects.ts) is declared at once: a backup's objects then
 * share one compact shape instead of growing property stores one by one.
 */
export class TarItem implements ItemRef {
  groupResource: string;
  namespace?: string;
  name: string;
  versionDir?: string;
  path: string;
  /** Its bytes as stored in the backup, in the restore's `BodyStore`. */
  range?: StoredRange;
  /** Of its bytes, for the content index's check (dropped after it). */
  digest?: Digest | undefined;
  problem?: string;
  /** Whether the content index lists it (then `kind` and `indexedApiVersion` are the index's). */
  indexed = false;
  /** The kind its path implies (from the index, the target or the backup's CRDs); '' when unknown. */
  kind = '';
  indexedApiVersion?: string;
  /** The parsed body: kept for resident types only. */
  object?: KubeJson;
  /** The body's apiVersion (when it parsed). */
  apiVersion?: string;
  /** `Kind/name` of each controller among its owners. */
  controllers?: string[];
  /** For other types: the sanitized body's place in the store, or why sanitizing skips it. */
  sanitized?: { body: StoredRange } | { skip: string };
  /** Whether the filters chose it (refused objects are chosen, to be named). */
  chosen = false;

  constructor(parts: ItemPathParts, path: string, shared: SharedStrings) {
    this.groupResource = shared.get(parts.groupResource);
    if (parts.namespace !== undefined) this.namespace = shared.get(parts.namespace);
    this.name = parts.name;
    if (parts.versionDir !== undefined) this.versionDir = shared.get(parts.versionDir);
    this.path = path;
  }
}

export interface ReadItemsOptions {
  /** Only objects in namespaces it accepts are kept (namespace objects by their name). */
  includeNamespace: (namespace: string) => boolean;
  /** Where the bytes go. */
  bodies: BodyStore;
  /** Called as entries are read, with how many objects were kept so far. */
  onRead?: (itemsRead: number) => void;
}

/** Reads every object of a backup's tarball a restore could take. */
export async function readItems(
  store: ObjectStore,
  backupName: string,
  options: ReadItemsOptions,
): Promise<TarItem[]> {
  const plain = new Map<string, TarItem>();
  const versioned = new Map<string, TarItem>();
  const shared = new SharedStrings();
  const key = backupKeys(backupName).tarball;
  let kept = 0;
  const reportRead = throttled(options.onRead);
  for await (const entry of readTarball(await store.get(key), { file: key, transient: true })) {
    const parts = parseItemPath(entry.name);
    if (!parts || nonRestorable.has(parts.groupResource)) continue;
    const scope = parts.groupResource === 'namespaces' ? parts.name : parts.namespace;
    if (scope !== undefined && !options.includeNamespace(scope)) continue;
    const key = objectKey(parts.groupResource, parts.namespace, parts.name);
    // Lifeboat and Velero write the plain path first: a preferred-version copy is kept only while no
    // plain one has been seen (so a backup is not held in memory, or hashed, twice).
    const isPlain = !parts.versionDir;
    if (!isPlain && (!parts.versionDir?.endsWith('-preferredversion') || plain.has(key))) continue;
    const item = new TarItem(parts, entry.name, shared);
    if ('tooLarge' in entry) item.problem = tooLargeProblem(item, entry.size);
    else {
      const problem = pathProblem(item);
      if (problem) item.problem = problem;
      else {
        item.digest = digestOf(entry.data);
        item.range = await options.bodies.append(entry.data);
      }
    }
    kept++;
    reportRead(kept);
    if (isPlain) {
      plain.set(key, item);
      versioned.delete(key);
    } else versioned.set(key, item);
  }
  for (const [key, item] of versioned) if (!plain.has(key)) plain.set(key, item);
  await options.bodies.flush();
  options.onRead?.(kept);
  return [...plain.values()];
}

/**
 * Checks each item's digest against the content index entry of its path (a mismatch or an entry missing
 * refuses it) and gives each listed item the kind and apiVersion the index records, so the index need not
 * be held after this.
 */
export function checkAgainstIndex(items: readonly TarItem[], index: IndexLookup): void {
  const shared = new SharedStrings();
  for (const item of items) {
    const entry = index.entry(item.groupResource, item.namespace, item.name);
    if (entry) {
      const type = typeFromIndex(entry);
      item.indexed = true;
      item.kind = shared.get(type.kind);
      if (type.apiVersion !== undefined) item.indexedApiVersion = shared.get(type.apiVersion);
    }
    if (item.problem || !item.digest) continue;
    const problem = integrityProblem(item, item.digest, entry);
    if (problem) {
      item.problem = problem;
      delete item.range;
    }
    item.digest = undefined;
  }
}
