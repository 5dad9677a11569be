/**
 * Taking a backup's CSI snapshots: one VolumeSnapshot per PVC, started together (bounded), waited for until
 * ReadyToUse, then kept beyond the VolumeSnapshot object (content set to Retain, VolumeSnapshot deleted).
 * One failure never stops the others: each PVC ends as a record or a failure with its reason.
 */
import { describeError, type KubeClient, type KubeObject, mapLimit } from '../kube/index.ts';
import { csiVolumeOf } from './csi-volume.ts';
import { SnapshotInputError } from './errors.ts';
import { labelValue, lifeboatBackupLabel, veleroBackupLabel, volumeSnapshotName } from './names.ts';
import { createOrOwn, waitGone } from './owned-objects.ts';
import { defaultTimeoutMs, discard, waitReady } from './readiness.ts';
import {
  deleteObject,
  getObject,
  mergePatchObject,
  paths,
  snapshotApiVersion,
  stringField,
} from './resources.ts';
import { snapshotClassFor } from './snapshot-class.ts';

/** A PVC to snapshot. */
export interface SnapshotRequest {
  namespace: string;
  pvc: string;
}

/** How far a `takeSnapshots` call is: for "snapshotting N volumes" progress. */
export interface SnapshotProgress {
  total: number;
  ready: number;
  failed: number;
}

/** Options of `takeSnapshots`. */
export interface TakeSnapshotsOptions {
  /** The backup the snapshots belong to: names and labels of the VolumeSnapshots come from it. */
  backupName: string;
  /** Snapshots in flight at once. Default 32: a snapshot mostly waits on the controllers, so all of a backup go together. */
  concurrency?: number;
  /** How long one snapshot may take from creation to ReadyToUse, in ms. Default 10 minutes. */
  timeoutMs?: number;
  /** How long an error the driver reports may stand before it counts as final, in ms. Default 5 s. */
  errorGraceMs?: number;
  /** Polling interval, in ms. Default 500. */
  pollIntervalMs?: number;
  /** Called whenever a snapshot becomes ready or fails. */
  onProgress?: (progress: SnapshotProgress) => void;
}

/** A snapshot taken and retained: what the backup records (Velero's items and volume info come from it). */
export interface SnapshotRecord {
  ok: true;
  namespace: string;
  pvc: string;
  driver: string;
  snapshotClass: string;
  volumeSnapshotName: string;
  volumeSnapshotContentName: string;
  /** The driver's id of the snapshot: what a restore pre-provisions a content from. */
  snapshotHandle: string;
  /** The size a volume restored from it needs (a quantity such as `10Mi`), when the driver says. */
  restoreSize?: string;
  /** When the snapshot was cut (`status.creationTime` of the VolumeSnapshot), ISO 8601. */
  readyTime?: string;
  /** The VolumeSnapshot as read when ready, before it was deleted (raw JSON). */
  volumeSnapshot: KubeObject;
  /** The VolumeSnapshotContent as patched to Retain and labelled with the backup (raw JSON). */
  volumeSnapshotContent: KubeObject;
  /** The VolumeSnapshotClass used (raw JSON). */
  volumeSnapshotClass: KubeObject;
  /** The PV of the PVC (raw JSON). */
  persistentVolume: KubeObject;
}

/** A PVC whose snapshot could not be taken; `reason` names the PVC and, when it said one, the driver's message. */
export interface SnapshotFailure {
  ok: false;
  namespace: string;
  pvc: string;
  driver?: string;
  reason: string;
}

/**
 * Snapshots each PVC of `requests` with its driver's VolumeSnapshotClass and retains the snapshots beyond
 * their VolumeSnapshot objects.
 *
 * @returns one outcome per request, in order: a `SnapshotRecord` or a `SnapshotFailure`.
 * @throws SnapshotInputError when the backup name is empty (nothing else throws: failures are outcomes).
 */
export async function takeSnapshots(
  kube: KubeClient,
  requests: readonly SnapshotRequest[],
  options: TakeSnapshotsOptions,
): Promise<(SnapshotRecord | SnapshotFailure)[]> {
  if (!options.backupName) throw new SnapshotInputError('snapshots need the name of their backup');
  const progress: SnapshotProgress = { total: requests.length, ready: 0, failed: 0 };
  const classes = new Map<string, Promise<KubeObject>>();
  const classOf = (driver: string) => {
    let found = classes.get(driver);
    if (!found) {
      found = snapshotClassFor(kube, driver);
      found.catch(() => {});
      classes.set(driver, found);
    }
    return found;
  };
  return mapLimit(requests, options.concurrency ?? 32, async (request) => {
    let outcome: SnapshotRecord | SnapshotFailure;
    try {
      outcome = await takeOne(kube, request, options, classOf);
    } catch (error) {
      outcome = {
        ok: false,
        ...request,
        reason: `the snapshot of the claim ${request.namespace}/${request.pvc} failed: ${describeError(error)}`,
      };
    }
    if (outcome.ok) progress.ready++;
    else progress.failed++;
    options.onProgress?.({ ...progress });
    return outcome;
  });
}

async function takeOne(
  kube: KubeClient,
  request: SnapshotRequest,
  options: TakeSnapshotsOptions,
  classOf: (driver: string) => Promise<KubeObject>,
): Promise<SnapshotRecord | SnapshotFailure> {
  const claim = `${request.namespace}/${request.pvc}`;
  const fail = (reason: string, driver?: string): SnapshotFailure => ({
    ok: false,
    ...request,
    ...(driver === undefined ? {} : { driver }),
    reason,
  });
  const pvc = await getObject(kube, paths.pvc(request.namespace, request.pvc));
  if (!pvc) return fail(`the claim ${claim} does not exist`);
  const volume = await csiVolumeOf(kube, pvc);
  if (!volume.csi) return fail(volume.reason);
  const driver = volume.driver;
  let snapshotClass: KubeObject;
  try {
    snapshotClass = await classOf(driver);
  } catch (error) {
    return fail(`the claim ${claim} cannot be snapshotted: ${describeError(error)}`, driver);
  }
  const name = volumeSnapshotName(options.backupName, request.namespace, request.pvc);
  const labels = {
    [veleroBackupLabel]: labelValue(options.backupName),
    [lifeboatBackupLabel]: labelValue(options.backupName),
  };
  const started = Date.now();
  // A re-run of the same backup finds its own VolumeSnapshot: take it over; anything else is a conflict.
  const conflict = await createOrOwn(
    kube,
    paths.volumeSnapshots(request.namespace),
    paths.volumeSnapshot(request.namespace, name),
    {
      apiVersion: snapshotApiVersion,
      kind: 'VolumeSnapshot',
      metadata: { name, namespace: request.namespace, labels },
      spec: {
        volumeSnapshotClassName: snapshotClass.metadata.name,
        source: { persistentVolumeClaimName: request.pvc },
      },
    },
    (existing) =>
      existing.metadata.labels?.[lifeboatBackupLabel] === labels[lifeboatBackupLabel] &&
      stringField(existing, 'spec', 'source', 'persistentVolumeClaimName') === request.pvc
        ? undefined
        : `the claim ${claim} cannot be snapshotted: a VolumeSnapshot named ${name} that this backup did not create is in the namespace; delete it`,
  );
  if (conflict) return fail(conflict, driver);

  const ready = await waitReady(kube, request.namespace, name, started, options);
  if (!ready.ok) {
    await discard(kube, request.namespace, name);
    const message = ready.message ? `: the driver ${driver} says: ${ready.message}` : '';
    return fail(
      ready.timedOut
        ? `the snapshot of the claim ${claim} (driver ${driver}) was not ready to use within ${Math.round((options.timeoutMs ?? defaultTimeoutMs) / 1000)} s${message}`
        : `the snapshot of the claim ${claim} failed${message}`,
      driver,
    );
  }
  const { snapshot, contentName, handle } = ready;
  // The snapshot must outlive the VolumeSnapshot: Retain first, then the VolumeSnapshot can go.
  // Labelled with the backup as Velero labels it: Velero deletes a backup's snapshots only through contents
  // that carry its label.
  const content = await mergePatchObject(kube, paths.volumeSnapshotContent(contentName), {
    metadata: { labels },
    spec: { deletionPolicy: 'Retain' },
  });
  await deleteObject(kube, paths.volumeSnapshot(request.namespace, name));
  // The snapshot controller removes its finalizers within moments; the workload's namespace is left clean.
  await waitGone(kube, paths.volumeSnapshot(request.namespace, name), Date.now() + 30_000);
  const record: SnapshotRecord = {
    ok: true,
    ...request,
    driver,
    snapshotClass: snapshotClass.metadata.name,
    volumeSnapshotName: name,
    volumeSnapshotContentName: contentName,
    snapshotHandle: handle,
    volumeSnapshot: snapshot,
    volumeSnapshotContent: content,
    volumeSnapshotClass: snapshotClass,
    persistentVolume: volume.persistentVolume,
  };
  const restoreSize = stringField(snapshot, 'status', 'restoreSize');
  if (restoreSize !== undefined) record.restoreSize = restoreSize;
  const readyTime = stringField(snapshot, 'status', 'creationTime');
  if (readyTime !== undefined) record.readyTime = readyTime;
  return record;
}
