/** The data the cluster screens read, under the console's shared keys (`['p', project, ...]`). */
import { useQuery } from '@tanstack/react-query';
import type { ClusterRemovalView, RestorableBackupsView } from '../../../src/api/types.ts';
import { api } from '../api.ts';

/** `/projects/:p/clusters/:c`, each part encoded. */
export function clusterPath(project: string, cluster: string): string {
  return `/projects/${encodeURIComponent(project)}/clusters/${encodeURIComponent(cluster)}`;
}

const busy = new Set(['Queued', 'InProgress', 'Deleting']);

/** Every backup of the project that can be restored into a cluster: its own, then others by cluster. */
export function useRestorableBackups(project: string, cluster: string) {
  return useQuery({
    queryKey: ['p', project, 'backups', 'restorable-into', cluster],
    queryFn: () => api<RestorableBackupsView>('GET', `${clusterPath(project, cluster)}/restorable-backups`),
  });
}

/** What removing a cluster would do; polled while work still blocks it. */
export function useClusterRemoval(project: string, cluster: string) {
  return useQuery({
    queryKey: ['p', project, 'cluster', cluster, 'removal'],
    queryFn: () => api<ClusterRemovalView>('GET', `${clusterPath(project, cluster)}/removal`),
    refetchInterval: (query) =>
      query.state.data?.blockedBy.some((work) => busy.has(work.phase)) ? 2000 : false,
  });
}
