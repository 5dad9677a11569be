/** The on-bucket backup format (Velero 1.1.0 plus Lifeboat's index): keys, tarball, metadata files. */
export {
  type BackupDescription,
  type BackupPhase,
  backupFolderProblem,
  type ClusterResourcesMode,
  decodeBackupDescription,
  encodeBackupDescription,
  isBackupName,
  type LabelSelector,
  maxTtlMs,
} from './backup-description.ts';
export {
  gunzipBounded,
  gunzipEach,
  maxDescriptionBytes,
  maxIndexBytes,
  maxLogBytes,
  maxResourceListBytes,
  maxResultsBytes,
  readBounded,
} from './bounded.ts';
export {
  type ContentIndex,
  decodeIndex,
  encodeIndex,
  encodeResourceList,
  type IndexEntry,
} from './content-index.ts';
export { ArchiveLimitError, BackupMetadataError, formatBytes, mebibytes } from './errors.ts';
export { goDuration, parseGoDuration } from './go-duration.ts';
export {
  backupKeys,
  backupsDir,
  formatVersion,
  type ItemPathParts,
  itemPath,
  parseItemPath,
  repositoryKeys,
  resourceListKey,
  restoreKeys,
  tarballPaths,
  topLevelDirs,
} from './layout.ts';
export { type ResultGroup, Results } from './results.ts';
export { SharedStrings } from './shared-strings.ts';
export {
  maxObjectBytes,
  maxTarballInflatedBytes,
  type OversizedTarballEntry,
  type ReadTarballOptions,
  readTarball,
  type TarballEntry,
} from './tarball.ts';
export { TarballWriter } from './tarball-writer.ts';
export {
  type CsiSnapshotInfo,
  decodeVolumeInfo,
  encodeObjectList,
  encodeVolumeInfo,
  lifeboatDataMover,
  maxVolumeInfoBytes,
  type SnapshotDataMovementInfo,
  type VolumeBackupMethod,
  type VolumeInfo,
} from './volume-info.ts';
