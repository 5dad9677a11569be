/**
 * A retained snapshot turned back into a source a PVC can be provisioned from, for a restore: a
 * VolumeSnapshotContent pre-provisioned from the snapshot's handle (Retain, so the snapshot outlives it) and a
 * VolumeSnapshot bound to it in the claim's namespace, as Velero's restore makes them. Once the claim is
 * Bound both are removed again: the snapshot stays in the storage for the next restore, and the workload's
 * namespace keeps no VolumeSnapshot it never had.
 */
import { KubeApiError, type KubeClient } from '../kube/index.ts';
import { SnapshotClassError } from './errors.ts';
import { hashedName } from './names.ts';
import { createOrOwn, waitGone } from './owned-objects.ts';
import {
  deleteObject,
  getObject,
  mergePatchObject,
  paths,
  pollUntil,
  snapshotApiVersion,
  stringField,
} from './resources.ts';
import { snapshotClassFor } from './snapshot-class.ts';

/** A snapshot recorded by a backup, as a restore needs it. */
export interface SnapshotSource {
  /** The CSI driver that took it (`spec.driver` of the recorded content). */
  driver: string;
  /** The driver's id of the snapshot. */
  snapshotHandle: string;
  /** `spec.sourceVolumeMode` of the recorded content, when it had one. */
  sourceVolumeMode?: string;
}

/** What `provisionSource` makes: a VolumeSnapshot and its content, both named `name`. */
export interface SourceSpec {
  namespace: string;
  /** Name of the VolumeSnapshot (in `namespace`) and of the VolumeSnapshotContent (cluster-wide). */
  name: string;
  source: SnapshotSource;
  /** Labels put on both (the restore's and the backup's names). */
  labels: Record<string, string>;
}

/** Whether a source is ready to provision from, or why not. */
export type SourceReadiness = { ok: true } | { ok: false; timedOut: boolean; reason: string };

/**
 * The name of the VolumeSnapshot and VolumeSnapshotContent a restore makes for one recorded snapshot:
 * `lb-r-<restore>-<snapshot>-<hash>`, at most 63 characters, the same on a re-run of the same restore, and
 * different for another restore, namespace or snapshot (the hash is of all three). Velero names both
 * `sha256(restoreUID/vsName)`; a restore's uid does not survive a re-run, its name does.
 */
export function restoreSourceName(restore: string, namespace: string, volumeSnapshot: string): string {
  // 63 ≥ 'lb-r-' (5) + restore (≤22) + '-' + snapshot (≤22) + '-' + hash (10).
  return hashedName('lb-r', [restore, volumeSnapshot], 22, [restore, namespace, volumeSnapshot]);
}

/**
 * The VolumeSnapshotClass to name on a pre-provisioned content of `driver` (its secrets are the driver's
 * credentials for the snapshot): the one snapshots of that driver are taken with, else the first of its
 * classes by name (Velero takes the first class of the driver), else none.
 */
export async function restoreSnapshotClass(kube: KubeClient, driver: string): Promise<string | undefined> {
  try {
    return (await snapshotClassFor(kube, driver)).metadata.name;
  } catch (error) {
    if (error instanceof SnapshotClassError) return [...error.candidates].sort()[0];
    // No snapshot API at all: the content is made without a class, and its creation says what is missing.
    if (error instanceof KubeApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** Thrown when an object of a source's name exists and is not this restore's: the message says what to delete. */
export class SourceConflictError extends Error {
  override readonly name = 'SourceConflictError';
}

/**
 * Creates the content (Retain, from the handle, bound to the VolumeSnapshot to be) and the VolumeSnapshot
 * bound to it. A re-run of the same restore finds its own objects and keeps them.
 *
 * @throws SourceConflictError when an object of that name holds another snapshot; KubeApiError otherwise.
 */
export async function provisionSource(kube: KubeClient, spec: SourceSpec): Promise<void> {
  const { namespace, name, source, labels } = spec;
  const snapshotClass = await restoreSnapshotClass(kube, source.driver);
  const content = {
    apiVersion: snapshotApiVersion,
    kind: 'VolumeSnapshotContent',
    metadata: { name, labels },
    spec: {
      deletionPolicy: 'Retain',
      driver: source.driver,
      source: { snapshotHandle: source.snapshotHandle },
      ...(source.sourceVolumeMode ? { sourceVolumeMode: source.sourceVolumeMode } : {}),
      ...(snapshotClass ? { volumeSnapshotClassName: snapshotClass } : {}),
      volumeSnapshotRef: { apiVersion: snapshotApiVersion, kind: 'VolumeSnapshot', namespace, name },
    },
  };
  const contentConflict = await createOrOwn(
    kube,
    paths.volumeSnapshotContents(),
    paths.volumeSnapshotContent(name),
    content,
    (live) =>
      stringField(live, 'spec', 'source', 'snapshotHandle') === source.snapshotHandle &&
      stringField(live, 'spec', 'volumeSnapshotRef', 'namespace') === namespace
        ? undefined
        : `a VolumeSnapshotContent named ${name} that holds another snapshot exists: delete it and restore again`,
  );
  if (contentConflict) throw new SourceConflictError(contentConflict);
  const snapshot = {
    apiVersion: snapshotApiVersion,
    kind: 'VolumeSnapshot',
    metadata: { name, namespace, labels },
    spec: { source: { volumeSnapshotContentName: name } },
  };
  const snapshotConflict = await createOrOwn(
    kube,
    paths.volumeSnapshots(namespace),
    paths.volumeSnapshot(namespace, name),
    snapshot,
    (live) =>
      stringField(live, 'spec', 'source', 'volumeSnapshotContentName') === name
        ? undefined
        : `a VolumeSnapshot named ${name} that is not this restore's exists in namespace ${namespace}: delete it and restore again`,
  );
  if (snapshotConflict) throw new SourceConflictError(snapshotConflict);
}

/** The error the snapshot controllers report on a source (VolumeSnapshot first, then its content). */
async function sourceError(kube: KubeClient, namespace: string, name: string): Promise<string | undefined> {
  const snapshot = await getObject(kube, paths.volumeSnapshot(namespace, name));
  const fromSnapshot = stringField(snapshot, 'status', 'error', 'message');
  if (fromSnapshot) return fromSnapshot.slice(0, 1000);
  const content = await getObject(kube, paths.volumeSnapshotContent(name));
  return stringField(content, 'status', 'error', 'message')?.slice(0, 1000);
}

/**
 * Waits until the VolumeSnapshot of a source is ReadyToUse: the driver has found the snapshot of the handle.
 * An error the controllers report counts once it has stood `errorGraceMs` (they also report passing
 * conflicts), so a handle the storage does not have fails in seconds rather than at the deadline.
 */
export async function waitSourceReady(
  kube: KubeClient,
  namespace: string,
  name: string,
  options: { deadline: number; errorGraceMs?: number; pollIntervalMs?: number },
): Promise<SourceReadiness> {
  const grace = options.errorGraceMs ?? 5000;
  let errorSince: number | undefined;
  let message: string | undefined;
  const outcome = await pollUntil(
    options.deadline,
    async (): Promise<SourceReadiness | undefined> => {
      const snapshot = await getObject(kube, paths.volumeSnapshot(namespace, name));
      if (!snapshot)
        return { ok: false, timedOut: false, reason: `the VolumeSnapshot ${namespace}/${name} was deleted` };
      if ((snapshot.status as { readyToUse?: unknown } | undefined)?.readyToUse === true) return { ok: true };
      const error = await sourceError(kube, namespace, name);
      if (error === undefined) errorSince = undefined;
      else {
        message = error;
        errorSince ??= Date.now();
        if (Date.now() - errorSince >= grace) return { ok: false, timedOut: false, reason: error };
      }
      return undefined;
    },
    options.pollIntervalMs ?? 500,
  );
  return (
    outcome ?? {
      ok: false,
      timedOut: true,
      reason: message ?? 'the snapshot controller did not mark it ready to use',
    }
  );
}

/**
 * Removes a source: the VolumeSnapshot first (waiting until it is gone: the controller holds it while a
 * claim is still being provisioned from it), then its content, which is made sure to be Retain so the
 * snapshot in the storage survives. Objects already gone are not an error.
 *
 * @returns whether both are gone within `timeoutMs`.
 */
export async function removeSource(
  kube: KubeClient,
  namespace: string,
  name: string,
  timeoutMs = 60_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const content = await getObject(kube, paths.volumeSnapshotContent(name));
  if (content && stringField(content, 'spec', 'deletionPolicy') !== 'Retain')
    await mergePatchObject(kube, paths.volumeSnapshotContent(name), { spec: { deletionPolicy: 'Retain' } });
  await deleteObject(kube, paths.volumeSnapshot(namespace, name));
  if (!(await waitGone(kube, paths.volumeSnapshot(namespace, name), deadline))) return false;
  await deleteObject(kube, paths.volumeSnapshotContent(name));
  return waitGone(kube, paths.volumeSnapshotContent(name), deadline);
}
