/**
 * The pass over a backup's objects once their bytes are on disk (read-items.ts): each is read back in file
 * order, parsed, checked against the type its path names (identity: object-checks.ts), filtered by resource
 * and labels, and — unless other objects' fate depends on its body — sanitized at once and stored again as
 * the JSON the restore will send. Memory keeps per object only names and where its bytes are; the parsed
 * bodies kept are those of the few types read across objects (`residentTypes`).
 */
import type { IncludeExclude, parseLabelSelector } from '../backup/index.ts';
import type { BodyStore, StoredRange } from './body-store.ts';
import { matchesSelector } from './label-match.ts';
import { type ExpectedType, identityProblem, parseObject, unknownTypeProblem } from './object-checks.ts';
import { crdResource } from './order.ts';
import type { TarItem } from './read-items.ts';
import { asRecord, type KubeJson, type SanitizeContext, sanitizeForRestore } from './sanitize.ts';
import type { TargetApi, TypeInfo } from './target.ts';
import { throttled } from './throttle.ts';
import {
  volumeSnapshotClassResource,
  volumeSnapshotContentResource,
  volumeSnapshotResource,
} from './volume-sources.ts';

/**
 * Types whose parsed objects stay in memory until the restore ends: few in any cluster, and read across
 * objects — namespaces (created first), CRDs (waited for), volumes, claims and snapshot records (a claim's
 * source), snapshot classes (compared with the target's), StatefulSets (the storage classes a plan names).
 * Only PersistentVolumes and claims are sanitized with `skippedVolumes`, known once every object is read.
 */
export const residentTypes: ReadonlySet<string> = new Set([
  'namespaces',
  'persistentvolumes',
  'persistentvolumeclaims',
  'statefulsets.apps',
  crdResource,
  volumeSnapshotResource,
  volumeSnapshotContentResource,
  volumeSnapshotClassResource,
]);

/** What checking an object needs. */
export interface CheckInput {
  bodies: BodyStore;
  /**
   * Whether the backup has a content index: then each item's kind and apiVersion are the index's (set
   * while its checksum was checked, so the index itself need not be held through this pass).
   */
  indexed: boolean;
  target: TargetApi;
  resourceFilter: IncludeExclude;
  selector: ReturnType<typeof parseLabelSelector> | undefined;
  /** For the types not kept in memory (its `skippedVolumes` is read by PVs and claims only). */
  ctx: SanitizeContext;
}

export interface ObjectPassInput extends CheckInput {
  items: TarItem[];
  /** Called as objects are checked, with how many of how many. */
  onChecked?: (checked: number, total: number) => void;
}

/** The types the backup's own CustomResourceDefinitions define (for a backup without an index). */
function typesFromCrds(items: readonly TarItem[]): Map<string, TypeInfo> {
  const types = new Map<string, TypeInfo>();
  for (const item of items) {
    if (item.groupResource !== crdResource || !item.object) continue;
    const spec = asRecord(item.object.spec);
    const names = asRecord(spec?.names);
    const [group, plural, kind] = [spec?.group, names?.plural, names?.kind];
    // The API server insists a CRD is named <plural>.<group>: one that is not defines nothing here.
    if (typeof group !== 'string' || typeof plural !== 'string' || typeof kind !== 'string') continue;
    if (item.name !== `${plural}.${group}`) continue;
    types.set(item.name, { kind, namespaced: spec?.scope === 'Namespaced' });
  }
  return types;
}

type Stored = TarItem & { range: StoredRange };

function readable(items: readonly TarItem[], which: (item: TarItem) => boolean): Stored[] {
  return items.filter((item): item is Stored => !item.problem && item.range !== undefined && which(item));
}

/** Parses stored bytes; the item takes the problem when they are not an object. */
function parseInto(item: TarItem, bytes: Buffer): KubeJson | undefined {
  const result = parseObject(item, bytes);
  if ('problem' in result) {
    item.problem = result.problem;
    return undefined;
  }
  return result.object;
}

/**
 * Checks objects one at a time — as a backup with an index streams in (read-items.ts), or in a pass over
 * the stored bytes (`readObjects`) — and stores what the restore will send.
 */
export class ObjectChecker {
  private readonly input: CheckInput;
  /** The types the backup's CRDs define (used without an index). */
  private readonly crdTypes: ReadonlyMap<string, TypeInfo>;

  constructor(input: CheckInput, crdTypes: ReadonlyMap<string, TypeInfo> = new Map()) {
    this.input = input;
    this.crdTypes = crdTypes;
  }

  private expectedType(item: TarItem): ExpectedType | undefined {
    const served = this.input.target.typeOf(item.groupResource);
    if (this.input.indexed) {
      if (!item.indexed) return undefined;
      // The index gives kind and version; the scope objects are created in is the target's own.
      return {
        kind: item.kind,
        namespaced: served ? served.namespaced : item.namespace !== undefined,
        ...(item.indexedApiVersion === undefined ? {} : { apiVersion: item.indexedApiVersion }),
      };
    }
    return served ?? this.crdTypes.get(item.groupResource);
  }

  /** Gives the item the kind (and apiVersion) its path implies; returns the whole expected type. */
  private typeItem(item: TarItem): ExpectedType | undefined {
    const type = this.expectedType(item);
    item.kind = type?.kind ?? '';
    if (type?.apiVersion) item.indexedApiVersion = type.apiVersion;
    return type;
  }

  /** An object refused before its body was read: checked for nothing more, but chosen by the same filters. */
  refused(item: TarItem): void {
    this.typeItem(item);
    item.chosen = isChosen(this.input, item, undefined);
  }

  /**
   * Parses the object's bytes, checks it against the type its path names, filters it and — unless its type
   * is resident — sanitizes and stores it (`item.sanitized`). `bytes` need only live until this returns.
   */
  async check(item: TarItem, bytes: Buffer): Promise<void> {
    const type = this.typeItem(item);
    const object = item.object ?? parseInto(item, bytes);
    // Only a CRD read ahead has one here (deleting from every item would slow each one's properties).
    if (item.object) delete item.object;
    if (object) {
      const problem = type ? identityProblem(item, object, type) : unknownTypeProblem(item);
      if (problem) item.problem = problem;
      else if (item.namespace !== undefined) object.metadata.namespace = item.namespace;
    }
    const valid = item.problem ? undefined : object;
    item.chosen = isChosen(this.input, item, valid);
    if (!valid) return;
    if (typeof valid.apiVersion === 'string') item.apiVersion = valid.apiVersion;
    if (residentTypes.has(item.groupResource)) {
      item.object = valid;
      return;
    }
    if (!item.chosen) return;
    const controllers = controllersOf(valid);
    if (controllers.length > 0) item.controllers = controllers;
    const result = sanitizeForRestore(item.groupResource, valid, this.input.ctx);
    item.sanitized =
      'skip' in result
        ? { skip: result.skip }
        : { body: await this.input.bodies.append(JSON.stringify(result.object)) };
  }
}

/** Checks, filters and (for non-resident types) sanitizes every stored object; returns them all. */
export async function readObjects(input: ObjectPassInput): Promise<TarItem[]> {
  const { bodies, indexed } = input;
  const parsed = input.items;
  // Without an index, the backup's CRDs type its custom resources: read them first.
  let crdTypes = new Map<string, TypeInfo>();
  if (!indexed) {
    for await (const [item, bytes] of bodies.scan(readable(parsed, (i) => i.groupResource === crdResource))) {
      const object = parseInto(item, bytes);
      if (object) item.object = object;
    }
    crdTypes = typesFromCrds(parsed);
  }
  const checker = new ObjectChecker(input, crdTypes);
  for (const item of parsed) if (item.problem || item.range === undefined) checker.refused(item);
  const toCheck = readable(parsed, () => true);
  let checked = 0;
  const reportChecked = throttled(input.onChecked);
  for await (const [item, bytes] of bodies.scan(toCheck)) {
    reportChecked(++checked, toCheck.length);
    await checker.check(item, bytes);
  }
  await bodies.flush();
  return parsed;
}

/** Whether the resource filter and the label selector take an object (a namespace object always). */
function isChosen(input: CheckInput, item: TarItem, object: KubeJson | undefined): boolean {
  if (item.groupResource === 'namespaces') return true;
  const resource = item.groupResource.split('.')[0] ?? '';
  const kind = item.kind;
  if (
    !input.resourceFilter.matches(item.groupResource, resource, ...(kind ? [kind, kind.toLowerCase()] : []))
  )
    return false;
  return !(
    object &&
    input.selector &&
    !matchesSelector(input.selector, asRecord(object.metadata.labels) as Record<string, string> | undefined)
  );
}

/** `Kind/name` of each controller among an object's owners. */
export function controllersOf(object: KubeJson): string[] {
  const owners = object.metadata.ownerReferences;
  if (!Array.isArray(owners)) return [];
  return owners.flatMap((ref) => {
    const owner = asRecord(ref);
    return owner?.controller ? [`${String(owner.kind)}/${String(owner.name)}`] : [];
  });
}
