/** What the API shows of a backup. */
import type { BackupOptions, BackupRecord } from '../db/index.ts';
import type { BackupVolumesView } from './backup-volumes.ts';
import { progressOf } from './progress.ts';

export interface BackupView {
  id: string;
  projectId: string;
  name: string;
  location: { id: string };
  cluster: { id: string | null; name: string | null };
  workspaceId: string | null;
  groupId: string | null;
  trigger: BackupRecord['trigger'];
  /**
   * Queued, InProgress, Completed, PartiallyFailed, Failed, Deleting, or Missing: its folder is gone from the
   * location (found by sync); deleting or expiring a Missing backup removes it from Lifeboat only.
   */
  phase: BackupRecord['phase'];
  progress: { itemsDone: number; itemsTotal: number; percent: number };
  bytes: number;
  errorCount: number;
  warningCount: number;
  errors: BackupRecord['errors'];
  warnings: BackupRecord['warnings'];
  failureReason: string | null;
  /**
   * Set when a deletion could not succeed for good (the reason is `failureReason`): deleting the backup again
   * removes it from Lifeboat only, leaving whatever is in the location.
   */
  deleteFailedAt: string | null;
  options: BackupOptions;
  expiresAt: string | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
}

/** One backup as its own page shows it: the view, and its volumes (from its volume info in the location). */
export interface BackupDetailView extends BackupView {
  volumes: BackupVolumesView;
}

export function viewBackup(backup: BackupRecord): BackupView {
  const finished = backup.phase === 'Completed' || backup.phase === 'PartiallyFailed';
  return {
    id: backup.id,
    projectId: backup.projectId,
    name: backup.name,
    location: { id: backup.locationId },
    cluster: { id: backup.clusterId, name: backup.clusterName },
    workspaceId: backup.workspaceId,
    groupId: backup.groupId,
    trigger: backup.trigger,
    phase: backup.phase,
    progress: progressOf(finished, backup.itemsDone, backup.itemsTotal),
    bytes: backup.bytes,
    errorCount: backup.errorCount,
    warningCount: backup.warningCount,
    errors: backup.errors,
    warnings: backup.warnings,
    failureReason: backup.failureReason,
    deleteFailedAt: backup.deleteFailedAt?.toISOString() ?? null,
    options: backup.options,
    expiresAt: backup.expiresAt?.toISOString() ?? null,
    createdAt: backup.createdAt.toISOString(),
    startedAt: backup.startedAt?.toISOString() ?? null,
    completedAt: backup.completedAt?.toISOString() ?? null,
  };
}
