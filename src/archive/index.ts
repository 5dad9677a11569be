/** The on-bucket backup format (Velero 1.1.0 plus Lifeboat's index): keys, tarball, metadata files. */
export {
  backupKeys,
  backupsDir,
  formatVersion,
  type ItemPathParts,
  itemPath,
  parseItemPath,
  resourceListKey,
  restoreKeys,
  tarballPaths,
  topLevelDirs,
} from './layout.ts';
export {
  type BackupDescription,
  BackupMetadataError,
  type BackupPhase,
  type ClusterResourcesMode,
  type ContentIndex,
  decodeBackupDescription,
  decodeIndex,
  encodeBackupDescription,
  encodeIndex,
  encodeResourceList,
  goDuration,
  type IndexEntry,
  type LabelSelector,
  parseGoDuration,
  type ResultGroup,
  Results,
} from './metadata.ts';
export { readTarball, type TarballEntry, TarballWriter } from './tarball.ts';
