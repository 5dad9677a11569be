/** The shapes the API answers with: what clients (the web console, the CLI) may import, types only. */
export type { ProjectView, TokenView, UserView } from '../control/accounts.ts';
export type { MemberView } from '../control/accounts-members.ts';
export type { CreatedTokenView, TokenRequest, TokenState } from '../control/accounts-tokens.ts';
export type { BackupObjectView, LiveState } from '../control/backup-object.ts';
export type {
  BackupDetailView,
  BackupView,
  BackupVolumesView,
  ContentsView,
  GroupView,
  VolumeView,
} from '../control/backups.ts';
export type { ClusterView } from '../control/clusters.ts';
export type { RestorableBackupsView } from '../control/clusters-backups.ts';
export type { ClusterRemovalView } from '../control/clusters-manage.ts';
export type { LocationView, ValidationView } from '../control/locations.ts';
export type { PolicyView } from '../control/policies.ts';
export type { ProjectContentsView } from '../control/projects.ts';
export type { RestoreView } from '../control/restores.ts';
export type {
  BackupInput,
  ClusterInput,
  LocationInput,
  PolicyInput,
  RestoreInput,
  WorkspaceInput,
} from '../control/schemas.ts';
export type { WorkspaceView } from '../control/workspaces.ts';
export type { GroupRestoreView } from '../control/workspaces-restore-view.ts';
export type {
  GroupRestoreInput,
  GroupRestorePlanView,
  SkippedMember,
} from '../control/workspaces-restores.ts';
export type { RestoreItemRecord as RestoreItemView, Role, Schedule } from '../db/records.ts';
export type {
  PlanItem,
  RestorePlan,
  VolumePhase,
  VolumePlan,
  VolumeProgress,
} from '../restore/index.ts';
export type { ErrorBody } from './errors.ts';
