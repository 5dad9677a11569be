/**
 * The dry run: what a restore would do against the live target, without writing anything. For each object:
 * create, unchanged, differs (with the changed fields), update (with `update`), skip (with the reason), or
 * refuse (a bad or tampered object, named by its tarball path; the restore would fail it); what each RBAC
 * object would grant;
 * and for every create, the API server's own verdict through a server-side dry run, so validation and
 * admission errors show before anything is written. Plus the storage classes the restored volumes need
 * and how the mappings resolve them, the target namespaces' state, and each claim made from a CSI snapshot
 * with whether the target can make it (class and driver), or, for a claim whose data the data mover copied,
 * that it is filled from the location's volume repository (snapshot id and size); for a claim whose backup
 * kept both, which of the two it comes from and why; and each claim the restore's volume source fails, with
 * the reason (volume-choice.ts).
 */

import {
  changedPaths,
  collectionPath,
  describeError,
  KubeApiError,
  type KubeClient,
  KubeConnectionError,
  mapLimit,
  parseLossless,
} from '../kube/index.ts';
import { clusterMadeAccount, existingSnapshotClassReason, isClusterMadeAccount } from './item-writer.ts';
import { isNodePortTaken, nodePortTakenVerdict, requestedNodePorts } from './node-ports.ts';
import { inRestoreOrder } from './order.ts';
import { prepareRestore, type RestoreOptions } from './prepare.ts';
import { objectOf, type PreparedItem, type PreparedRestore } from './prepared.ts';
import { type RbacGrant, rbacGrant } from './rbac.ts';
import { asRecord, comparable, type KubeJson } from './sanitize.ts';
import { skipClassesTheTargetHas } from './snapshot-classes.ts';
import { TargetApi } from './target.ts';
import { planVolumes, type VolumePlan } from './volume-checks.ts';
import { chooseVolumeSources } from './volume-choice.ts';
import { checkVolumeSource, type VolumeSourceMode } from './volume-source-modes.ts';
import { volumeSnapshotClassResource } from './volume-sources.ts';

export type PlanAction = 'create' | 'unchanged' | 'differs' | 'update' | 'skip' | 'refuse';

export interface PlanItem {
  action: PlanAction;
  groupResource: string;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  /** Why it is skipped or refused, or a note on the verdict. */
  reason?: string;
  changedFields?: string[];
  /** For creates and updates: `accepted`, the server's rejection, or why it could not be asked. */
  serverVerdict?: string;
  /** For RBAC objects that grant rights: the role and subjects, or far-reaching rules, and flags. */
  grants?: RbacGrant;
}

export interface StorageClassNeed {
  name: string;
  /** The class in the backup, when a mapping renamed it. */
  mappedFrom?: string;
  exists: boolean;
  usedBy: string[];
}

export interface NamespaceState {
  name: string;
  mappedFrom?: string;
  state: 'exists' | 'will be created' | 'terminating';
}

export interface RestorePlan {
  restoreName: string;
  backupName: string;
  items: PlanItem[];
  storageClasses: StorageClassNeed[];
  namespaces: NamespaceState[];
  /**
   * Claims made from CSI snapshots (source, class after mapping, driver) or filled from the location's volume
   * repository (snapshot id, size), and whether the target can make each.
   */
  volumes: VolumePlan[];
  counts: Record<PlanAction, number> & { rejected: number };
  /** About the whole backup, e.g. that its integrity could not be checked. */
  warnings: string[];
}

export interface PlanRequest extends RestoreOptions {
  kube: KubeClient;
  parallelism?: number;
  /**
   * Whether the restore will have mover settings (the control plane's restores do): claims whose data is in
   * the location's volume repository are planned as filled from there; without, as failing by name.
   */
  moverAvailable?: boolean;
  /** Where claims' data may come from, as the restore will be asked (`RestoreRequest.volumeSource`). */
  volumeSource?: VolumeSourceMode;
}

/** Plans a restore against the live target. Writes nothing, to the cluster or the location. */
export async function planRestore(request: PlanRequest): Promise<RestorePlan> {
  const { kube } = request;
  // Checked once, before anything is read; the checked mode is passed down.
  const volumeSource = checkVolumeSource(request.volumeSource);
  const target = new TargetApi(kube);
  await target.refresh();
  const prepared = await prepareRestore(request, target);
  try {
    return await planPrepared(request, target, prepared, volumeSource);
  } finally {
    await prepared.bodies.close();
  }
}

async function planPrepared(
  request: PlanRequest,
  target: TargetApi,
  prepared: PreparedRestore,
  volumeSource: VolumeSourceMode,
): Promise<RestorePlan> {
  const { kube } = request;
  await skipClassesTheTargetHas(kube, prepared.items);
  // Claims whose backup kept both snapshot and copy: the source is chosen (and the claim made for it) before
  // the claims are checked, by the same rule the restore applies; so are the claims its volume source excludes.
  await chooseVolumeSources(kube, prepared.volumes, undefined, volumeSource);

  const namespaceStates = new Map<string, NamespaceState>();
  for (const ns of prepared.namespaces) {
    const from = [...prepared.namespaceMapping].find(([, to]) => to === ns)?.[0];
    let state: NamespaceState['state'] = 'will be created';
    try {
      const live = JSON.parse(
        (
          await kube.request({ method: 'GET', path: `/api/v1/namespaces/${encodeURIComponent(ns)}` })
        ).body.toString(),
      ) as {
        status?: { phase?: string };
      };
      state = live.status?.phase === 'Terminating' ? 'terminating' : 'exists';
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 404)) throw error;
    }
    namespaceStates.set(ns, { name: ns, ...(from ? { mappedFrom: from } : {}), state });
  }

  const crdsInBackup = new Set(
    prepared.items
      .filter((i) => i.groupResource === 'customresourcedefinitions.apiextensions.k8s.io')
      .map((i) => i.name),
  );
  const planItem = async (item: PreparedItem): Promise<PlanItem> => {
    // Read from disk for this row only (see `objectOf`): the plan of a large backup is not held parsed.
    const object = await objectOf(prepared.bodies, item);
    const base: PlanItem = {
      action: 'create',
      groupResource: item.groupResource,
      apiVersion: item.apiVersion,
      kind: item.kind,
      name: item.name,
    };
    if (item.targetNamespace !== undefined) base.namespace = item.targetNamespace;
    if (item.refused) return { ...base, action: 'refuse', reason: item.refused };
    if (item.skip || !object) return { ...base, action: 'skip', reason: item.skip ?? 'not restorable' };
    const grants = rbacGrant(item.groupResource, object);
    if (grants) base.grants = grants;
    const api = target.resolve(item.apiVersion, item.groupResource);
    if (!api) {
      if (crdsInBackup.has(item.groupResource)) {
        return { ...base, serverVerdict: 'not checked: its CustomResourceDefinition is restored first' };
      }
      return {
        ...base,
        serverVerdict: `rejected: the target cluster does not serve ${item.groupResource} at ${item.apiVersion}`,
      };
    }
    const nsState =
      item.targetNamespace !== undefined ? namespaceStates.get(item.targetNamespace) : undefined;
    if (nsState?.state === 'terminating')
      return { ...base, serverVerdict: `rejected: namespace ${nsState.name} is terminating` };
    const path = collectionPath(api, item.targetNamespace);
    if (nsState?.state === 'will be created' && isClusterMadeAccount(item)) {
      // The cluster makes it with the namespace; the restore compares with that one (item-writer.ts).
      const made = clusterMadeAccount(nsState.name);
      const changed = changedPaths(
        comparable(item.groupResource, made),
        comparable(item.groupResource, object),
      );
      const note = 'the cluster makes it with its namespace';
      if (changed.length === 0) return { ...base, action: 'unchanged', reason: note };
      if (request.existingResourcePolicy !== 'update')
        return { ...base, action: 'differs', changedFields: changed, reason: note };
      return { ...base, action: 'update', changedFields: changed, reason: note };
    }
    if (nsState?.state !== 'will be created') {
      try {
        const live = parseLossless(
          (await kube.request({ method: 'GET', path: `${path}/${encodeURIComponent(item.name)}` })).body,
        ) as KubeJson;
        const changed = changedPaths(
          comparable(item.groupResource, live),
          comparable(item.groupResource, object),
        );
        if (changed.length === 0) return { ...base, action: 'unchanged' };
        if (item.groupResource === volumeSnapshotClassResource)
          return { ...base, action: 'skip', reason: existingSnapshotClassReason };
        if (request.existingResourcePolicy !== 'update')
          return { ...base, action: 'differs', changedFields: changed };
        return {
          ...base,
          action: 'update',
          changedFields: changed,
          serverVerdict: 'not checked: updates are patches computed at restore time',
        };
      } catch (error) {
        if (error instanceof KubeConnectionError) throw error;
        if (!(error instanceof KubeApiError && error.status === 404))
          return { ...base, serverVerdict: `not checked: ${describeError(error)}` };
      }
    }
    return {
      ...base,
      serverVerdict: await serverDryRun(
        kube,
        target,
        { ...item, object },
        path,
        nsState?.state === 'will be created',
      ),
    };
  };
  // Listed in the order the restore will create them; the cluster-made accounts of new namespaces last,
  // where the restore compares them (restore.ts), unless it updates existing objects.
  const comparedLast = (item: PreparedItem) =>
    request.existingResourcePolicy !== 'update' &&
    isClusterMadeAccount(item) &&
    item.targetNamespace !== undefined &&
    namespaceStates.get(item.targetNamespace)?.state === 'will be created';
  const inOrder = inRestoreOrder(prepared.items);
  const ordered = [
    ...inOrder.filter((item) => !comparedLast(item)),
    ...inOrder.filter((item) => comparedLast(item)),
  ];
  const items = await mapLimit(ordered, request.parallelism ?? 16, planItem);

  // Claims made from snapshots: a claim the target cannot make fails, and its row says why.
  const volumes = await planVolumes(kube, prepared.volumes, request.moverAvailable ?? false);
  ordered.forEach((item, i) => {
    const row = items[i];
    // A claim that exists already is left as it is (its row says unchanged or differs).
    if (!item.volume || row?.action !== 'create') return;
    const volume = volumes[prepared.volumes.indexOf(item.volume)];
    if (volume?.verdict === 'fail') row.serverVerdict = `rejected by Lifeboat: ${volume.reason}`;
    else if ((volume?.source === 'copy' || volume?.sourceReason) && volume.reason) row.reason = volume.reason;
    else if (volume)
      row.reason = `made from the snapshot ${volume.snapshotHandle} (driver ${volume.driver}) in the storage class ${volume.storageClass ?? 'default'}`;
  });

  // Storage classes the restored volumes ask for, after mapping, against the target's.
  const liveClasses = new Set<string>();
  const classApi = target.resolve('storage.k8s.io/v1', 'storageclasses.storage.k8s.io');
  if (classApi) {
    const list = JSON.parse(
      (await kube.request({ method: 'GET', path: collectionPath(classApi) })).body.toString(),
    ) as {
      items?: { metadata: { name: string } }[];
    };
    for (const item of list.items ?? []) liveClasses.add(item.metadata.name);
  }
  const needs = new Map<string, StorageClassNeed>();
  const need = (name: unknown, user: string) => {
    if (typeof name !== 'string' || name === '') return;
    const from = [...prepared.storageClassMapping].find(([, to]) => to === name)?.[0];
    const entry = needs.get(name) ?? {
      name,
      ...(from ? { mappedFrom: from } : {}),
      exists: liveClasses.has(name),
      usedBy: [],
    };
    entry.usedBy.push(user);
    needs.set(name, entry);
  };
  for (const item of prepared.items) {
    // Claims, volumes and StatefulSets are resident (read-objects.ts): their objects are in memory.
    const spec = asRecord(item.object?.spec);
    const who = `${item.kind} ${item.targetNamespace ? `${item.targetNamespace}/` : ''}${item.name}`;
    if (item.groupResource === 'persistentvolumeclaims' || item.groupResource === 'persistentvolumes')
      need(spec?.storageClassName, who);
    if (item.groupResource === 'statefulsets.apps') {
      for (const template of (spec?.volumeClaimTemplates as unknown[] | undefined) ?? []) {
        need(asRecord(asRecord(template)?.spec)?.storageClassName, who);
      }
    }
  }

  const counts = { create: 0, unchanged: 0, differs: 0, update: 0, skip: 0, refuse: 0, rejected: 0 };
  for (const item of items) {
    counts[item.action]++;
    if (item.serverVerdict?.startsWith('rejected')) counts.rejected++;
  }
  return {
    restoreName: request.name,
    backupName: request.backupName,
    items,
    storageClasses: [...needs.values()].sort((a, b) => a.name.localeCompare(b.name)),
    namespaces: [...namespaceStates.values()].sort((a, b) => a.name.localeCompare(b.name)),
    volumes,
    counts,
    warnings: prepared.warnings,
  };
}

/**
 * Asks the API server to validate and admit a create without persisting it (`dryRun=All`). When the target
 * namespace does not exist yet, the object is checked in `default` instead (validation and most admission
 * do not depend on the namespace), and the verdict says so.
 */
async function serverDryRun(
  kube: KubeClient,
  target: TargetApi,
  item: PreparedItem,
  path: string,
  namespaceMissing: boolean,
): Promise<string> {
  let body = item.object as KubeJson;
  let checkPath = path;
  let note = '';
  if (namespaceMissing && item.targetNamespace !== undefined) {
    const api = target.resolve(item.apiVersion, item.groupResource);
    if (!api) return 'not checked';
    body = { ...body, metadata: { ...body.metadata, namespace: 'default' } };
    checkPath = collectionPath(api, 'default');
    note = ' (checked in namespace default: the target namespace does not exist yet)';
  }
  try {
    await kube.request({
      method: 'POST',
      path: checkPath,
      query: { dryRun: 'All' },
      body: JSON.stringify(body),
    });
    return `accepted${note}`;
  } catch (error) {
    if (error instanceof KubeConnectionError) throw error;
    if (error instanceof KubeApiError && error.status === 409 && namespaceMissing) return `accepted${note}`;
    if (item.groupResource === 'services' && isNodePortTaken(error))
      return `${nodePortTakenVerdict(requestedNodePorts(body))}${note}`;
    return `rejected: ${describeError(error)}${note}`;
  }
}
