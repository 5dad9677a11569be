/** The backup engine and what reads backups back from a location. */
export {
  type BackupOutcome,
  type BackupProgress,
  type BackupRequest,
  checkBackupName,
  isObjectName,
  objectNamePattern,
  removeBackupFiles,
  runBackup,
} from './backup.ts';
export {
  type BackupDeletion,
  type BackupVolume,
  BackupVolumesUnreadableError,
  backupVolumesOf,
  type DeleteBackupOptions,
  deleteBackupWithSnapshots,
  readBackupVolumeInfo,
  type SnapshotDeletionReport,
} from './backup-volumes.ts';
export {
  type BackupDetails,
  deleteBackup,
  describeBackup,
  listBackups,
  readBackupDescription,
  readBackupLogs,
  readRestoreLogs,
  type StoredBackup,
} from './catalog.ts';
export { BackupExistsError, BackupInputError, BackupNotFoundError } from './errors.ts';
export { LabelSelectorError, parseLabelSelector } from './label-selector.ts';
export type { MoveDataRequest, VolumeCopyProgress } from './move-data.ts';
export { RunLog } from './run-log.ts';
export { globMatcher, IncludeExclude } from './selection.ts';
export {
  groupResourceOf,
  readStoredObject,
  type StoredObject,
  type StoredObjectIntegrity,
  type StoredObjectRef,
  storedObjectRefProblem,
} from './stored-object.ts';
