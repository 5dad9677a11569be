/**
 * Removing a cluster: first what it does (its backups stay, its schedule stops, the workspaces it leaves),
 * then the removal; work still running on the cluster is named and holds the button back.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { ClusterView } from '../../../src/api/types.ts';
import { api } from '../api.ts';
import { Badge, Dialog, ErrorNote } from '../components/ui.tsx';
import { Link, navigate } from '../router.tsx';
import { clusterPath, useClusterRemoval } from './cluster-queries.ts';

export function RemoveClusterDialog(props: { project: string; cluster: ClusterView; onClose: () => void }) {
  const { project, cluster } = props;
  const queryClient = useQueryClient();
  const removal = useClusterRemoval(project, cluster.name);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const blocked = removal.data?.blockedBy ?? [];

  const remove = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api('DELETE', clusterPath(project, cluster.name));
      props.onClose();
      navigate(['p', project, 'clusters']);
      await queryClient.invalidateQueries({ queryKey: ['p', project] });
    } catch (caught) {
      setError(caught);
      setBusy(false);
      await removal.refetch();
    }
  };

  return (
    <Dialog title={`Remove Cluster ${cluster.name}`} onClose={props.onClose}>
      <div>
        <p>
          Lifeboat forgets cluster <strong>{cluster.name}</strong> and its kubeconfig. Nothing is changed in
          the cluster itself.
        </p>
        {removal.isPending ? <p className="loading">Working out what removing it does…</p> : null}
        <ErrorNote error={removal.error} title="Cannot tell what removing it does" />
        {removal.data ? (
          <ul aria-label="What removing the cluster does">
            {removal.data.summary
              .filter((line) => !line.startsWith('It cannot be removed'))
              .map((line) => (
                <li key={line}>{line}</li>
              ))}
          </ul>
        ) : null}
        {blocked.length > 0 ? (
          <div className="error-note" role="alert">
            <strong>It cannot be removed while work runs on it:</strong>
            <ul>
              {blocked.map((work) => (
                <li key={work.id}>
                  {work.kind}{' '}
                  <Link to={['p', project, work.kind === 'backup' ? 'backups' : 'restores', work.id]}>
                    {work.name}
                  </Link>{' '}
                  <Badge value={work.phase} />
                </li>
              ))}
            </ul>
            Wait for it to finish: this list updates by itself.
          </div>
        ) : null}
        <ErrorNote error={error} title="The cluster was not removed" />
        <div className="form-actions">
          <button type="button" onClick={props.onClose} disabled={busy}>
            Cancel
          </button>
          <button
            type="button"
            className="danger"
            onClick={() => void remove()}
            disabled={busy || !removal.data || blocked.length > 0}
          >
            {busy ? 'Removing…' : 'Remove Cluster'}
          </button>
        </div>
      </div>
    </Dialog>
  );
}
