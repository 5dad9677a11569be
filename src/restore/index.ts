/** The restore engine: restores and dry-run plans of a backup into a target cluster, and backup verification. */
export { RestoreInputError } from './errors.ts';
export { missingIndexProblem, noIndexWarning } from './object-checks.ts';
export {
  type NamespaceState,
  type PlanAction,
  type PlanItem,
  type PlanRequest,
  planRestore,
  type RestorePlan,
  type StorageClassNeed,
} from './plan.ts';
export type { RestoreOptions } from './prepare.ts';
export type { PreparedItem } from './prepared.ts';
export { broadGroups, type RbacGrant } from './rbac.ts';
export { runRestore } from './restore.ts';
export {
  defaultRestoreParallelism,
  type ItemAction,
  type ItemResult,
  type RestoreOutcome,
  type RestorePhase,
  type RestoreProgress,
  type RestoreRequest,
} from './run-types.ts';
export {
  type BackupVerification,
  maxListedProblems,
  type VerifyProblem,
  verifyBackup,
} from './verify.ts';
export { dataMoverHint, type VolumePlan } from './volume-checks.ts';
export type { VolumePhase, VolumeProgress } from './volume-progress.ts';
export { defaultVolumeTimeoutMs } from './volume-run.ts';
export {
  type VolumeSourceKind,
  type VolumeSourceMode,
  volumeSourceChoices,
  volumeSourceMeanings,
  volumeSourceModes,
} from './volume-source-modes.ts';
