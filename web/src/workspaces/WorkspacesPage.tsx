/** The project's workspaces: sets of clusters backed up together. */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { WorkspaceView } from '../../../src/api/types.ts';
import { api } from '../api.ts';
import { EmptyState, ErrorNote } from '../components/ui.tsx';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { CreateWorkspaceDialog } from './CreateWorkspaceDialog.tsx';

export function WorkspacesPage() {
  const session = useSession();
  const projectName = session.project?.name ?? '';
  const workspaces = useQuery({
    queryKey: ['p', projectName, 'workspaces'],
    queryFn: () => api<WorkspaceView[]>('GET', `/projects/${encodeURIComponent(projectName)}/workspaces`),
  });
  const [creating, setCreating] = useState(false);
  const createButton = session.can('admin') ? (
    <button type="button" className="primary" onClick={() => setCreating(true)}>
      Create Workspace
    </button>
  ) : null;

  return (
    <section>
      <div className="page-head">
        <h1>Workspaces</h1>
        {workspaces.data && workspaces.data.length > 0 ? <div className="actions">{createButton}</div> : null}
      </div>
      {workspaces.isPending ? <p className="loading">Loading…</p> : null}
      {workspaces.error ? <ErrorNote error={workspaces.error} title="Cannot load the workspaces" /> : null}
      {workspaces.data?.length === 0 ? (
        <EmptyState title="No workspaces yet">
          <p>
            A workspace groups clusters of this project so they are backed up together, on one schedule, as
            one group of backups. Register the clusters first, then create a workspace of them.
          </p>
          {createButton ?? <p className="muted">Ask an admin of this project to create one.</p>}
        </EmptyState>
      ) : null}
      {workspaces.data && workspaces.data.length > 0 ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Clusters</th>
                <th scope="col">Namespaces</th>
              </tr>
            </thead>
            <tbody>
              {workspaces.data.map((workspace) => (
                <tr key={workspace.id}>
                  <td>
                    <Link to={['p', projectName, 'workspaces', workspace.name]}>{workspace.name}</Link>
                  </td>
                  <td title={workspace.clusters.map((cluster) => cluster.name).join(', ')}>
                    {workspace.clusters.length}
                  </td>
                  <td>{workspace.namespaces.length > 0 ? workspace.namespaces.join(', ') : 'all'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {creating ? <CreateWorkspaceDialog onClose={() => setCreating(false)} /> : null}
    </section>
  );
}
