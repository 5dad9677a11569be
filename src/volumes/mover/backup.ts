/**
 * Moving a snapshot's data into the location's repository: the retained CSI snapshot becomes a source again
 * (a VolumeSnapshot and content pre-provisioned from its handle), a temporary claim is provisioned from it
 * in the claim's namespace, a mover pod mounts it read-only and backs its files up, and then the pod, its
 * Secret, the claim and the source are removed — the snapshot itself stays for the caller to keep or delete.
 */
import { describeError, KubeApiError, type KubeClient } from '../../kube/index.ts';
import { claimEventReason } from '../claim-binding.ts';
import { hashedName, labelValue, lifeboatBackupLabel, veleroBackupLabel } from '../names.ts';
import { createObject, deleteObject, paths, stringField } from '../resources.ts';
import { provisionSource, removeSource, waitSourceReady } from '../restore-source.ts';
import type { SnapshotRecord } from '../take.ts';
import type { AwsSession, MoverJob, MoverProgress } from './job.ts';
import { type MoverOutcome, type MoverResources, runMoverPod } from './pod.ts';

/** Label of every object a mover run creates (pods, Secrets, temporary claims and sources). */
export const moverLabel = 'lifeboat.io/mover';
/** Velero's label that keeps an object out of backups (Lifeboat honours it too). */
const excludeLabel = 'velero.io/exclude-from-backup';

/** Where and how the mover pods of a run work. */
export interface MoverSettings {
  /** The image mover pods run: the control plane's own Lifeboat image. */
  image: string;
  /** The location, as its store is opened (secrets included); it reaches the pod only in its Secret. */
  store: Record<string, unknown>;
  /** The repository secret. */
  secret: Buffer;
  /**
   * For a location whose role only the control plane can assume: a session of it for one pod, asked for as
   * the pod is made so it lasts as long as the pod may (see control/data-mover.ts).
   */
  awsSession?: () => Promise<AwsSession>;
  resources?: MoverResources;
  /** How long one volume may take, from the first object made to the pod's end, in ms. */
  timeoutMs: number;
  pollIntervalMs?: number;
  signal?: AbortSignal;
}

/** Options of moving one snapshot. */
export interface MoveSnapshotOptions extends MoverSettings {
  backupName: string;
  /** The cluster's name, as the snapshot's tag (deduplication and parents are per cluster, claim). */
  cluster: string;
  onProgress?: (progress: MoverProgress) => void;
}

/** One snapshot moved, or why not. */
export type MovedSnapshot =
  | (Extract<MoverOutcome, { ok: true }> & { claim: string })
  | { ok: false; claim: string; reason: string };

/** The name of everything a mover run makes for one claim: `lb-m-<backup>-<pvc>-<hash>`, ≤ 63 characters. */
export function moverName(kind: 'b' | 'r', run: string, namespace: string, pvc: string): string {
  // 63 ≥ 'lb-mb' (5) + run (≤22) + '-' + pvc (≤22) + '-' + hash (10).
  return hashedName(`lb-m${kind}`, [run, pvc], 22, [kind, run, namespace, pvc]);
}

/** Labels of the objects a mover run makes for a backup. */
export function moverLabels(kind: 'backup' | 'restore', run: string): Record<string, string> {
  const labels: Record<string, string> = {
    'app.kubernetes.io/managed-by': 'lifeboat',
    [moverLabel]: kind,
    [excludeLabel]: 'true',
  };
  if (kind === 'backup') {
    labels[lifeboatBackupLabel] = labelValue(run);
    labels[veleroBackupLabel] = labelValue(run);
  } else labels['lifeboat.io/restore-name'] = labelValue(run);
  return labels;
}

/**
 * Copies the files of `record`'s snapshot into the repository. Never throws for what happens in the
 * cluster: the outcome names the claim and the reason. The snapshot is left as it was (retained).
 */
export async function moveSnapshot(
  kube: KubeClient,
  record: SnapshotRecord,
  options: MoveSnapshotOptions,
): Promise<MovedSnapshot> {
  const claim = `${record.namespace}/${record.pvc}`;
  const fail = (reason: string): MovedSnapshot => ({ ok: false, claim, reason });
  if (stringField(record.volumeSnapshotContent, 'spec', 'sourceVolumeMode') === 'Block')
    return fail(
      `the volume of the claim ${claim} is a raw block device: its data cannot be copied file by file (the CSI snapshot is kept)`,
    );
  const name = moverName('b', options.backupName, record.namespace, record.pvc);
  const labels = moverLabels('backup', options.backupName);
  const deadline = Date.now() + options.timeoutMs;
  try {
    await provisionSource(kube, {
      namespace: record.namespace,
      name,
      source: {
        driver: record.driver,
        snapshotHandle: record.snapshotHandle,
      },
      labels,
    });
    const ready = await waitSourceReady(kube, record.namespace, name, { deadline });
    if (!ready.ok) return fail(`the snapshot of the claim ${claim} could not be mounted: ${ready.reason}`);
    await createTemporaryClaim(kube, record, name, labels);
    const tags = { cluster: options.cluster, namespace: record.namespace, pvc: record.pvc };
    const job: MoverJob = {
      version: 1,
      operation: 'backup',
      store: options.store,
      secret: options.secret.toString('base64'),
      ...(options.awsSession ? { awsSession: await options.awsSession() } : {}),
      tags: { ...tags, backup: options.backupName },
      parentTags: tags,
    };
    const outcome = await runMoverPod(kube, {
      namespace: record.namespace,
      name,
      image: options.image,
      claim: name,
      readOnly: true,
      job,
      labels,
      ...(options.resources ? { resources: options.resources } : {}),
      timeoutMs: Math.max(1000, deadline - Date.now()),
      ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (outcome.ok) return { ...outcome, claim };
    const event = await claimEventReason(kube, record.namespace, name).catch(() => undefined);
    return fail(
      `the data of the claim ${claim} was not copied: ${outcome.reason}${event ? ` (its temporary claim: ${event})` : ''}`,
    );
  } catch (error) {
    return fail(`the data of the claim ${claim} was not copied: ${describeError(error)}`);
  } finally {
    await deleteObject(kube, paths.pvc(record.namespace, name)).catch(() => undefined);
    await removeSource(kube, record.namespace, name).catch(() => false);
  }
}

/** A claim provisioned from the source, of the original claim's class and the snapshot's size. */
async function createTemporaryClaim(
  kube: KubeClient,
  record: SnapshotRecord,
  name: string,
  labels: Record<string, string>,
): Promise<void> {
  const storageClass = stringField(record.persistentVolume, 'spec', 'storageClassName');
  const size =
    record.restoreSize ?? stringField(record.persistentVolume, 'spec', 'capacity', 'storage') ?? '1Gi';
  const collection = `/api/v1/namespaces/${encodeURIComponent(record.namespace)}/persistentvolumeclaims`;
  // A claim of this name is left from a run that was cut off, provisioned from the same source: kept.
  await createObject(kube, collection, {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: record.namespace, labels },
    spec: {
      accessModes: ['ReadWriteOnce'],
      ...(storageClass ? { storageClassName: storageClass } : {}),
      resources: { requests: { storage: size } },
      dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name },
    },
  }).catch((error: unknown) => {
    if (!(error instanceof KubeApiError && error.status === 409)) throw error;
  });
}
