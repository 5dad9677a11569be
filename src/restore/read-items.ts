/**
 * Reads the objects of a backup's tarball for a restore: the plain paths Velero's restore reads (a
 * preferred-version copy only where no plain one exists), each entry bounded in size. With Lifeboat's
 * content index (read meanwhile), each entry is checked as it streams in — its checksum against the index,
 * then the object itself (read-objects.ts) — and only what the restore will send goes to its temporary file
 * (body-store.ts); without one, the entries' bytes wait there for that pass. Nothing is held in memory but
 * names and places. A bad entry becomes an item with its problem, so it fails alone, named.
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
import { type IndexedType, objectKey, type RestoreIndex } from './content-index.ts';
import {
  type ItemRef,
  integrityProblem,
  pathProblem,
  repeatedPathProblem,
  tooLargeProblem,
} from './object-checks.ts';
import { nonRestorable } from './order.ts';
import type { ObjectChecker } from './read-objects.ts';
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
  /**
   * The backup's content index (read meanwhile) and how to check an object: when the backup has an index,
   * each entry is checked against it and by `checker` as it streams in, and only what the restore will send
   * is stored. Without one (a backup Velero made), the entries' bytes are stored for `readObjects`.
   */
  inline?: { index: Promise<RestoreIndex | undefined>; checker: ObjectChecker };
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
  const body = await store.get(key);
  let index: RestoreIndex | undefined;
  try {
    index = await options.inline?.index;
  } catch (error) {
    // The tarball's download, started meanwhile, is not left open.
    body.destroy();
    throw error;
  }
  const checker = index && options.inline?.checker;
  for await (const entry of readTarball(body, { file: key, transient: true })) {
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
    const found = index?.find(item.groupResource, item.namespace, item.name, isPlain);
    if (found) applyIndexType(item, found.entry);
    if ('tooLarge' in entry) {
      item.problem = tooLargeProblem(item, entry.size);
      checker?.refused(item);
    } else {
      const problem =
        pathProblem(item) ??
        (isPlain && found?.taken
          ? repeatedPathProblem(item)
          : index && integrityProblem(item, entry.data, found?.entry));
      if (problem) {
        item.problem = problem;
        checker?.refused(item);
      } else if (checker) await checker.check(item, entry.data);
      else item.range = await options.bodies.append(entry.data);
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

/** Gives a listed item the kind and apiVersion its content index entry records. */
function applyIndexType(item: TarItem, type: IndexedType): void {
  item.indexed = true;
  item.kind = type.kind;
  item.indexedApiVersion = type.apiVersion;
}
