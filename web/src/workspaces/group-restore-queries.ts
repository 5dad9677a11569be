/** The data of group restores (a workspace's backup group restored together), under the shared keys. */
import { useQuery } from '@tanstack/react-query';
import type { GroupRestoreView } from '../../../src/api/types.ts';
import { api } from '../api.ts';

export function projectPath(project: string): string {
  return `/projects/${encodeURIComponent(project)}`;
}

const running = (phase: string) => phase === 'Queued' || phase === 'InProgress';

/** One group restore by id or name; polled while any member still runs. */
export function useGroupRestore(project: string, ref: string) {
  return useQuery({
    queryKey: ['p', project, 'group-restore', ref],
    queryFn: () =>
      api<GroupRestoreView>('GET', `${projectPath(project)}/group-restores/${encodeURIComponent(ref)}`),
    refetchInterval: (query) => (query.state.data && running(query.state.data.phase) ? 1000 : false),
  });
}

/** The group restores of a workspace, newest first; polled while one runs. */
export function useWorkspaceGroupRestores(project: string, workspace: string) {
  return useQuery({
    queryKey: ['p', project, 'group-restores', { workspace }],
    queryFn: () =>
      api<GroupRestoreView[]>(
        'GET',
        `${projectPath(project)}/group-restores?${new URLSearchParams({ workspace })}`,
      ),
    refetchInterval: (query) => (query.state.data?.some((g) => running(g.phase)) ? 1000 : false),
  });
}
