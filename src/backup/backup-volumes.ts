/**
 * A backup's volumes, from its volume info (`<name>-volumeinfo.json.gz`, Velero 1.18's format — Lifeboat's
 * backups and Velero's alike): what each PersistentVolume became (snapshotted, with the driver and handle, or
 * skipped with the reason), for describing a backup; and deleting a backup with its CSI snapshots.
 *
 * Deleting reads the snapshot handles first (the volume info is the only place they live), then deletes the
 * files, then the snapshots through the cluster the backup was taken of (docs/velero-format-notes.md,
 * "Deletion"). A snapshot that cannot be deleted is never dropped silently: the result names it (handle,
 * driver, PVC) with the reason, so the caller can say what is left in the storage.
 */
import {
  BackupMetadataError,
  backupKeys,
  decodeVolumeInfo,
  lifeboatDataMover,
  type VolumeInfo,
} from '../archive/index.ts';
import { describeError, KubeApiError, type KubeClient } from '../kube/index.ts';
import type { ObjectStore } from '../storage/index.ts';
// src/volumes is imported by the functions that use it: most commands that load this module (every
// `lifeboat backup` verb) never do, and loading it costs the command's start about 50 ms of CPU.
import type { DeleteSnapshotsOptions, RetainedSnapshot } from '../volumes/index.ts';
import { deleteBackup, readIfPresent } from './catalog.ts';

/** What happened to one volume of a backup, as users see it (the API, the console and `backup describe`). */
export interface BackupVolume {
  /** The PVC's namespace and name, and its PV (null when the volume info does not say). */
  namespace: string | null;
  pvc: string | null;
  pv: string | null;
  /** The snapshot's restore size in bytes; null when not snapshotted or unknown. */
  sizeBytes: number | null;
  /**
   * `copied`: its data was copied into the location's volume repository by Lifeboat's data mover (`detail`
   * names the repository snapshot; `snapshotHandle` is set when the CSI snapshot was kept too);
   * `snapshotted`: a CSI snapshot was taken and is kept with the backup; `failed`: a snapshot was attempted
   * and failed; `skipped`: not snapshotted, `detail` says why (for example not a CSI volume); `other`: backed
   * up by a method Lifeboat does not take (Velero's file-system or native snapshots), named in `detail`.
   */
  state: 'copied' | 'snapshotted' | 'failed' | 'skipped' | 'other';
  /** The CSI driver of the snapshot. */
  driver: string | null;
  /** The driver's id of the snapshot (an identifier, not a credential). */
  snapshotHandle: string | null;
  readyToUse: boolean | null;
  detail: string | null;
}

/**
 * The backup's volume info is not one Lifeboat can read (malformed or oversized). A deletion stops before
 * anything is deleted: the file names the snapshots that go with the backup.
 */
export class BackupVolumesUnreadableError extends BackupMetadataError {
  override readonly name: string = 'BackupVolumesUnreadableError';
  readonly backup: string;
  constructor(backup: string, file: string, cause: unknown) {
    super(
      `the volume info of backup "${backup}" (${file}) cannot be read: ${describeError(cause)} — it names the volume snapshots deleted with the backup, so the backup was kept; remove that file to delete the backup without its snapshots (delete them in the storage yourself)`,
      { file, cause },
    );
    this.backup = backup;
  }
}

/**
 * The volume info of backup `name`, read bounded; undefined when the backup has none (taken without disks,
 * or by a writer that does not record volumes). `BackupVolumesUnreadableError` when it is malformed or
 * oversized; the location's own error when it fails.
 */
export async function readBackupVolumeInfo(
  store: ObjectStore,
  name: string,
): Promise<VolumeInfo[] | undefined> {
  const key = backupKeys(name).volumeInfo;
  return readIfPresent(store, key, async (stream) => {
    try {
      return await decodeVolumeInfo(stream, key);
    } catch (error) {
      if (error instanceof BackupMetadataError) throw new BackupVolumesUnreadableError(name, key, error);
      throw error;
    }
  });
}

/** How each entry of a volume info reads for users: one `BackupVolume` per entry, in its order. */
export function backupVolumesOf(entries: readonly VolumeInfo[]): BackupVolume[] {
  return entries.map((entry) => {
    const csi = entry.csiSnapshotInfo;
    const moved = entry.snapshotDataMovementInfo;
    const volume: BackupVolume = {
      namespace: entry.pvcNamespace ?? null,
      pvc: entry.pvcName ?? null,
      pv: entry.pvName ?? null,
      sizeBytes: csi && csi.size > 0 ? csi.size : null,
      state: 'other',
      driver: csi?.driver ?? null,
      snapshotHandle: csi?.snapshotHandle || null,
      readyToUse: csi?.ReadyToUse ?? null,
      detail: null,
    };
    if (entry.skipped) {
      volume.state = 'skipped';
      // Velero's form: `approach: reason;` per approach.
      volume.detail = (entry.skippedReason ?? 'skipped')
        .split(';')
        .map((part) => part.trim())
        .filter(Boolean)
        .join('; ');
    } else if (entry.snapshotDataMoved && moved?.dataMover === lifeboatDataMover && moved.snapshotHandle) {
      volume.state = 'copied';
      if (moved.size > 0) volume.sizeBytes = moved.size;
      volume.detail = `data copied to the location (repository snapshot ${moved.snapshotHandle.slice(0, 12)})${
        csi?.snapshotHandle ? '; its CSI snapshot is kept too' : ''
      }`;
    } else if (entry.backupMethod === 'CSISnapshot') {
      volume.state = entry.result === 'failed' || !csi?.snapshotHandle ? 'failed' : 'snapshotted';
    } else volume.detail = entry.backupMethod ?? 'unknown method';
    return volume;
  });
}

/** One snapshot of a deleted backup, and whether it went. */
export interface SnapshotDeletionReport {
  snapshotHandle: string;
  driver: string;
  /** The PVC it was taken of, when the volume info says. */
  namespace?: string;
  pvc?: string;
  deleted: boolean;
  /** Why it is left in the storage (when not deleted). */
  reason?: string;
}

/** What deleting a backup did. */
export interface BackupDeletion {
  /** Objects removed from the location. */
  deletedObjects: number;
  /** Every snapshot the backup held, in the order of its volume info. */
  snapshots: SnapshotDeletionReport[];
  /** Those left in the storage, each with its reason: a caller must show them. */
  left: SnapshotDeletionReport[];
}

/** Options of `deleteBackupWithSnapshots`. */
export interface DeleteBackupOptions {
  /**
   * Opens a client of the cluster the backup was taken of. Called only when the backup holds snapshots, after
   * its files are deleted; when it throws, every snapshot is left, with the error as the reason.
   */
  openCluster: () => Promise<KubeClient>;
  /** How messages name that cluster, for example `cluster "prod"`. */
  clusterDescription: string;
  /**
   * Where a snapshot whose content and namespace are both gone is bound for deletion (a VolumeSnapshot made
   * and deleted there at once). Default `default`.
   */
  fallbackNamespace?: string;
  /** Tuning of the snapshot deletions (timeout, concurrency). */
  snapshots?: Omit<DeleteSnapshotsOptions, 'namespace'>;
}

/** The snapshot API: present in any cluster with CSI snapshots, so in the one a snapshot backup was taken of. */
const snapshotApiPath = '/apis/snapshot.storage.k8s.io/v1';

/**
 * Deletes backup `name` and its CSI snapshots: reads its volume info (bounded; none means no snapshots; an
 * unreadable one throws `BackupVolumesUnreadableError` and nothing is deleted), deletes its files
 * (`BackupNotFoundError` when it has none), then deletes each snapshot through `openCluster`'s client.
 * Idempotent: a snapshot already gone counts as deleted. Snapshot failures never throw: they are in `left`.
 */
export async function deleteBackupWithSnapshots(
  store: ObjectStore,
  name: string,
  options: DeleteBackupOptions,
): Promise<BackupDeletion> {
  const entries = (await readBackupVolumeInfo(store, name)) ?? [];
  const { retainedSnapshotsOf } = await import('../volumes/index.ts');
  const held = retainedSnapshotsOf(entries);
  const reports: SnapshotDeletionReport[] = held.map((snapshot) => {
    const entry = entries.find((e) => e.csiSnapshotInfo?.snapshotHandle === snapshot.snapshotHandle);
    return {
      snapshotHandle: snapshot.snapshotHandle,
      driver: snapshot.driver,
      ...(entry?.pvcNamespace ? { namespace: entry.pvcNamespace } : {}),
      ...(entry?.pvcName ? { pvc: entry.pvcName } : {}),
      deleted: false,
    };
  });
  const { deletedObjects } = await deleteBackup(store, name);
  if (held.length > 0) await deleteHeld(held, reports, options);
  return { deletedObjects, snapshots: reports, left: reports.filter((report) => !report.deleted) };
}

async function deleteHeld(
  held: RetainedSnapshot[],
  reports: SnapshotDeletionReport[],
  options: DeleteBackupOptions,
): Promise<void> {
  const leaveAll = (reason: string) => {
    for (const report of reports) report.reason = reason;
  };
  let kube: KubeClient;
  try {
    kube = await options.openCluster();
  } catch (error) {
    leaveAll(`${options.clusterDescription} cannot be used to delete it: ${describeError(error)}`);
    return;
  }
  try {
    try {
      await kube.request({ method: 'GET', path: snapshotApiPath });
    } catch (error) {
      leaveAll(
        error instanceof KubeApiError && error.status === 404
          ? `${options.clusterDescription} (${kube.server}) has no CSI snapshot API (snapshot.storage.k8s.io/v1): is it the cluster the backup was taken of?`
          : `${options.clusterDescription} (${kube.server}) could not be reached: ${describeError(error)}`,
      );
      return;
    }
    const snapshots = await withBindableNamespaces(kube, held, options.fallbackNamespace ?? 'default');
    const { deleteSnapshots } = await import('../volumes/index.ts');
    const outcomes = await deleteSnapshots(kube, snapshots, options.snapshots ?? {});
    outcomes.forEach((outcome, i) => {
      const report = reports[i] as SnapshotDeletionReport;
      if (outcome.ok) report.deleted = true;
      else report.reason = outcome.reason;
    });
  } finally {
    await kube.close().catch(() => undefined);
  }
}

/**
 * The snapshots, each with a namespace that exists to bind a VolumeSnapshot in should its content be gone: its
 * PVC's namespace while it exists (the workload's own), else `fallback` (a restored or deleted workload's
 * namespace may be gone; Velero uses a made-up one, which the snapshot controller cannot bind in).
 */
async function withBindableNamespaces(
  kube: KubeClient,
  snapshots: RetainedSnapshot[],
  fallback: string,
): Promise<RetainedSnapshot[]> {
  const exists = new Map<string, Promise<boolean>>();
  const check = (namespace: string) => {
    let found = exists.get(namespace);
    if (!found) {
      found = kube
        .request({ method: 'GET', path: `/api/v1/namespaces/${encodeURIComponent(namespace)}` })
        .then(
          () => true,
          // Only a namespace known to be gone is replaced; on any other answer the snapshot keeps its own.
          (error: unknown) => !(error instanceof KubeApiError && error.status === 404),
        );
      exists.set(namespace, found);
    }
    return found;
  };
  const out: RetainedSnapshot[] = [];
  for (const snapshot of snapshots) {
    if (snapshot.namespace !== undefined && (await check(snapshot.namespace))) out.push(snapshot);
    else out.push({ ...snapshot, namespace: fallback });
  }
  return out;
}
