/**
 * The first half of a restore and of a dry run: read the backup, choose what to restore (the filters apply
 * to what is in the backup), and turn each object into what would be created — or a skip with its reason.
 */
import {
  type BackupDescription,
  backupKeys,
  type ClusterResourcesMode,
  parseItemPath,
  readTarball,
} from '../archive/index.ts';
import {
  IncludeExclude,
  isObjectName,
  objectNamePattern,
  parseLabelSelector,
  readBackupDescription,
} from '../backup/index.ts';
import { parseLossless } from '../kube/index.ts';
import type { ObjectStore } from '../storage/index.ts';
import { RestoreInputError } from './errors.ts';
import { matchesSelector } from './label-match.ts';
import { crdResource, nonRestorable } from './order.ts';
import { asRecord, type KubeJson, type SanitizeContext, sanitizeForRestore } from './sanitize.ts';

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
  /** API group and version from the stored object. */
  apiVersion: string;
  kind: string;
  name: string;
  sourceNamespace?: string;
  targetNamespace?: string;
  /** What will be sent to the API server; absent when skipped. */
  object?: KubeJson;
  skip?: string;
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
}

function parseMappings(what: string, mappings: Record<string, string> | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const [from, to] of Object.entries(mappings ?? {})) {
    if (!objectNamePattern.test(from) || !isObjectName(to)) {
      throw new RestoreInputError(`invalid ${what} mapping "${from}:${to}": both sides must be valid names`);
    }
    map.set(from, to);
  }
  return map;
}

interface RawItem {
  groupResource: string;
  namespace?: string;
  name: string;
  raw: Buffer;
}

/** Reads every object of a backup's tarball (the plain paths Velero's restore reads; the others as fallback). */
async function readItems(store: ObjectStore, backupName: string): Promise<RawItem[]> {
  const plain = new Map<string, RawItem>();
  const versioned = new Map<string, RawItem>();
  for await (const entry of readTarball(await store.get(backupKeys(backupName).tarball))) {
    const parts = parseItemPath(entry.name);
    if (!parts) continue;
    const key = `${parts.groupResource}/${parts.namespace ?? ''}/${parts.name}`;
    const item: RawItem = { groupResource: parts.groupResource, name: parts.name, raw: entry.data };
    if (parts.namespace !== undefined) item.namespace = parts.namespace;
    // Lifeboat and Velero write the plain path first: a preferred-version copy is kept only while no
    // plain one has been seen (so a backup is not held in memory twice).
    if (!parts.versionDir) {
      plain.set(key, item);
      versioned.delete(key);
    } else if (parts.versionDir.endsWith('-preferredversion') && !plain.has(key)) versioned.set(key, item);
  }
  for (const [key, item] of versioned) if (!plain.has(key)) plain.set(key, item);
  return [...plain.values()];
}

/** Reads and filters a backup and sanitizes every object to restore. */
export async function prepareRestore(options: RestoreOptions): Promise<PreparedRestore> {
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
  const storageClassMapping = parseMappings('storage class', options.storageClassMappings);
  const description = await readBackupDescription(options.store, options.backupName);
  if (description.phase !== 'Completed' && description.phase !== 'PartiallyFailed') {
    throw new RestoreInputError(
      `backup "${options.backupName}" is ${description.phase}${description.failureReason ? ` (${description.failureReason})` : ''}: only Completed or PartiallyFailed backups can be restored`,
    );
  }
  const raw = await readItems(options.store, options.backupName);
  const namespaceFilter = new IncludeExclude(
    options.includeNamespaces ?? [],
    options.excludeNamespaces ?? [],
  );
  const resourceFilter = new IncludeExclude(options.includeResources ?? [], options.excludeResources ?? []);
  const allNamespaces = namespaceFilter.includesAll && !namespaceFilter.hasExcludes;
  const mode = options.clusterResources ?? 'auto';

  // Parse and filter by namespace, resource and labels.
  type Parsed = RawItem & { object: KubeJson };
  const chosen: Parsed[] = [];
  const namespaceItems = new Map<string, Parsed>();
  for (const item of raw) {
    if (nonRestorable.has(item.groupResource)) continue;
    const object = parseLossless(item.raw) as KubeJson;
    if (!asRecord(object.metadata)) continue;
    const kind = String(object.kind ?? '');
    const resource = item.groupResource.split('.')[0] ?? '';
    if (item.groupResource === 'namespaces') {
      if (namespaceFilter.matches(item.name)) namespaceItems.set(item.name, { ...item, object });
      continue;
    }
    if (!resourceFilter.matches(item.groupResource, resource, kind, kind.toLowerCase())) continue;
    if (item.namespace !== undefined && !namespaceFilter.matches(item.namespace)) continue;
    if (
      selector &&
      !matchesSelector(selector, asRecord(object.metadata.labels) as Record<string, string> | undefined)
    )
      continue;
    chosen.push({ ...item, object });
  }

  // Cluster-scoped objects: all of them, none, or (auto, some namespaces) only those the rest depends on.
  const takeAllCluster = mode === 'always' || (mode === 'auto' && allNamespaces);
  const namespaced = chosen.filter((item) => item.namespace !== undefined);
  const claimedVolumes = new Set<string>();
  const customTypes = new Set<string>();
  for (const item of namespaced) {
    if (item.groupResource === 'persistentvolumeclaims') {
      const volume = asRecord(item.object.spec)?.volumeName;
      if (typeof volume === 'string') claimedVolumes.add(volume);
    }
    if (item.groupResource.split('.').length > 2) customTypes.add(item.groupResource);
  }
  const selected = chosen.filter((item) => {
    if (item.namespace !== undefined) return true;
    if (mode === 'never') return false;
    if (takeAllCluster) return true;
    if (item.groupResource === 'persistentvolumes') return claimedVolumes.has(item.name);
    if (item.groupResource === crdResource) return customTypes.has(item.name);
    return false;
  });

  // Volumes restored without data: a Delete-policy volume is provisioned again rather than recreated.
  const skippedVolumes = new Set(
    selected
      .filter(
        (item) =>
          item.groupResource === 'persistentvolumes' &&
          asRecord(item.object.spec)?.persistentVolumeReclaimPolicy === 'Delete',
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
    selected.map((item) => `${String(item.object.kind)}/${item.namespace ?? ''}/${item.name}`),
  );
  const items: PreparedItem[] = [];
  const namespaces = new Set<string>();
  for (const item of selected) {
    const prepared: PreparedItem = {
      groupResource: item.groupResource,
      apiVersion: String(item.object.apiVersion ?? ''),
      kind: String(item.object.kind ?? ''),
      name: item.name,
    };
    if (item.namespace !== undefined) {
      prepared.sourceNamespace = item.namespace;
      prepared.targetNamespace = namespaceMapping.get(item.namespace) ?? item.namespace;
    }
    const owners =
      (item.object.metadata.ownerReferences as
        | { kind?: string; name?: string; controller?: boolean }[]
        | undefined) ?? [];
    const owner = owners.find(
      (ref) => ref.controller && present.has(`${ref.kind}/${item.namespace ?? ''}/${ref.name}`),
    );
    if (owner) prepared.skip = `recreated by its owner ${owner.kind}/${owner.name}`;
    else {
      const result = sanitizeForRestore(item.groupResource, item.object, ctx);
      if ('skip' in result) prepared.skip = result.skip;
      else prepared.object = result.object;
    }
    if (prepared.object && prepared.targetNamespace !== undefined) namespaces.add(prepared.targetNamespace);
    items.push(prepared);
  }
  // Namespaces in the backup are restored even when nothing else in them is.
  for (const source of namespaceItems.keys()) namespaces.add(namespaceMapping.get(source) ?? source);
  const namespaceObjects = new Map<string, KubeJson>();
  for (const target of namespaces) {
    const source = [...namespaceMapping].find(([, to]) => to === target)?.[0] ?? target;
    const nsItem = namespaceItems.get(source);
    if (nsItem) {
      const result = sanitizeForRestore('namespaces', nsItem.object, ctx);
      if ('object' in result) namespaceObjects.set(target, result.object);
    }
  }
  return { description, items, namespaces, namespaceObjects, namespaceMapping, storageClassMapping };
}
