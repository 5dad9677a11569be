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
export type { PreparedItem, RestoreOptions } from './prepare.ts';
export { broadGroups, type RbacGrant } from './rbac.ts';
export {
  type ItemAction,
  type ItemResult,
  type RestoreOutcome,
  type RestorePhase,
  type RestoreProgress,
  type RestoreRequest,
  runRestore,
} from './restore.ts';
export {
  type BackupVerification,
  maxListedProblems,
  type VerifyProblem,
  verifyBackup,
} from './verify.ts';
