/** Remote mode of the `lifeboat` command: the same verbs, acting through the control plane's REST API. */
export {
  type BackupCreateFlags,
  remoteBackupCreate,
  remoteBackupDelete,
  remoteBackupDescribe,
  remoteBackupList,
  remoteBackupLogs,
} from './backups.ts';
export { addClusterCommands } from './clusters.ts';
export { needsServer, type Remote, refuseFlags, remoteContext, requireRemote } from './context.ts';
export { addRemoteLocationCommands, remoteLocationValidate } from './locations.ts';
export { addPolicyCommands } from './policies.ts';
export { addProjectCommands } from './projects.ts';
export {
  type RestoreCreateFlags,
  remoteRestoreCreate,
  remoteRestoreDescribe,
  remoteRestoreList,
  remoteRestoreLogs,
} from './restores.ts';
export { addWorkspaceCommands } from './workspaces.ts';
