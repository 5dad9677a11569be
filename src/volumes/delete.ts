/**
 * Deleting retained snapshots through their VolumeSnapshotContents: the content is set to Delete and deleted,
 * so the CSI snapshotter deletes the snapshot in the storage. When the content is gone (another cluster, a
 * cleaned-up cluster), a content pointing at the snapshot handle is made for the purpose, as Velero does.
 * A snapshot already gone is not an error.
 */
import { describeError, type KubeClient, type KubeObject } from '../kube/index.ts';
import { deletionContentName } from './names.ts';
import { createOrOwn, waitGone } from './owned-objects.ts';
import {
  deleteObject,
  getObject,
  hasBoundProtection,
  mergePatchObject,
  paths,
  pollUntil,
  snapshotApiVersion,
  stringField,
} from './resources.ts';

/** What deleting a retained snapshot needs (a `SnapshotRecord` has it; so does a backup's stored content). */
export interface RetainedSnapshot {
  driver: string;
  snapshotHandle: string;
  volumeSnapshotContentName: string;
  /** The class it was taken with, for the driver's deletion secrets; omitted when the class is gone. */
  snapshotClass?: string;
  /** The namespace of the PVC it was taken of: where to bind a VolumeSnapshot when the content is gone. */
  namespace?: string;
}

/** The outcome of deleting one snapshot. */
export type SnapshotDeletion =
  | { ok: true; snapshotHandle: string; via: 'content' | 'recreated-content' }
  | { ok: false; snapshotHandle: string; reason: string };

/** Options of `deleteSnapshots`. */
export interface DeleteSnapshotsOptions {
  /** How long one deletion may take, in ms. Default 2 minutes. */
  timeoutMs?: number;
  /** Deletions in flight at once. Default 4. */
  concurrency?: number;
  /**
   * Where to bind a temporary VolumeSnapshot to a content made for a snapshot whose content is gone (the
   * namespace Lifeboat runs in). Default: the snapshot's own `namespace`, when it still exists.
   */
  namespace?: string;
}

/**
 * Deletes each retained snapshot. Idempotent: a snapshot whose content and storage are already gone ends ok.
 *
 * @returns one outcome per snapshot, in order; failures carry a reason naming the content and handle.
 */
export async function deleteSnapshots(
  kube: KubeClient,
  snapshots: readonly RetainedSnapshot[],
  options: DeleteSnapshotsOptions = {},
): Promise<SnapshotDeletion[]> {
  const out: SnapshotDeletion[] = new Array(snapshots.length);
  let next = 0;
  const worker = async () => {
    while (next < snapshots.length) {
      const i = next++;
      const snapshot = snapshots[i] as RetainedSnapshot;
      try {
        out[i] = await deleteOne(kube, snapshot, Date.now() + (options.timeoutMs ?? 120_000), options);
      } catch (error) {
        out[i] = {
          ok: false,
          snapshotHandle: snapshot.snapshotHandle,
          reason: `the snapshot ${snapshot.snapshotHandle} (driver ${snapshot.driver}) could not be deleted: ${describeError(error)}`,
        };
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 4, snapshots.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return out;
}

async function deleteOne(
  kube: KubeClient,
  snapshot: RetainedSnapshot,
  deadline: number,
  options: DeleteSnapshotsOptions,
): Promise<SnapshotDeletion> {
  const { snapshotHandle } = snapshot;
  const content = await getObject(kube, paths.volumeSnapshotContent(snapshot.volumeSnapshotContentName));
  // A content of that name that holds another snapshot is not ours to delete (names are reused).
  if (content && handleOf(content) === snapshotHandle) {
    await mergePatchObject(kube, paths.volumeSnapshotContent(snapshot.volumeSnapshotContentName), {
      spec: { deletionPolicy: 'Delete' },
    });
    await deleteObject(kube, paths.volumeSnapshotContent(snapshot.volumeSnapshotContentName));
    if (!(await gone(kube, snapshot.volumeSnapshotContentName, deadline)))
      return timedOut(snapshot, snapshot.volumeSnapshotContentName);
    return { ok: true, snapshotHandle, via: 'content' };
  }

  // The content is gone: a content of the handle is pre-provisioned with a VolumeSnapshot bound to it, and the
  // VolumeSnapshot deleted. That is the one path on which the snapshot controller deletes a content and the CSI
  // snapshotter the snapshot: an unbound content is deleted without either (no finalizer guards it).
  const namespace = options.namespace ?? snapshot.namespace;
  if (namespace === undefined || !(await getObject(kube, paths.namespace(namespace))))
    return {
      ok: false,
      snapshotHandle,
      reason: `the snapshot ${snapshotHandle} (driver ${snapshot.driver}) has no VolumeSnapshotContent left and ${namespace === undefined ? 'no namespace was given' : `the namespace ${namespace} does not exist`} to bind a VolumeSnapshot to it in, for deletion: give the namespace Lifeboat runs in`,
    };
  const name = deletionContentName(snapshotHandle);
  const classExists =
    snapshot.snapshotClass !== undefined &&
    (await getObject(kube, paths.volumeSnapshotClass(snapshot.snapshotClass))) !== undefined;
  await createOrKeep(kube, paths.volumeSnapshotContents(), paths.volumeSnapshotContent(name), {
    apiVersion: snapshotApiVersion,
    kind: 'VolumeSnapshotContent',
    metadata: { name, labels: { [deletionLabel]: 'true' } },
    spec: {
      deletionPolicy: 'Delete',
      driver: snapshot.driver,
      source: { snapshotHandle },
      ...(classExists ? { volumeSnapshotClassName: snapshot.snapshotClass } : {}),
      volumeSnapshotRef: { apiVersion: snapshotApiVersion, kind: 'VolumeSnapshot', namespace, name },
    },
  });
  await createOrKeep(kube, paths.volumeSnapshots(namespace), paths.volumeSnapshot(namespace, name), {
    apiVersion: snapshotApiVersion,
    kind: 'VolumeSnapshot',
    metadata: { name, namespace, labels: { [deletionLabel]: 'true' } },
    spec: { source: { volumeSnapshotContentName: name } },
  });
  // Bound, and guarded: only a VolumeSnapshot that carries the controller's bound-protection finalizer when it
  // is deleted makes the controller delete its content (a content whose VolumeSnapshot vanished at once is
  // kept, to avoid losing data). Its status (ready, or an error when the storage no longer has the snapshot)
  // says the snapshotter has seen the content.
  const guarded = await pollUntil(deadline, async () => {
    const made = await getObject(kube, paths.volumeSnapshot(namespace, name));
    const status = made?.status as { readyToUse?: boolean; error?: unknown } | undefined;
    return made &&
      stringField(made, 'status', 'boundVolumeSnapshotContentName') === name &&
      hasBoundProtection(made) &&
      (status?.readyToUse === true || status?.error !== undefined)
      ? true
      : undefined;
  });
  if (!guarded) return timedOut(snapshot, name);
  await deleteObject(kube, paths.volumeSnapshot(namespace, name));
  if (!(await gone(kube, name, deadline))) return timedOut(snapshot, name);
  return { ok: true, snapshotHandle, via: 'recreated-content' };
}

/** Label on the objects made to delete a snapshot whose content was gone. */
const deletionLabel = 'lifeboat.io/snapshot-deletion';

/** Creates `object`, or keeps the one of its name an earlier attempt made. */
async function createOrKeep(
  kube: KubeClient,
  collection: string,
  path: string,
  object: object,
): Promise<void> {
  await createOrOwn(kube, collection, path, object, () => undefined);
}

function handleOf(content: KubeObject): string | undefined {
  return (
    stringField(content, 'status', 'snapshotHandle') ??
    stringField(content, 'spec', 'source', 'snapshotHandle')
  );
}

function gone(kube: KubeClient, contentName: string, deadline: number): Promise<boolean> {
  return waitGone(kube, paths.volumeSnapshotContent(contentName), deadline);
}

function timedOut(snapshot: RetainedSnapshot, contentName: string): SnapshotDeletion {
  return {
    ok: false,
    snapshotHandle: snapshot.snapshotHandle,
    reason: `the VolumeSnapshotContent ${contentName} of the snapshot ${snapshot.snapshotHandle} (driver ${snapshot.driver}) was not deleted in time: is the CSI snapshotter of ${snapshot.driver} running?`,
  };
}
