/**
 * Claims whose data Lifeboat's data mover copied into the location's volume repository (the backup's volume
 * info says so as Velero records its own mover: `snapshotDataMovementInfo` with `dataMover: "lifeboat"` and
 * the repository snapshot's id as `snapshotHandle`). Such a claim is restored from the repository, not from
 * its CSI snapshot, even when the snapshot was kept: the moved data is the copy that goes to any cluster and
 * any driver. The claim is made empty in the target's class (no data source), then a mover pod fills it
 * before the workloads that mount it are created; its VolumeSnapshot, content and class items are not needed.
 */
import { formatBytes, lifeboatDataMover, type VolumeInfo } from '../archive/index.ts';
import { type StorageClassInfo, veleroSnapshot } from '../volumes/index.ts';
import { quoted } from './object-checks.ts';
import { asRecord, type KubeJson } from './sanitize.ts';

/** The data of a claim in the location's repository. */
export interface MovedData {
  /** The snapshot's id in the repository (64 hex digits when valid). */
  snapshotId: string;
  /** Bytes of file contents moved. */
  bytes: number;
}

/** A repository snapshot id as the data mover writes it. */
const snapshotIdPattern = /^[0-9a-f]{64}$/;

/** The short form of a repository snapshot id, as `lifeboat repository snapshots` prints it. */
export const shortSnapshotId = (id: string): string => id.slice(0, 8);

/**
 * The data Lifeboat's mover moved for a volume, from its volume-info entry; undefined when its data was
 * not moved by Lifeboat (Velero's own mover writes a Kopia snapshot, which Lifeboat cannot read) or the
 * move did not complete.
 */
export function movedDataOf(info: VolumeInfo | undefined): MovedData | undefined {
  const moved = info?.snapshotDataMovementInfo;
  if (!moved || moved.dataMover !== lifeboatDataMover || moved.snapshotHandle === '') return undefined;
  if (moved.phase !== undefined && moved.phase !== '' && moved.phase !== 'Completed') return undefined;
  return { snapshotId: moved.snapshotHandle, bytes: moved.size };
}

/** Why moved data cannot be restored as recorded (a tampered or foreign id); undefined when it can. */
export function movedDataProblem(data: MovedData, claim: string): string | undefined {
  if (snapshotIdPattern.test(data.snapshotId)) return undefined;
  return `the backup records the data of the claim ${claim} in the location's volume repository under an invalid snapshot id ${quoted(data.snapshotId.slice(0, 80))} (64 hexadecimal digits expected): the claim cannot be restored with its data; list the repository's snapshots with \`lifeboat repository snapshots\``;
}

/** The message a claim with moved data fails with when the restore has no mover settings. */
export function noMoverReason(claim: string): string {
  return `the data of claim ${claim} is in the location's volume repository: restore it through the Lifeboat control plane (which holds the repository secret), or in local mode give that secret (--repository-secret-file FILE or LIFEBOAT_REPOSITORY_SECRET; \`lifeboat admin repository-secret\` prints it)`;
}

/**
 * Makes a sanitized claim an empty one for the mover to fill: no `volumeName`, `dataSource` or
 * `dataSourceRef` (the target's class provisions a new volume), the size of the original claim, and without
 * the annotations that tied it to the backup's snapshot and to the source cluster's provisioner.
 */
export function clearClaimSource(pvc: KubeJson, size: string | undefined): void {
  const spec = asRecord(pvc.spec) ?? {};
  pvc.spec = spec;
  delete spec.volumeName;
  delete spec.dataSource;
  delete spec.dataSourceRef;
  if (size) {
    const resources = asRecord(spec.resources) ?? {};
    const requests = asRecord(resources.requests) ?? {};
    requests.storage = size;
    resources.requests = requests;
    spec.resources = resources;
  }
  const metadata = pvc.metadata;
  for (const field of ['annotations', 'labels'] as const) {
    const map = asRecord(metadata[field]);
    if (!map) continue;
    delete map[veleroSnapshot.volumeSnapshotName];
    if (field === 'annotations') {
      delete map['volume.kubernetes.io/storage-provisioner'];
      delete map['volume.beta.kubernetes.io/storage-provisioner'];
    }
    if (Object.keys(map).length === 0) delete metadata[field];
  }
}

/**
 * Why the target cannot make an empty claim of the class it asks for (after mapping; the target's default
 * when it names none): any class that exists will do, since the mover writes files, not a driver's snapshot.
 */
export function movedClassProblem(
  claim: string,
  storageClass: string | undefined,
  classes: readonly StorageClassInfo[],
): string | undefined {
  const names = classes.map((item) => item.name);
  const choices =
    names.length > 0
      ? `map it to one of the target's classes (${names.join(', ')}) or create it`
      : 'the target has no storage class: create one';
  if (storageClass === '')
    return `the claim ${claim} names no storage class (""), so no provisioner can make the new volume its data is written into: map it to one of the target's classes`;
  if (storageClass === undefined) {
    if (classes.some((item) => item.isDefault)) return undefined;
    return `the claim ${claim} names no storage class and the target has no default class: ${choices.replace(' or create it', ', or mark one as the default')}`;
  }
  if (names.includes(storageClass)) return undefined;
  return `the claim ${claim} asks for the storage class ${quoted(storageClass)}, which the target does not have: ${choices}`;
}

/**
 * The class a claim with moved data takes when the class it asks for is not in the target and no mapping
 * chose it: the target's default. Its data is files, so any class will do — the point of copying data is
 * that a disk restores into another cluster, cloud or driver. Undefined when no fallback applies (the class
 * exists, was mapped explicitly, is `""`, or the target has no default).
 */
export function movedClassFallback(
  volume: { storageClass?: string; storageClassMappedFrom?: string },
  classes: readonly StorageClassInfo[],
): string | undefined {
  const wanted = volume.storageClass;
  if (wanted === undefined || wanted === '' || volume.storageClassMappedFrom !== undefined) return undefined;
  if (classes.some((item) => item.name === wanted)) return undefined;
  return classes.find((item) => item.isDefault)?.name;
}

/** Where a moved claim's data comes from, for the dry run and the logs. */
export function movedFromText(data: MovedData): string {
  return `its data comes from the location's volume repository (snapshot ${shortSnapshotId(data.snapshotId)}, ${formatBytes(data.bytes)}), written into the new claim by a mover pod before the workloads that mount it are restored`;
}
