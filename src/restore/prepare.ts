/**
 * The first half of a restore and of a dry run: read the backup, choose what to restore (the filters apply
 * to what is in the backup), check each object (size, checksum, JSON, identity: see object-checks.ts), and
 * turn each into what would be created — or a skip with its reason, or a refusal naming its path. Every
 * object's name, namespace and type come from its tarball path; a body that disagrees is refused.
 * The bodies to create wait on disk (body-store.ts): the caller closes `bodies` when done with them.
 * The backup is read and its objects checked in read-backup.ts; what it makes is described in prepared.ts.
 */
import type { BackupDescription, ClusterResourcesMode } from '../archive/index.ts';
import { IncludeExclude, isObjectName, parseLabelSelector, readBackupDescription } from '../backup/index.ts';
import type { ObjectStore } from '../storage/index.ts';
import { BodyStore } from './body-store.ts';
import { RestoreInputError } from './errors.ts';
import { checkOneSourcePerTarget, parseMappings } from './mappings.ts';
import { clearClaimSource } from './moved-volumes.ts';
import { crdResource } from './order.ts';
import { type PreparedItem, type PreparedRestore, willCreate } from './prepared.ts';
import { type PrepareHooks, readAndCheck } from './read-backup.ts';
import type { TarItem } from './read-items.ts';
import { controllersOf } from './read-objects.ts';
import { asRecord, type KubeJson, type SanitizeContext, sanitizeForRestore } from './sanitize.ts';
import type { TargetApi } from './target.ts';
import {
  findVolumeSources,
  pointClaimAtSource,
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
  /** The directory the restore's temporary file of object bodies is made in. Default: the system's. */
  workDir?: string;
}

/**
 * Reads and filters a backup, checks every object and sanitizes every one to restore. The bytes wait in a
 * temporary file (`bodies`), closed here on failure and by the caller otherwise.
 */
export async function prepareRestore(
  options: RestoreOptions,
  target: TargetApi,
  hooks: PrepareHooks = {},
): Promise<PreparedRestore> {
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
  const bodies = await BodyStore.open(options.workDir);
  try {
    return await prepareFrom(options, target, hooks, {
      description,
      selector,
      namespaceMapping,
      storageClassMapping,
      bodies,
    });
  } catch (error) {
    await bodies.close();
    throw error;
  }
}

interface Inputs {
  description: BackupDescription;
  selector: ReturnType<typeof parseLabelSelector> | undefined;
  namespaceMapping: Map<string, string>;
  storageClassMapping: Map<string, string>;
  bodies: BodyStore;
}

async function prepareFrom(
  options: RestoreOptions,
  target: TargetApi,
  hooks: PrepareHooks,
  inputs: Inputs,
): Promise<PreparedRestore> {
  const { description, selector, namespaceMapping, storageClassMapping, bodies } = inputs;
  const namespaceFilter = new IncludeExclude(
    options.includeNamespaces ?? [],
    options.excludeNamespaces ?? [],
  );
  const resourceFilter = new IncludeExclude(options.includeResources ?? [], options.excludeResources ?? []);
  const allNamespaces = namespaceFilter.includesAll && !namespaceFilter.hasExcludes;
  const mode = options.clusterResources ?? 'auto';
  // Volumes restored without data (a Delete-policy volume is provisioned again rather than recreated): known
  // once every object is read; only PVs and claims read it, and they are sanitized after that.
  const skippedVolumes = new Set<string>();
  const ctx: SanitizeContext = {
    backupName: options.backupName,
    restoreName: options.name,
    namespaceMapping,
    storageClassMapping,
    preserveNodePorts: options.preserveNodePorts ?? false,
    skippedVolumes,
  };
  const {
    items: parsed,
    volumeInfo,
    warnings,
  } = await readAndCheck(options, hooks, {
    includeNamespace: (ns) => namespaceFilter.matches(ns),
    madeByLifeboat: description.madeByLifeboat === true,
    check: { bodies, target, resourceFilter, selector, ctx },
  });
  const chosen: TarItem[] = [];
  const namespaceItems = new Map<string, TarItem>();
  for (const item of parsed) {
    if (item.groupResource === 'namespaces' && !item.problem) namespaceItems.set(item.name, item);
    else if (item.chosen) chosen.push(item);
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
      ...selected.flatMap((item) =>
        item.namespace !== undefined && (item.object || item.sanitized) ? [item.namespace] : [],
      ),
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
  for (const item of selected) {
    if (
      item.groupResource === 'persistentvolumes' &&
      asRecord(item.object?.spec)?.persistentVolumeReclaimPolicy === 'Delete'
    )
      skippedVolumes.add(item.name);
  }

  // Objects whose controller is restored too are recreated by it (ReplicaSets of a Deployment, Pods...).
  const present = new Set(
    selected
      .filter((item) => item.object || item.sanitized)
      .map((item) => presentKey(`${item.kind}/${item.name}`, item.namespace)),
  );
  const items: PreparedItem[] = [];
  const volumes: SnapshotVolume[] = [];
  const namespaces = new Set<string>();
  for (const item of selected) {
    const prepared: PreparedItem = {
      groupResource: item.groupResource,
      apiVersion: item.apiVersion ?? item.indexedApiVersion ?? '',
      kind: item.kind,
      name: item.name,
    };
    if (item.namespace !== undefined) {
      prepared.sourceNamespace = item.namespace;
      prepared.targetNamespace = namespaceMapping.get(item.namespace) ?? item.namespace;
    }
    items.push(prepared);
    if (item.problem || !(item.object || item.sanitized)) {
      prepared.refused = item.problem ?? `${item.path} could not be read: not restored`;
      continue;
    }
    const volume =
      item.groupResource === 'persistentvolumeclaims'
        ? sources.claims.get(`${item.namespace}/${item.name}`)
        : undefined;
    const recordSkip =
      item.groupResource === 'persistentvolumes'
        ? sources.snapshottedVolumes.get(item.name)
        : snapshotRecordSkip(item.groupResource, item.namespace, item.name, sources.claims);
    // A claim with a snapshot is restored even when its owner is: the owner would make it empty.
    const controllers = item.object ? controllersOf(item.object) : (item.controllers ?? []);
    const owner = volume
      ? undefined
      : controllers.find((ref) => present.has(presentKey(ref, item.namespace)));
    if (recordSkip) prepared.skip = recordSkip;
    else if (owner) prepared.skip = `recreated by its owner ${owner}`;
    else if (item.sanitized) {
      if ('skip' in item.sanitized) prepared.skip = item.sanitized.skip;
      else prepared.body = item.sanitized.body;
    } else if (item.object) {
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
    if (willCreate(prepared) && prepared.targetNamespace !== undefined)
      namespaces.add(prepared.targetNamespace);
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
    bodies,
  };
}

/** An object's key among those present, from its `Kind/name` and namespace. */
function presentKey(kindName: string, namespace: string | undefined): string {
  return `${namespace ?? ''}\n${kindName}`;
}
