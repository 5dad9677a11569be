/**
 * The first half of a restore and of a dry run: read the backup, choose what to restore (the filters apply
 * to what is in the backup), check each object (size, checksum, JSON, identity: see object-checks.ts), and
 * turn each into what would be created — or a skip with its reason, or a refusal naming its path. Every
 * object's name, namespace and type come from its tarball path; a body that disagrees is refused.
 */
import { type BackupDescription, BackupMetadataError, type ClusterResourcesMode } from '../archive/index.ts';
import { IncludeExclude, isObjectName, parseLabelSelector, readBackupDescription } from '../backup/index.ts';
import type { ObjectStore } from '../storage/index.ts';
import { IndexLookup, readContentIndex } from './content-index.ts';
import { RestoreInputError } from './errors.ts';
import { matchesSelector } from './label-match.ts';
import { checkOneSourcePerTarget, parseMappings } from './mappings.ts';
import { clearClaimSource } from './moved-volumes.ts';
import {
  type ExpectedType,
  identityProblem,
  integrityProblem,
  missingIndexProblem,
  noIndexWarning,
  parseObject,
  typeFromIndex,
  unknownTypeProblem,
} from './object-checks.ts';
import { crdResource } from './order.ts';
import { type RawItem, readItems } from './read-items.ts';
import { asRecord, type KubeJson, type SanitizeContext, sanitizeForRestore } from './sanitize.ts';
import type { TargetApi, TypeInfo } from './target.ts';
import {
  findVolumeSources,
  pointClaimAtSource,
  readVolumeInfo,
  type SnapshotVolume,
  snapshotRecordSkip,
} from './volume-sources.ts';

/** The choices a restore (or a dry run) is made with. */
export interface RestoreOptions {
  /** Restore name: at most 63 lower-case letters, digits, '-' and '.'. */
  name: string;
  backupName: string;
  store: ObjectStore;
  includeNamespaces?: string[];
  excludeNamespaces?: string[];
  includeResources?: string[];
  excludeResources?: string[];
  clusterResources?: ClusterResourcesMode;
  labelSelector?: string;
  /** Source namespace → target namespace. */
  namespaceMappings?: Record<string, string>;
  /** Source storage class → target storage class. */
  storageClassMappings?: Record<string, string>;
  existingResourcePolicy?: 'none' | 'update';
  preserveNodePorts?: boolean;
}

/** One object of the backup as the restore will treat it. */
export interface PreparedItem {
  groupResource: string;
  /** API group and version from the stored object (empty when it could not be read). */
  apiVersion: string;
  kind: string;
  name: string;
  sourceNamespace?: string;
  targetNamespace?: string;
  /** What will be sent to the API server; absent when skipped or refused. */
  object?: KubeJson;
  skip?: string;
  /** Why the object is refused (a sentence naming its tarball path): it fails, the restore goes on. */
  refused?: string;
  /**
   * For a claim made from its CSI snapshot: the snapshot and the source the restore makes for it; for one
   * whose data was moved into the location's repository, that data (`moved`).
   */
  volume?: SnapshotVolume;
}

export interface PreparedRestore {
  description: BackupDescription;
  items: PreparedItem[];
  /** Target namespaces the restored objects live in. */
  namespaces: Set<string>;
  /** Target namespace → sanitized Namespace object from the backup (when the backup has it). */
  namespaceObjects: Map<string, KubeJson>;
  namespaceMapping: Map<string, string>;
  storageClassMapping: Map<string, string>;
  /** Claims made from their CSI snapshots or moved data (each is also the `volume` of its item). */
  volumes: SnapshotVolume[];
  /** Said once for the whole restore (e.g. that integrity could not be checked). */
  warnings: string[];
}

/** The types the backup's own CustomResourceDefinitions define (for a backup without an index). */
function typesFromCrds(items: readonly Parsed[]): Map<string, TypeInfo> {
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

/** An object read: its body when it parsed, and the kind (and, from the index, apiVersion) its path implies. */
type Parsed = RawItem & { object?: KubeJson; kind: string; indexedApiVersion?: string };

/** The backup's content index, looked up by path; a restore is refused when one exists but cannot be read. */
async function readIndex(store: ObjectStore, backupName: string): Promise<IndexLookup | undefined> {
  try {
    const contentIndex = await readContentIndex(store, backupName);
    return contentIndex ? new IndexLookup(contentIndex) : undefined;
  } catch (error) {
    if (!(error instanceof BackupMetadataError)) throw error;
    throw new RestoreInputError(
      `backup "${backupName}" cannot be restored: ${error.message}; without its index its objects cannot be checked`,
    );
  }
}

/** Reads and filters a backup, checks every object and sanitizes every one to restore. */
export async function prepareRestore(options: RestoreOptions, target: TargetApi): Promise<PreparedRestore> {
  if (!isObjectName(options.name)) {
    throw new RestoreInputError(
      `invalid restore name "${options.name}": use at most 63 lower-case letters, digits, '-' and '.'`,
    );
  }
  let selector: ReturnType<typeof parseLabelSelector> | undefined;
  try {
    selector = options.labelSelector?.trim() ? parseLabelSelector(options.labelSelector) : undefined;
  } catch (error) {
    throw new RestoreInputError((error as Error).message);
  }
  const namespaceMapping = parseMappings('namespace', options.namespaceMappings);
  checkOneSourcePerTarget(namespaceMapping.keys(), namespaceMapping);
  const storageClassMapping = parseMappings('storage class', options.storageClassMappings);
  const description = await readBackupDescription(options.store, options.backupName);
  if (description.phase !== 'Completed' && description.phase !== 'PartiallyFailed') {
    throw new RestoreInputError(
      `backup "${options.backupName}" is ${description.phase}${description.failureReason ? ` (${description.failureReason})` : ''}: only Completed or PartiallyFailed backups can be restored`,
    );
  }
  const namespaceFilter = new IncludeExclude(
    options.includeNamespaces ?? [],
    options.excludeNamespaces ?? [],
  );
  // The index is read while the tarball streams in: each entry is digested now and checked against it after.
  const volumeWarnings: string[] = [];
  const [index, raw, volumeInfo] = await Promise.all([
    readIndex(options.store, options.backupName),
    readItems(options.store, options.backupName, { includeNamespace: (ns) => namespaceFilter.matches(ns) }),
    readVolumeInfo(options.store, options.backupName, volumeWarnings),
  ]);
  if (index) {
    for (const item of raw) {
      if (item.problem || !item.digest) continue;
      const problem = integrityProblem(
        item,
        item.digest,
        index.entry(item.groupResource, item.namespace, item.name),
      );
      if (problem) {
        item.problem = problem;
        delete item.raw;
      }
    }
  }
  if (!index && description.madeByLifeboat)
    throw new RestoreInputError(missingIndexProblem(options.backupName));
  const warnings = [...(index ? [] : [noIndexWarning]), ...volumeWarnings];
  const resourceFilter = new IncludeExclude(options.includeResources ?? [], options.excludeResources ?? []);
  const allNamespaces = namespaceFilter.includesAll && !namespaceFilter.hasExcludes;
  const mode = options.clusterResources ?? 'auto';

  // Parse every object the tarball holds intact; the backup's CRDs type custom resources it lacks an index for.
  const parsed = raw.map((item): Parsed => {
    // Each object's bytes are let go once parsed: the backup is not held twice.
    const bytes = item.raw;
    delete item.raw;
    const out: Parsed = Object.assign(item, { kind: '' });
    if (out.problem || !bytes) return out;
    const result = parseObject(item, bytes);
    if ('problem' in result) out.problem = result.problem;
    else out.object = result.object;
    return out;
  });
  const crdTypes = index ? new Map<string, TypeInfo>() : typesFromCrds(parsed);
  const expectedType = (item: Parsed): ExpectedType | undefined => {
    const served = target.typeOf(item.groupResource);
    if (index) {
      const entry = index.entry(item.groupResource, item.namespace, item.name);
      if (!entry) return undefined;
      // The index gives kind and version; the scope objects are created in is the target's own.
      return { ...typeFromIndex(entry), ...(served ? { namespaced: served.namespaced } : {}) };
    }
    return served ?? crdTypes.get(item.groupResource);
  };

  // Check identity, then filter by resource and labels (a refused object is kept to be named).
  const chosen: Parsed[] = [];
  const namespaceItems = new Map<string, Parsed>();
  for (const item of parsed) {
    const type = expectedType(item);
    item.kind = type?.kind ?? '';
    if (type?.apiVersion) item.indexedApiVersion = type.apiVersion;
    if (!item.problem && item.object) {
      const problem = type ? identityProblem(item, item.object, type) : unknownTypeProblem(item);
      if (problem) {
        item.problem = problem;
        delete item.object;
      } else if (item.namespace !== undefined) item.object.metadata.namespace = item.namespace;
    }
    if (item.groupResource === 'namespaces') {
      if (item.problem) chosen.push(item);
      else namespaceItems.set(item.name, item);
      continue;
    }
    const resource = item.groupResource.split('.')[0] ?? '';
    const kind = item.kind;
    if (!resourceFilter.matches(item.groupResource, resource, ...(kind ? [kind, kind.toLowerCase()] : [])))
      continue;
    if (
      item.object &&
      selector &&
      !matchesSelector(selector, asRecord(item.object.metadata.labels) as Record<string, string> | undefined)
    )
      continue;
    chosen.push(item);
  }

  // Cluster-scoped objects: all of them, none, or (auto, some namespaces) only those the rest depends on.
  const takeAllCluster = mode === 'always' || (mode === 'auto' && allNamespaces);
  const namespaced = chosen.filter((item) => item.namespace !== undefined);
  const claimedVolumes = new Set<string>();
  const customTypes = new Set<string>();
  for (const item of namespaced) {
    if (item.groupResource === 'persistentvolumeclaims') {
      const volume = asRecord(item.object?.spec)?.volumeName;
      if (typeof volume === 'string') claimedVolumes.add(volume);
    }
    if (item.groupResource.split('.').length > 2) customTypes.add(item.groupResource);
  }
  const selected = chosen.filter((item) => {
    if (item.namespace !== undefined) return true;
    if (item.groupResource === 'namespaces') return true;
    if (mode === 'never') return false;
    if (takeAllCluster) return true;
    if (item.groupResource === 'persistentvolumes') return claimedVolumes.has(item.name);
    if (item.groupResource === crdResource) return customTypes.has(item.name);
    return false;
  });
  checkOneSourcePerTarget(
    new Set([
      ...namespaceItems.keys(),
      ...selected.flatMap((item) => (item.namespace !== undefined && item.object ? [item.namespace] : [])),
    ]),
    namespaceMapping,
  );

  // Claims made from their snapshots; their PVs (and every PV the volume info says was snapshotted) are not
  // restored as they were.
  const sources = findVolumeSources({
    all: parsed,
    claims: selected.filter((item) => item.groupResource === 'persistentvolumeclaims'),
    volumeInfo,
    restoreName: options.name,
    namespaceMapping,
    storageClassMapping,
  });

  // Volumes restored without data: a Delete-policy volume is provisioned again rather than recreated.
  const skippedVolumes = new Set(
    selected
      .filter(
        (item) =>
          item.groupResource === 'persistentvolumes' &&
          asRecord(item.object?.spec)?.persistentVolumeReclaimPolicy === 'Delete',
      )
      .map((item) => item.name),
  );
  const ctx: SanitizeContext = {
    backupName: options.backupName,
    restoreName: options.name,
    namespaceMapping,
    storageClassMapping,
    preserveNodePorts: options.preserveNodePorts ?? false,
    skippedVolumes,
  };

  // Objects whose controller is restored too are recreated by it (ReplicaSets of a Deployment, Pods...).
  const present = new Set(
    selected.filter((item) => item.object).map((item) => `${item.kind}/${item.namespace ?? ''}/${item.name}`),
  );
  const items: PreparedItem[] = [];
  const volumes: SnapshotVolume[] = [];
  const namespaces = new Set<string>();
  for (const item of selected) {
    const prepared: PreparedItem = {
      groupResource: item.groupResource,
      apiVersion:
        typeof item.object?.apiVersion === 'string' ? item.object.apiVersion : (item.indexedApiVersion ?? ''),
      kind: item.kind,
      name: item.name,
    };
    if (item.namespace !== undefined) {
      prepared.sourceNamespace = item.namespace;
      prepared.targetNamespace = namespaceMapping.get(item.namespace) ?? item.namespace;
    }
    items.push(prepared);
    if (item.problem || !item.object) {
      prepared.refused = item.problem ?? `${item.path} could not be read: not restored`;
      continue;
    }
    const owners =
      (item.object.metadata.ownerReferences as
        | { kind?: string; name?: string; controller?: boolean }[]
        | undefined) ?? [];
    const volume =
      item.groupResource === 'persistentvolumeclaims'
        ? sources.claims.get(`${item.namespace}/${item.name}`)
        : undefined;
    const recordSkip =
      item.groupResource === 'persistentvolumes'
        ? sources.snapshottedVolumes.get(item.name)
        : snapshotRecordSkip(item.groupResource, item.namespace, item.name, sources.claims);
    // A claim with a snapshot is restored even when its owner is: the owner would make it empty.
    const owner =
      Array.isArray(owners) && !volume
        ? owners.find(
            (ref) => ref?.controller && present.has(`${ref.kind}/${item.namespace ?? ''}/${ref.name}`),
          )
        : undefined;
    if (recordSkip) prepared.skip = recordSkip;
    else if (owner) prepared.skip = `recreated by its owner ${owner.kind}/${owner.name}`;
    else {
      const result = sanitizeForRestore(item.groupResource, item.object, ctx);
      if ('skip' in result) prepared.skip = result.skip;
      else prepared.object = result.object;
    }
    if (volume && prepared.object) {
      if (volume.moved) clearClaimSource(prepared.object, volume.size);
      else pointClaimAtSource(prepared.object, volume);
      prepared.volume = volume;
      volumes.push(volume);
    }
    if (prepared.object && prepared.targetNamespace !== undefined) namespaces.add(prepared.targetNamespace);
  }
  // Namespaces in the backup are restored even when nothing else in them is.
  for (const source of namespaceItems.keys()) namespaces.add(namespaceMapping.get(source) ?? source);
  const namespaceObjects = new Map<string, KubeJson>();
  for (const targetNs of namespaces) {
    const source = [...namespaceMapping].find(([, to]) => to === targetNs)?.[0] ?? targetNs;
    const nsItem = namespaceItems.get(source);
    if (nsItem?.object) {
      const result = sanitizeForRestore('namespaces', nsItem.object, ctx);
      if ('object' in result) namespaceObjects.set(targetNs, result.object);
    }
  }
  return {
    description,
    items,
    namespaces,
    namespaceObjects,
    namespaceMapping,
    storageClassMapping,
    volumes,
    warnings,
  };
}
