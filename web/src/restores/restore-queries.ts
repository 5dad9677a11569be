/**
 * The data the restore screens read, as TanStack Query hooks under the console's shared keys, so a change
 * anywhere (`invalidateQueries(['p', project])`) refreshes them.
 */
import { useQuery } from '@tanstack/react-query';
import type {
  ClusterView,
  ContentsView,
  RestoreInput,
  RestoreItemView,
  RestoreView,
} from '../../../src/api/types.ts';
import { api } from '../api.ts';
import { useSession } from '../session.tsx';

/** Phases of a job that is still moving: screens showing one poll until it settles. */
const busyPhases = new Set(['Queued', 'InProgress', 'Deleting']);

export function isBusy(phase: string): boolean {
  return busyPhases.has(phase);
}

/** The project in the URL (screens under /p/<project> always have one). */
export function useProjectName(): string {
  return useSession().project?.name ?? '';
}

/** `/projects/:p` with the name encoded, the start of every path of a project. */
export function projectPath(project: string): string {
  return `/projects/${encodeURIComponent(project)}`;
}

export function restorePath(project: string, restore: string): string {
  return `${projectPath(project)}/restores/${encodeURIComponent(restore)}`;
}

const pollWhileBusy = (items: { phase: string }[] | undefined) =>
  items?.some((item) => isBusy(item.phase)) ? 1000 : false;

export function useClusters(project: string) {
  return useQuery({
    queryKey: ['p', project, 'clusters'],
    queryFn: () => api<ClusterView[]>('GET', `${projectPath(project)}/clusters`),
  });
}

/** Restores from or into a cluster, newest first. */
export function useRestoresOfCluster(project: string, cluster: string) {
  return useQuery({
    queryKey: ['p', project, 'restores', { cluster }],
    queryFn: () =>
      api<RestoreView[]>('GET', `${projectPath(project)}/restores?${new URLSearchParams({ cluster })}`),
    refetchInterval: (query) => pollWhileBusy(query.state.data),
  });
}

/** What a backup holds, by its id. */
export function useContents(project: string, backup: string) {
  return useQuery({
    queryKey: ['p', project, 'contents', backup],
    queryFn: () =>
      api<ContentsView>('GET', `${projectPath(project)}/backups/${encodeURIComponent(backup)}/contents`),
    // A finished backup's contents never change.
    staleTime: Number.POSITIVE_INFINITY,
  });
}

/** One restore, by id; `poll` is for when its event stream is not there to keep it fresh. */
export function useRestore(project: string, restore: string, poll: boolean) {
  return useQuery({
    queryKey: ['p', project, 'restore', restore],
    queryFn: () => api<RestoreView>('GET', restorePath(project, restore)),
    refetchInterval: (query) => (poll && query.state.data && isBusy(query.state.data.phase) ? 1000 : false),
  });
}

/** Items of a finished restore, read once (the first 5000, the most the API gives in one answer). */
export const itemsLimit = 5000;
export function useFinishedItems(project: string, restore: string, enabled: boolean) {
  return useQuery({
    queryKey: ['p', project, 'restore', restore, 'items'],
    queryFn: () =>
      api<RestoreItemView[]>('GET', `${restorePath(project, restore)}/items?limit=${itemsLimit}`),
    enabled,
  });
}

/** What the wizard sends to plan and to start a restore: empty optional fields are left out. */
export type RestoreRequest = Pick<RestoreInput, 'backup' | 'targetCluster'> &
  Partial<
    Pick<
      RestoreInput,
      | 'name'
      | 'includeNamespaces'
      | 'namespaceMappings'
      | 'storageClassMappings'
      | 'existingResourcePolicy'
      | 'volumeSource'
    >
  >;
