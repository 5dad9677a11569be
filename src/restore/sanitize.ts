/**
 * What a restore changes in an object before creating it: server-set metadata and status go, cluster-bound
 * fields (cluster IPs, node ports, node names, controller uids, volume binding) are cleared, namespaces and
 * storage classes are mapped, and Lifeboat's labels are added — or the object is skipped, with the reason.
 * Objects are lossless JSON (numbers kept as written); everything not named here is left untouched.
 */

import { isRawJson } from '../kube/index.ts';
import { dropAssignedNodePorts } from './node-ports.ts';

/** A Kubernetes object as lossless JSON. */
export type KubeJson = Record<string, unknown> & { metadata: Record<string, unknown> };

export interface SanitizeContext {
  backupName: string;
  restoreName: string;
  /** Source namespace → target namespace. */
  namespaceMapping: ReadonlyMap<string, string>;
  /** Source storage class → target storage class. */
  storageClassMapping: ReadonlyMap<string, string>;
  preserveNodePorts: boolean;
  /** PersistentVolumes of the backup that are not restored: claims bound to them are provisioned anew. */
  skippedVolumes: ReadonlySet<string>;
}

export type Sanitized = { object: KubeJson } | { skip: string };

export const backupNameLabel = 'lifeboat.io/backup-name';
export const restoreNameLabel = 'lifeboat.io/restore-name';
/** Velero's labels of the same, also set so selectors and scripts written for Velero keep working. */
export const veleroBackupNameLabel = 'velero.io/backup-name';
export const veleroRestoreNameLabel = 'velero.io/restore-name';

/** The labels every restored object carries. */
export function restoredLabels(backupName: string, restoreName: string): Record<string, string> {
  return {
    [backupNameLabel]: backupName,
    [restoreNameLabel]: restoreName,
    [veleroBackupNameLabel]: backupName,
    [veleroRestoreNameLabel]: restoreName,
  };
}

const serverMetadata = [
  'uid',
  'resourceVersion',
  'selfLink',
  'creationTimestamp',
  'generation',
  'managedFields',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'ownerReferences',
];
const bindingAnnotations = [
  'pv.kubernetes.io/bind-completed',
  'pv.kubernetes.io/bound-by-controller',
  'volume.kubernetes.io/selected-node',
];

/** The value as a JSON object, or undefined when it is anything else. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function mapNamespace(ctx: SanitizeContext, ns: string): string {
  return ctx.namespaceMapping.get(ns) ?? ns;
}

function mapStorageClass(ctx: SanitizeContext, spec: Record<string, unknown> | undefined): void {
  const name = spec?.storageClassName;
  if (spec && typeof name === 'string' && ctx.storageClassMapping.has(name)) {
    spec.storageClassName = ctx.storageClassMapping.get(name);
  }
}

function deleteAnnotations(metadata: Record<string, unknown>, names: readonly string[]): void {
  const annotations = asRecord(metadata.annotations);
  if (!annotations) return;
  for (const name of names) delete annotations[name];
  if (Object.keys(annotations).length === 0) delete metadata.annotations;
}

/** Removes what the server sets and what ties an object to its source cluster; no labels added. */
export function stripServerFields(
  groupResource: string,
  object: KubeJson,
  preserveNodePorts = false,
  inPlace = false,
): KubeJson {
  const copy = inPlace ? object : structuredCopy(object);
  // Which node ports the user set is read from the metadata about to be removed (managedFields).
  const serviceSpec = groupResource === 'services' ? asRecord(copy.spec) : undefined;
  if (serviceSpec && !preserveNodePorts) dropAssignedNodePorts(copy, serviceSpec);
  const metadata = copy.metadata;
  for (const field of serverMetadata) delete metadata[field];
  if (typeof metadata.name === 'string') delete metadata.generateName;
  delete copy.status;
  const spec = asRecord(copy.spec);
  switch (groupResource) {
    case 'services': {
      if (spec && spec.clusterIP !== 'None') {
        delete spec.clusterIP;
        delete spec.clusterIPs;
      }
      break;
    }
    case 'pods':
      if (spec) delete spec.nodeName;
      break;
    case 'jobs.batch': {
      if (spec && spec.manualSelector !== true) delete spec.selector;
      const templateLabels = asRecord(asRecord(asRecord(spec?.template)?.metadata)?.labels);
      if (templateLabels) {
        delete templateLabels['controller-uid'];
        delete templateLabels['batch.kubernetes.io/controller-uid'];
      }
      const labels = asRecord(metadata.labels);
      if (labels) {
        delete labels['controller-uid'];
        delete labels['batch.kubernetes.io/controller-uid'];
      }
      break;
    }
    case 'persistentvolumeclaims':
    case 'persistentvolumes':
      deleteAnnotations(metadata, bindingAnnotations);
      if (groupResource === 'persistentvolumes') {
        const claimRef = asRecord(spec?.claimRef);
        if (claimRef) {
          delete claimRef.uid;
          delete claimRef.resourceVersion;
        }
      }
      break;
    default:
      break;
  }
  return copy;
}

/** A deep copy that keeps raw numbers (structuredClone would fail on them). */
function structuredCopy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(structuredCopy) as T;
  const obj = asRecord(value);
  if (obj && !isRawJson(obj)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(obj)) out[key] = structuredCopy(item);
    return out as T;
  }
  return value;
}

/** Why an object is not restored at all, before any edit; undefined when it is restored. */
export function skipReason(
  groupResource: string,
  object: KubeJson,
  ctx: SanitizeContext,
): string | undefined {
  const metadata = object.metadata;
  const spec = asRecord(object.spec);
  if (groupResource === 'secrets' && object.type === 'kubernetes.io/service-account-token') {
    return 'service-account token: the target cluster issues its own';
  }
  if (groupResource === 'configmaps' && metadata.name === 'kube-root-ca.crt') {
    return "the cluster's CA bundle: the target cluster publishes its own";
  }
  if (groupResource === 'endpointslices.discovery.k8s.io') {
    const managedBy = asRecord(metadata.labels)?.['endpointslice.kubernetes.io/managed-by'];
    if (managedBy === 'endpointslice-controller.k8s.io')
      return 'managed by the endpoint-slice controller: recreated from its Service';
  }
  if (groupResource === 'pods') {
    const phase = asRecord(object.status)?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return `pod already finished (${phase})`;
  }
  if (groupResource === 'persistentvolumes') {
    if (
      spec?.persistentVolumeReclaimPolicy === 'Delete' &&
      typeof metadata.name === 'string' &&
      ctx.skippedVolumes.has(metadata.name)
    ) {
      return 'reclaim policy Delete and no snapshot: its claim is provisioned again by its storage class';
    }
  }
  return undefined;
}

/** Prepares an object of the backup for creation in the target cluster (edits `original` in place). */
export function sanitizeForRestore(
  groupResource: string,
  original: KubeJson,
  ctx: SanitizeContext,
): Sanitized {
  const reason = skipReason(groupResource, original, ctx);
  if (reason) return { skip: reason };
  // The original was parsed for this restore alone: edited in place rather than copied.
  const object = stripServerFields(groupResource, original, ctx.preserveNodePorts, true);
  const metadata = object.metadata;
  if (typeof metadata.namespace === 'string') metadata.namespace = mapNamespace(ctx, metadata.namespace);
  const spec = asRecord(object.spec);
  switch (groupResource) {
    case 'namespaces':
      if (typeof metadata.name === 'string') {
        metadata.name = mapNamespace(ctx, metadata.name);
        const labels = asRecord(metadata.labels);
        if (labels?.['kubernetes.io/metadata.name'] !== undefined)
          labels['kubernetes.io/metadata.name'] = metadata.name;
      }
      break;
    case 'persistentvolumeclaims':
      mapStorageClass(ctx, spec);
      if (spec && typeof spec.volumeName === 'string' && ctx.skippedVolumes.has(spec.volumeName))
        delete spec.volumeName;
      break;
    case 'persistentvolumes': {
      mapStorageClass(ctx, spec);
      const claimRef = asRecord(spec?.claimRef);
      if (claimRef && typeof claimRef.namespace === 'string')
        claimRef.namespace = mapNamespace(ctx, claimRef.namespace);
      break;
    }
    case 'statefulsets.apps':
      for (const template of (spec?.volumeClaimTemplates as unknown[] | undefined) ?? []) {
        mapStorageClass(ctx, asRecord(asRecord(template)?.spec));
      }
      break;
    case 'rolebindings.rbac.authorization.k8s.io':
    case 'clusterrolebindings.rbac.authorization.k8s.io':
      for (const subject of (object.subjects as unknown[] | undefined) ?? []) {
        const s = asRecord(subject);
        if (s && typeof s.namespace === 'string') s.namespace = mapNamespace(ctx, s.namespace);
      }
      break;
    default:
      break;
  }
  metadata.labels = { ...asRecord(metadata.labels), ...restoredLabels(ctx.backupName, ctx.restoreName) };
  return { object };
}

/** The form two objects are compared in (backed-up vs live): server fields and Lifeboat's labels removed. */
export function comparable(groupResource: string, object: KubeJson): KubeJson {
  const copy = stripServerFields(groupResource, object, true);
  const labels = asRecord(copy.metadata.labels);
  if (labels) {
    for (const label of Object.keys(restoredLabels('', ''))) delete labels[label];
    if (Object.keys(labels).length === 0) delete copy.metadata.labels;
  }
  return copy;
}
