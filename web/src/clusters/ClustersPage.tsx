/** The project's clusters and their health: the first screen of a project. */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { ClusterView, LocationView } from '../../../src/api/types.ts';
import { api } from '../api.ts';
import { Badge, EmptyState, ErrorNote } from '../components/ui.tsx';
import { formatTime } from '../format.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { RegisterClusterDialog } from './RegisterClusterDialog.tsx';

export function ClustersPage() {
  const session = useSession();
  const projectName = session.project?.name ?? '';
  const projectPath = `/projects/${encodeURIComponent(projectName)}`;
  const clusters = useQuery({
    queryKey: ['p', projectName, 'clusters'],
    queryFn: () => api<ClusterView[]>('GET', `${projectPath}/clusters`),
  });
  const locations = useQuery({
    queryKey: ['p', projectName, 'locations'],
    queryFn: () => api<LocationView[]>('GET', `${projectPath}/locations`),
  });
  const [registering, setRegistering] = useState(false);
  const isAdmin = session.can('admin');
  const registerButton = isAdmin ? (
    <button type="button" className="primary" onClick={() => setRegistering(true)}>
      Register Cluster
    </button>
  ) : null;
  const noLocation = locations.data?.length === 0;

  return (
    <section>
      <div className="page-head">
        <h1>Clusters</h1>
        {clusters.data && clusters.data.length > 0 ? <div className="actions">{registerButton}</div> : null}
      </div>
      {clusters.isPending ? <p className="loading">Loading…</p> : null}
      {clusters.error ? <ErrorNote error={clusters.error} title="Cannot load the clusters" /> : null}
      {clusters.data?.length === 0 ? (
        <EmptyState title="No clusters yet">
          <p>
            Register a Kubernetes cluster by its kubeconfig: Lifeboat checks at once that it can reach the
            cluster, list everything (to back up) and create everything (to restore).
          </p>
          {noLocation ? (
            <p>
              This project has no backup location yet either: add one in{' '}
              <Link to={['p', projectName, 'settings']}>Project Settings</Link>, so backups have somewhere to
              go.
            </p>
          ) : null}
          {registerButton ?? <p className="muted">Ask an admin of this project to register one.</p>}
        </EmptyState>
      ) : null}
      {clusters.data && clusters.data.length > 0 ? (
        <>
          {noLocation ? (
            <p className="muted">
              No backup location yet: add one in{' '}
              <Link to={['p', projectName, 'settings']}>Project Settings</Link> before backing up.
            </p>
          ) : null}
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Server</th>
                  <th scope="col">Health</th>
                  <th scope="col">Last checked</th>
                </tr>
              </thead>
              <tbody>
                {clusters.data.map((cluster) => (
                  <tr key={cluster.id}>
                    <td>
                      <Link to={['p', projectName, 'clusters', cluster.name]}>{cluster.name}</Link>
                    </td>
                    <td>
                      <code>{cluster.server ?? '—'}</code>
                    </td>
                    <td>
                      <Badge value={cluster.health} />
                      {cluster.health === 'Unhealthy' && cluster.healthReason ? (
                        <span className="muted"> {cluster.healthReason}</span>
                      ) : null}
                    </td>
                    <td>{formatTime(cluster.healthCheckedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
      {registering ? <RegisterClusterDialog onClose={() => setRegistering(false)} /> : null}
    </section>
  );
}
