/**
 * A cluster's Restores tab: the restores from or into it, and every backup of the project that can be
 * restored into it — its own first, then the other clusters' (a removed cluster's too), each group by cluster.
 */
import { useState } from 'react';
import type { BackupView, ClusterView } from '../../../src/api/types.ts';
import { Badge, EmptyState, ErrorNote } from '../components/ui.tsx';
import { formatBytes, formatTime } from '../format.ts';
import { RestoreList } from '../restores/RestoreList.tsx';
import { RestoreWizard } from '../restores/RestoreWizard.tsx';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { useRestorableBackups } from './cluster-queries.ts';

export function ClusterRestoresTab(props: { cluster: ClusterView }) {
  return (
    <>
      <RestoreList cluster={props.cluster.name} />
      <RestorableBackups cluster={props.cluster.name} />
    </>
  );
}

function RestorableBackups(props: { cluster: string }) {
  const project = useSession().project?.name ?? '';
  const restorable = useRestorableBackups(project, props.cluster);
  const [restoring, setRestoring] = useState<BackupView>();
  const data = restorable.data;
  const none = data && data.own.length === 0 && data.others.length === 0;
  return (
    <section className="card" aria-labelledby="restorable-heading">
      <h2 id="restorable-heading">Backups that can be restored here</h2>
      <p className="muted">
        Every finished backup of the project can be restored into {props.cluster}: its own first, then those
        of the other clusters.
      </p>
      {restorable.isPending ? <p className="loading">Loading backups…</p> : null}
      <ErrorNote error={restorable.error} title="Cannot list the backups" />
      {none ? (
        <EmptyState title="No finished backups in this project yet">
          <p>
            Only Completed or PartiallyFailed backups can be restored.{' '}
            <Link to={['p', project, 'clusters', props.cluster]} query={{ tab: 'backups' }}>
              Back up this cluster
            </Link>
          </p>
        </EmptyState>
      ) : null}
      {data && !none ? (
        <>
          <BackupGroup
            title={`Backups of ${props.cluster}`}
            backups={data.own}
            empty="None of this cluster yet."
            onRestore={setRestoring}
          />
          {data.others.map((group) => (
            <BackupGroup
              key={group.cluster.id ?? group.cluster.name}
              title={`Backups of ${group.cluster.name}${group.cluster.removed ? ' (removed from the project)' : ''}`}
              backups={group.backups}
              empty=""
              onRestore={setRestoring}
            />
          ))}
        </>
      ) : null}
      {restoring ? (
        <RestoreWizard backup={restoring} target={props.cluster} onClose={() => setRestoring(undefined)} />
      ) : null}
    </section>
  );
}

function BackupGroup(props: {
  title: string;
  backups: BackupView[];
  empty: string;
  onRestore: (backup: BackupView) => void;
}) {
  const session = useSession();
  const project = session.project?.name ?? '';
  const operator = session.can('operator');
  return (
    <section aria-label={props.title}>
      <h3>{props.title}</h3>
      {props.backups.length === 0 ? <p className="muted">{props.empty}</p> : null}
      {props.backups.length > 0 ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Phase</th>
                <th scope="col">Objects</th>
                <th scope="col">Size</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                {operator ? <th scope="col">Action</th> : null}
              </tr>
            </thead>
            <tbody>
              {props.backups.map((backup) => (
                <tr key={backup.id}>
                  <td>
                    <Link to={['p', project, 'backups', backup.id]}>{backup.name}</Link>
                  </td>
                  <td>
                    <Badge value={backup.phase} />
                  </td>
                  <td>{backup.progress.itemsTotal}</td>
                  <td>{formatBytes(backup.bytes)}</td>
                  <td>{formatTime(backup.createdAt)}</td>
                  <td>{formatTime(backup.expiresAt)}</td>
                  {operator ? (
                    <td>
                      <button
                        type="button"
                        title={`Restore ${backup.name}`}
                        onClick={() => props.onRestore(backup)}
                      >
                        Restore
                      </button>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
