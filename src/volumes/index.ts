/**
 * Volume data: CSI snapshots of PVCs (choose the class, take and retain, delete). Objects stay raw JSON.
 * Imports kube and archive (the format of what it records); the engine (backup, restore) imports this folder, never the other way.
 */

export {
  type ClaimBinding,
  claimEventReason,
  type WaitClaimOptions,
  waitClaimBound,
} from './claim-binding.ts';
export { type CsiVolume, csiVolumeOf, type NotCsiVolume } from './csi-volume.ts';
export {
  type DeleteSnapshotsOptions,
  deleteSnapshots,
  type RetainedSnapshot,
  type SnapshotDeletion,
} from './delete.ts';
export {
  lifeboatClassLabel,
  SnapshotClassError,
  SnapshotInputError,
  veleroClassLabel,
} from './errors.ts';
export * from './mover/index.ts';
export {
  labelValue,
  lifeboatBackupLabel,
  veleroBackupLabel,
  volumeSnapshotName,
} from './names.ts';
export {
  annotateClaim,
  claimKey,
  claimSnapshotName,
  type MovedData,
  quantityBytes,
  retainedSnapshotsOf,
  type SkippedVolume,
  snapshotItems,
  snapshotRestoreSize,
  veleroSnapshot,
  volumeInfoOf,
} from './record.ts';
export * from './repository/index.ts';
export { snapshotApiVersion } from './resources.ts';
export {
  provisionSource,
  removeSource,
  restoreSnapshotClass,
  restoreSourceName,
  type SnapshotSource,
  SourceConflictError,
  type SourceReadiness,
  type SourceSpec,
  waitSourceReady,
} from './restore-source.ts';
export { chooseSnapshotClass, snapshotClassesByDriver, snapshotClassFor } from './snapshot-class.ts';
export { classForClaim, hasCsiDriver, listStorageClasses, type StorageClassInfo } from './storage-classes.ts';
export {
  type SnapshotFailure,
  type SnapshotProgress,
  type SnapshotRecord,
  type SnapshotRequest,
  type TakeSnapshotsOptions,
  takeSnapshots,
} from './take.ts';
