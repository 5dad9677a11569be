/**
 * The backup screens' data: queries under the shared keys (see the console's query-key conventions), and
 * the words the screens use for phases and triggers.
 */
import { useQuery } from '@tanstack/react-query';
import type { BackupDetailView, BackupView, ContentsView, LocationView } from '../../../src/api/types.ts';
import { api } from '../api.ts';

/** Which backups a list shows: those of one cluster or of one workspace. */
export type BackupFilter = { cluster: string } | { workspace: string };

/** `/projects/:p` with the name encoded, the start of every path of a project. */
export function projectPath(project: string): string {
  return `/projects/${encodeURIComponent(project)}`;
}

/** The API path of a backup, by id (a name is accepted only while it is unambiguous in the project). */
export function backupPath(project: string, backup: string): string {
  return `${projectPath(project)}/backups/${encodeURIComponent(backup)}`;
}

/** Phases that change on their own, so a screen showing them polls. */
export function isBusy(backup: BackupView): boolean {
  return backup.phase === 'Queued' || backup.phase === 'InProgress' || backup.phase === 'Deleting';
}

/** Phases with a progress bar: the engine is (or is about to be) taking objects. */
export function isRunning(backup: BackupView): boolean {
  return backup.phase === 'Queued' || backup.phase === 'InProgress';
}

/** What a Missing backup is, in words (its folder is gone from the location). */
export const missingNote =
  'Missing from its location: its folder is gone from the bucket (found by sync). Deleting it removes it from Lifeboat only.';

/** Phases whose files are complete in the location: they can be listed and restored. */
export function isFinished(backup: BackupView): boolean {
  return backup.phase === 'Completed' || backup.phase === 'PartiallyFailed';
}

export const triggerLabel: Record<BackupView['trigger'], string> = {
  schedule: 'Scheduled',
  manual: 'On demand',
  sync: 'Found in bucket',
};

export function backupsKey(project: string, filter: BackupFilter) {
  return ['p', project, 'backups', filter] as const;
}

/** Backups of a cluster or workspace, newest first; polled every second while one of them is busy. */
export function useBackups(project: string, filter: BackupFilter) {
  return useQuery({
    queryKey: backupsKey(project, filter),
    queryFn: () =>
      api<BackupView[]>('GET', `${projectPath(project)}/backups?${new URLSearchParams(filter).toString()}`),
    refetchInterval: (query) => (query.state.data?.some(isBusy) ? 1000 : false),
  });
}

/** One backup, by id, with its volumes; polled every second while it is busy. */
export function useBackup(project: string, id: string) {
  return useQuery({
    queryKey: ['p', project, 'backup', id],
    queryFn: () => api<BackupDetailView>('GET', backupPath(project, id)),
    refetchInterval: (query) => (query.state.data && isBusy(query.state.data) ? 1000 : false),
  });
}

export function useBackupContents(project: string, id: string, enabled: boolean) {
  return useQuery({
    queryKey: ['p', project, 'contents', id],
    queryFn: () => api<ContentsView>('GET', `${backupPath(project, id)}/contents`),
    enabled,
  });
}

export function useLocations(project: string) {
  return useQuery({
    queryKey: ['p', project, 'locations'],
    queryFn: () => api<LocationView[]>('GET', `${projectPath(project)}/locations`),
  });
}
