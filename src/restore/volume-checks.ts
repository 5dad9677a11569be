/**
 * Whether the target can make each snapshotted claim from its snapshot: the claim's class (after mapping, or
 * the target's default) must exist and provision with the driver that took the snapshot — a CSI snapshot
 * becomes a volume only through its own driver. The dry run shows the verdict per volume; the restore fails
 * a claim that cannot be made, by name, rather than creating an empty volume in its place. A claim whose data
 * was moved into the location's repository needs only a class that exists (its files are written back).
 */
import type { KubeClient } from '../kube/index.ts';
import { classForClaim, hasCsiDriver, listStorageClasses, type StorageClassInfo } from '../volumes/index.ts';
import { movedClassFallback, movedClassProblem, movedFromText, noMoverReason } from './moved-volumes.ts';
import { quoted } from './object-checks.ts';
import type { VolumeSourceKind } from './volume-source-modes.ts';
import type { SnapshotVolume } from './volume-sources.ts';

/** One volume of a dry run: what the claim would be made from, into which class, and whether it can be. */
export interface VolumePlan {
  /** Target namespace and claim. */
  namespace: string;
  pvc: string;
  /** The namespace in the backup, when a mapping changed it. */
  mappedFrom?: string;
  /** The storage the claim requests (at least the snapshot's restore size). */
  size?: string;
  /** The class the claim gets in the target (after mapping; the target's default when it names none). */
  storageClass?: string;
  /** The class in the backup, when a mapping changed it. */
  storageClassMappedFrom?: string;
  /** The backup's VolumeSnapshot of the claim. */
  volumeSnapshot: string;
  /** Where its data would come from: a CSI snapshot, or the copy in the location's repository (always set). */
  source?: VolumeSourceKind;
  /** For a claim whose backup kept both: why this source (the restore chooses the same way). */
  sourceReason?: string;
  /** The snapshot's id in the storage. */
  snapshotHandle?: string;
  /** The CSI driver that took the snapshot. */
  driver?: string;
  /** For a claim whose data is in the location's volume repository: the repository snapshot's id. */
  repositorySnapshot?: string;
  /** Bytes of file contents in that snapshot. */
  dataBytes?: number;
  /** The driver the class provisions with, when the class exists. */
  classDriver?: string;
  /** Whether the target has a CSIDriver object for the snapshot's driver (true when moved data needs none). */
  driverInstalled: boolean;
  /** Whether the class exists and provisions with the snapshot's driver (for moved data: whether it exists). */
  matchingClass: boolean;
  /**
   * `restore`: made from the snapshot (or filled from the repository; then `reason` says so); `fail`: the
   * restore fails the claim, for `reason`.
   */
  verdict: 'restore' | 'fail';
  reason?: string;
}

/** The way across drivers, named where a restore refuses one (the data-mover option of backups). */
export const dataMoverHint =
  'to restore across drivers, back up with "copy volume data to the backup location" (the data mover) and restore from that backup';

/** Why the target cannot make `volume` from its snapshot, given its classes; undefined when it can. */
export function targetProblem(
  volume: SnapshotVolume,
  classes: readonly StorageClassInfo[],
): { problem?: string; storageClass?: StorageClassInfo } {
  if (volume.problem || !volume.source) return { problem: volume.problem ?? 'no snapshot recorded' };
  const claim = `${volume.namespace}/${volume.pvc}`;
  const { driver } = volume.source;
  const ofDriver = classes.filter((item) => item.provisioner === driver).map((item) => item.name);
  const choices =
    ofDriver.length > 0
      ? `map it to a class of driver ${driver} (in the target: ${ofDriver.join(', ')})`
      : `the target has no storage class of driver ${driver}`;
  if (volume.storageClass === '')
    return {
      problem: `the claim ${claim} names no storage class (""), so no provisioner can make it from its snapshot (driver ${driver})`,
    };
  const storageClass = classForClaim(classes, volume.storageClass);
  if (!storageClass) {
    const which =
      volume.storageClass === undefined
        ? 'names no storage class and the target has no default class'
        : `asks for the storage class ${quoted(volume.storageClass)}, which the target does not have`;
    return {
      problem: `the claim ${claim} ${which}: ${choices}, or create one; ${dataMoverHint}`,
    };
  }
  if (storageClass.provisioner !== driver)
    return {
      storageClass,
      problem: `the claim ${claim} would be made by the storage class ${storageClass.name} with driver ${quoted(storageClass.provisioner)}, but its snapshot was taken by driver ${driver} and a snapshot becomes a volume only through its own driver: ${choices}; ${dataMoverHint}`,
    };
  return { storageClass };
}

/**
 * The dry run's view of each volume, against the target's classes and drivers. `moverAvailable`: whether the
 * restore will have mover settings to fill claims whose data was moved (without, it fails them). A claim whose
 * backup kept both its snapshot and a copy is planned from the source chosen for it (`chooseVolumeSources`,
 * called first).
 */
export async function planVolumes(
  kube: KubeClient,
  volumes: readonly SnapshotVolume[],
  moverAvailable = false,
): Promise<VolumePlan[]> {
  if (volumes.length === 0) return [];
  const classes = await listStorageClasses(kube);
  const drivers = new Map<string, boolean>();
  for (const volume of volumes) {
    const driver = volume.source?.driver;
    if (driver !== undefined && !drivers.has(driver)) drivers.set(driver, await hasCsiDriver(kube, driver));
  }
  return volumes.map((volume) => {
    if (volume.moved) return planMoved(volume, classes, moverAvailable);
    const { problem, storageClass } = targetProblem(volume, classes);
    const plan: VolumePlan = {
      namespace: volume.namespace,
      pvc: volume.pvc,
      volumeSnapshot: volume.volumeSnapshot,
      source: 'snapshot',
      driverInstalled: volume.source ? (drivers.get(volume.source.driver) ?? false) : false,
      matchingClass: storageClass !== undefined && storageClass.provisioner === volume.source?.driver,
      verdict: problem ? 'fail' : 'restore',
    };
    if (volume.sourceNamespace !== volume.namespace) plan.mappedFrom = volume.sourceNamespace;
    if (volume.size) plan.size = volume.size;
    const className = storageClass?.name ?? volume.storageClass;
    if (className !== undefined) plan.storageClass = className;
    if (volume.storageClassMappedFrom) plan.storageClassMappedFrom = volume.storageClassMappedFrom;
    if (volume.source) {
      plan.snapshotHandle = volume.source.snapshotHandle;
      plan.driver = volume.source.driver;
    }
    if (storageClass) plan.classDriver = storageClass.provisioner;
    if (volume.choice) plan.sourceReason = volume.choice.reason;
    const reason = problem ?? volume.choice?.reason;
    if (reason) plan.reason = reason;
    return plan;
  });
}

/** The dry run's view of a claim whose data is in the location's repository: any existing class will do. */
function planMoved(
  volume: SnapshotVolume,
  classes: readonly StorageClassInfo[],
  moverAvailable: boolean,
): VolumePlan {
  const claim = `${volume.namespace}/${volume.pvc}`;
  const fallback = movedClassFallback(volume, classes);
  const wanted = fallback ? fallback : volume.storageClass;
  const problem =
    volume.problem ?? (moverAvailable ? movedClassProblem(claim, wanted, classes) : noMoverReason(claim));
  const storageClass = classForClaim(classes, wanted);
  const plan: VolumePlan = {
    namespace: volume.namespace,
    pvc: volume.pvc,
    volumeSnapshot: volume.volumeSnapshot,
    source: 'copy',
    driverInstalled: true,
    matchingClass: storageClass !== undefined,
    verdict: problem ? 'fail' : 'restore',
  };
  if (volume.sourceNamespace !== volume.namespace) plan.mappedFrom = volume.sourceNamespace;
  if (volume.size) plan.size = volume.size;
  const className = storageClass?.name ?? volume.storageClass;
  if (className !== undefined) plan.storageClass = className;
  if (volume.storageClassMappedFrom) plan.storageClassMappedFrom = volume.storageClassMappedFrom;
  if (storageClass) plan.classDriver = storageClass.provisioner;
  if (volume.moved) {
    plan.repositorySnapshot = volume.moved.snapshotId;
    plan.dataBytes = volume.moved.bytes;
  }
  // A claim whose backup kept both says why not its snapshot (also when the copy cannot be used either).
  const notSnapshot = volume.choice ? `; ${volume.choice.reason}` : '';
  if (volume.choice) plan.sourceReason = volume.choice.reason;
  plan.reason =
    problem === undefined
      ? `${volume.moved ? movedFromText(volume.moved) : ''}${
          fallback
            ? `; the target has no class "${volume.storageClass}": its default class "${fallback}" is used`
            : ''
        }${notSnapshot}`
      : `${problem}${notSnapshot}`;
  return plan;
}
