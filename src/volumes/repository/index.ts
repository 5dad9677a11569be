/**
 * The volume repository of a location (docs/repository-format.md): a directory's files stored under
 * `plugins/lifeboat/repository/` — content-defined chunks, deduplicated across every writer of the
 * location, zstd-compressed, AES-256-GCM-encrypted under a random master key that is stored only wrapped by
 * a key derived (scrypt) from the caller's secret. Back up, restore, check, stats, forget and prune; all
 * through the `ObjectStore` port, so it works on every provider.
 */

export { type BackupOptions, type BackupProgress, type BackupResult, backupDirectory } from './backup.ts';
export { type CheckOptions, type CheckProblem, type CheckResult, checkRepository } from './check.ts';
export {
  IntegrityError,
  LockLostError,
  RepositoryLockedError,
  RepositoryNotFoundError,
  RestoreTargetError,
  SnapshotNotFoundError,
  UnsupportedVersionError,
  WrongSecretError,
} from './errors.ts';
export { repositoryFormatVersion, type SnapshotManifest, type SnapshotStats } from './format.ts';
export { defaultKdf, type KdfParams, type RepositorySecret } from './keys.ts';
export { type LockInfo, type LockOptions, listLocks, removeLocksOf, removeStaleLocks } from './locks.ts';
export {
  type ForgetResult,
  forgetSnapshots,
  type PruneOptions,
  type PruneResult,
  pruneRepository,
} from './prune.ts';
export {
  type OpenRepositoryOptions,
  openRepository,
  Repository,
  type SnapshotEntry,
} from './repository.ts';
export { type RestoreOptions, type RestoreProgress, type RestoreResult, restoreSnapshot } from './restore.ts';
export { type RepositoryStats, repositoryStats } from './stats.ts';
