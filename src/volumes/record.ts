/**
 * How a backup records its snapshots, the way Velero 1.18 does (docs/velero-format-notes.md, "CSI
 * snapshots"): the PVC item carries `velero.io/volume-snapshot-name`; the VolumeSnapshot, its content and its
 * class are items of the tarball (the VolumeSnapshot as it was once ready, with Velero's annotations); the
 * volume info says, per PersistentVolume, whether it was snapshotted (with the handle) or why not. Velero's
 * restore reads exactly these, and so does Lifeboat's.
 */
import { lifeboatDataMover, type VolumeInfo } from '../archive/index.ts';
import type { KubeObject } from '../kube/index.ts';
import type { RetainedSnapshot } from './delete.ts';
import { labelValue, veleroBackupLabel } from './names.ts';
import { field, stringField } from './resources.ts';
import type { SnapshotRecord } from './take.ts';

/** Velero's annotations and labels on snapshot items (pkg/apis/velero/v1/labels_annotations.go). */
export const veleroSnapshot = {
  /** On the PVC item (annotation and label): the VolumeSnapshot its data is in. */
  volumeSnapshotName: 'velero.io/volume-snapshot-name',
  handle: 'velero.io/csi-volumesnapshot-handle',
  driver: 'velero.io/csi-driver-name',
  restoreSize: 'velero.io/csi-volumesnapshot-restore-size',
  deletionPolicy: 'velero.io/csi-vsc-deletion-policy',
} as const;

/** A PV of the backup that was not snapshotted, and why (for the volume info and the warnings). */
export interface SkippedVolume {
  namespace: string;
  pvc: string;
  /** The PV, when the claim is bound. */
  persistentVolume?: KubeObject;
  reason: string;
}

/** The PVC item with the annotation and labels Velero's restore looks for (a copy; `pvc` is unchanged). */
export function annotateClaim(pvc: KubeObject, record: SnapshotRecord, backupName: string): KubeObject {
  const metadata = { ...pvc.metadata };
  metadata.annotations = {
    ...metadata.annotations,
    [veleroSnapshot.volumeSnapshotName]: record.volumeSnapshotName,
  };
  metadata.labels = {
    ...metadata.labels,
    [veleroSnapshot.volumeSnapshotName]: record.volumeSnapshotName,
    [veleroBackupLabel]: labelValue(backupName),
  };
  return { ...pvc, metadata };
}

/** The tarball items of one snapshot: the VolumeSnapshot (as ready, annotated), its content and its class. */
export function snapshotItems(record: SnapshotRecord): {
  volumeSnapshot: KubeObject;
  volumeSnapshotContent: KubeObject;
  volumeSnapshotClass: KubeObject;
} {
  const snapshot = record.volumeSnapshot;
  const annotations: Record<string, string> = {
    ...snapshot.metadata.annotations,
    [veleroSnapshot.handle]: record.snapshotHandle,
    [veleroSnapshot.driver]: record.driver,
    [veleroSnapshot.deletionPolicy]:
      stringField(record.volumeSnapshotContent, 'spec', 'deletionPolicy') ?? 'Retain',
  };
  if (record.restoreSize !== undefined) annotations[veleroSnapshot.restoreSize] = record.restoreSize;
  // The item is the VolumeSnapshot as it was while it existed: no deletion marks from its removal.
  const {
    deletionTimestamp: _d,
    deletionGracePeriodSeconds: _g,
    ...metadata
  } = snapshot.metadata as Record<string, unknown>;
  return {
    volumeSnapshot: { ...snapshot, metadata: { ...metadata, annotations } as KubeObject['metadata'] },
    volumeSnapshotContent: record.volumeSnapshotContent,
    volumeSnapshotClass: record.volumeSnapshotClass,
  };
}

/** Bytes of a quantity such as `10Mi`, `1G` or `1048576`; undefined when it is not one. */
export function quantityBytes(quantity: string | undefined): number | undefined {
  if (quantity === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(quantity.trim());
  if (!match) return undefined;
  const powers: Record<string, number> = {
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
  };
  return Math.round(Number(match[1]) * (match[2] ? (powers[match[2]] ?? 1) : 1));
}

function pvInfo(pv: KubeObject | undefined): VolumeInfo['pvInfo'] {
  if (!pv) return undefined;
  return {
    reclaimPolicy: stringField(pv, 'spec', 'persistentVolumeReclaimPolicy') ?? '',
    labels: pv.metadata.labels ?? null,
  };
}

/** A snapshot's data copied into the location's repository by the data mover. */
export interface MovedData {
  /** The snapshot's id in the repository. */
  snapshotId: string;
  /** Bytes of file contents moved. */
  logicalBytes: number;
  /** Whether the CSI snapshot is kept beside the moved data (else it was deleted once the data was moved). */
  snapshotKept: boolean;
}

/** The key of a claim in the maps of a backup's volumes. */
export const claimKey = (namespace: string, pvc: string): string => `${namespace}/${pvc}`;

/**
 * The backup's volume info, in Velero's order (skipped volumes first, then CSI snapshots): one entry per
 * snapshotted PV with its handle, one per PV left out with the reason (approach `csiSnapshot`, as Velero
 * words it).
 */
export function volumeInfoOf(
  records: readonly SnapshotRecord[],
  skipped: readonly SkippedVolume[],
  completed: Date,
  moved: ReadonlyMap<string, MovedData> = new Map(),
): VolumeInfo[] {
  const entries: VolumeInfo[] = [];
  for (const volume of skipped) {
    const entry: VolumeInfo = {
      pvcName: volume.pvc,
      pvcNamespace: volume.namespace,
      snapshotDataMoved: false,
      preserveLocalSnapshot: false,
      skipped: true,
      skippedReason: `csiSnapshot: ${volume.reason};`,
    };
    if (volume.persistentVolume) entry.pvName = volume.persistentVolume.metadata.name;
    const info = pvInfo(volume.persistentVolume);
    if (info) entry.pvInfo = info;
    entries.push(entry);
  }
  for (const record of records) {
    const entry: VolumeInfo = {
      pvcName: record.pvc,
      pvcNamespace: record.namespace,
      pvName: record.persistentVolume.metadata.name,
      backupMethod: 'CSISnapshot',
      snapshotDataMoved: false,
      preserveLocalSnapshot: true,
      skipped: false,
      completionTimestamp: completed.toISOString(),
      result: 'succeeded',
      csiSnapshotInfo: {
        snapshotHandle: record.snapshotHandle,
        size: quantityBytes(record.restoreSize) ?? 0,
        driver: record.driver,
        vscName: record.volumeSnapshotContentName,
        ReadyToUse: true,
      },
    };
    if (record.readyTime !== undefined) entry.startTimestamp = record.readyTime;
    const data = moved.get(claimKey(record.namespace, record.pvc));
    if (data) {
      // As Velero records its own data mover's uploads; the snapshot's handle stays only while it exists.
      entry.snapshotDataMoved = true;
      entry.preserveLocalSnapshot = data.snapshotKept;
      entry.snapshotDataMovementInfo = {
        dataMover: lifeboatDataMover,
        uploaderType: lifeboatDataMover,
        retainedSnapshot: data.snapshotKept ? record.volumeSnapshotName : '',
        snapshotHandle: data.snapshotId,
        size: data.logicalBytes,
        phase: 'Completed',
      };
      if (!data.snapshotKept) delete entry.csiSnapshotInfo;
    }
    const info = pvInfo(record.persistentVolume);
    if (info) entry.pvInfo = info;
    entries.push(entry);
  }
  return entries;
}

/**
 * The snapshots a backup holds, from its volume info (Lifeboat's or Velero's): what deleting the backup must
 * delete. Entries without a CSI snapshot handle are not snapshots.
 */
export function retainedSnapshotsOf(entries: readonly VolumeInfo[]): RetainedSnapshot[] {
  const out: RetainedSnapshot[] = [];
  for (const entry of entries) {
    const csi = entry.csiSnapshotInfo;
    if (entry.backupMethod !== 'CSISnapshot' || !csi?.snapshotHandle) continue;
    const snapshot: RetainedSnapshot = {
      driver: csi.driver,
      snapshotHandle: csi.snapshotHandle,
      volumeSnapshotContentName: csi.vscName,
    };
    if (entry.pvcNamespace) snapshot.namespace = entry.pvcNamespace;
    out.push(snapshot);
  }
  return out;
}

/** The snapshot name a PVC item points at (Velero's annotation), if any. */
export function claimSnapshotName(pvc: KubeObject): string | undefined {
  const value = pvc.metadata.annotations?.[veleroSnapshot.volumeSnapshotName];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `status.restoreSize` of a VolumeSnapshot item, else Velero's restore-size annotation. */
export function snapshotRestoreSize(volumeSnapshot: KubeObject): string | undefined {
  const size = field(volumeSnapshot, 'status', 'restoreSize');
  if (typeof size === 'string') return size;
  return volumeSnapshot.metadata.annotations?.[veleroSnapshot.restoreSize];
}
