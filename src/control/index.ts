/** The control plane: use cases over the store, the engine and the locations; jobs and background loops. */
export * from './access.ts';
export * from './accounts.ts';
export { executeDeletion } from './backup-deletion.ts';
export { executeBackup, recoverBackup } from './backup-jobs.ts';
export * from './backup-object.ts';
export * from './backup-verify.ts';
export * from './backups.ts';
export { type Clock, ManualClock, systemClock } from './clock.ts';
export * from './clusters.ts';
export * from './clusters-backups.ts';
export * from './clusters-manage.ts';
export type { ControlContext } from './context.ts';
export * from './control-plane.ts';
export { copiesVolumeData, type MoverConfig, moverConfigFromEnv, repositorySecret } from './data-mover.ts';
export * from './errors.ts';
export { JobRunner, type JobRunnerOptions } from './jobs.ts';
export { explainKubeApiError } from './kube-answers.ts';
export { openLocationStore } from './location-config.ts';
export {
  type CheckEvent,
  checkTimeoutMs,
  locationRepositoryStats,
  maxChecks,
  type RepositoryCheckOptions,
  runRepositoryCheck,
} from './location-repository.ts';
export * from './locations.ts';
export * from './network-policy.ts';
export * from './policies.ts';
export * from './projects.ts';
export { executeRestore, recoverRestore } from './restore-jobs.ts';
export * from './restores.ts';
export * from './schedule.ts';
export { expireBackups, runDuePolicies } from './scheduler.ts';
export * from './schemas.ts';
export { type SyncResult, syncAllLocations, syncLocation, syncProblemLimit } from './sync.ts';
export { parseInput } from './validation.ts';
export { openVault, Vault, VaultError } from './vault.ts';
export * from './workspaces.ts';
export * from './workspaces-restore-view.ts';
export * from './workspaces-restores.ts';
