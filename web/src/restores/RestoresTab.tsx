/** A cluster's Restores tab: the restores from or into it, and its backups that can be restored. */
import { useState } from 'react';
import type { BackupView, ClusterView, RestoreView } from '../../../src/api/types.ts';
import { Badge, EmptyState, ErrorNote, ProgressBar } from '../components/ui.tsx';
import { formatBytes, formatTime } from '../format.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { RestoreWizard } from './RestoreWizard.tsx';
import { isBusy, useBackupsOfCluster, useProjectName, useRestoresOfCluster } from './restore-queries.ts';

export function RestoresTab(props: { cluster: ClusterView }) {
  return (
    <>
      <RestoreList cluster={props.cluster.name} />
      <RestorableBackups cluster={props.cluster.name} />
    </>
  );
}

/** The restores from or into a cluster, newest first (the cluster page's Restores tab). */
export function RestoreList(props: { cluster: string }) {
  const project = useProjectName();
  const session = useSession();
  const restores = useRestoresOfCluster(project, props.cluster);
  return (
    <section className="card" aria-labelledby="restores-heading">
      <h2 id="restores-heading">Restores</h2>
      {restores.isPending ? <p className="loading">Loading restores…</p> : null}
      <ErrorNote error={restores.error} title="Cannot list the restores" />
      {restores.data?.length === 0 ? (
        <EmptyState title="No restores of this cluster yet">
          <p>
            {session.can('operator')
              ? 'Pick a backup below and choose Restore: you review a plan of what it would do before anything is written.'
              : 'Operators of this project can restore one of the backups below.'}
          </p>
        </EmptyState>
      ) : null}
      {restores.data && restores.data.length > 0 ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Backup</th>
                <th>Target cluster</th>
                <th>Phase</th>
                <th>Items</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {restores.data.map((restore) => (
                <RestoreRow key={restore.id} restore={restore} project={project} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function RestoreRow(props: { restore: RestoreView; project: string }) {
  const { restore, project } = props;
  return (
    <tr>
      <td>
        <Link to={['p', project, 'restores', restore.id]}>{restore.name}</Link>
      </td>
      <td>
        {restore.backup.id ? (
          <Link to={['p', project, 'backups', restore.backup.id]}>{restore.backup.name}</Link>
        ) : (
          `${restore.backup.name} (deleted)`
        )}
      </td>
      <td>{restore.targetCluster.name}</td>
      <td>
        <Badge value={restore.phase} title={restore.failureReason} />
        {isBusy(restore.phase) ? (
          <ProgressBar percent={restore.progress.percent} label={`Progress of ${restore.name}`} />
        ) : null}
      </td>
      <td>
        {restore.progress.itemsDone}/{restore.progress.itemsTotal}
      </td>
      <td>{formatTime(restore.createdAt)}</td>
    </tr>
  );
}

function RestorableBackups(props: { cluster: string }) {
  const project = useProjectName();
  const session = useSession();
  const backups = useBackupsOfCluster(project, props.cluster);
  const [restoring, setRestoring] = useState<BackupView>();
  const restorable = backups.data?.filter((b) => b.phase === 'Completed' || b.phase === 'PartiallyFailed');
  return (
    <section className="card" aria-labelledby="restorable-heading">
      <h2 id="restorable-heading">Backups available</h2>
      {backups.isPending ? <p className="loading">Loading backups…</p> : null}
      <ErrorNote error={backups.error} title="Cannot list the backups" />
      {restorable?.length === 0 ? (
        <EmptyState
          title={
            backups.data?.length === 0
              ? 'No backups of this cluster yet: create one in the Backups tab'
              : 'No finished backups of this cluster yet: only Completed or PartiallyFailed backups can be restored'
          }
        >
          <p>
            {backups.data?.some((b) => isBusy(b.phase))
              ? 'A backup is running: it shows here once it has finished. '
              : null}
            <Link to={['p', project, 'clusters', props.cluster]} query={{ tab: 'backups' }}>
              Open the Backups tab
            </Link>
          </p>
        </EmptyState>
      ) : null}
      {restorable && restorable.length > 0 ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Phase</th>
                <th>Objects</th>
                <th>Size</th>
                <th>Created</th>
                <th>Expires</th>
                {session.can('operator') ? <th>Action</th> : null}
              </tr>
            </thead>
            <tbody>
              {restorable.map((backup) => (
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
                  {session.can('operator') ? (
                    <td>
                      <button
                        type="button"
                        title={`Restore ${backup.name}`}
                        onClick={() => setRestoring(backup)}
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
      {restoring ? <RestoreWizard backup={restoring} onClose={() => setRestoring(undefined)} /> : null}
    </section>
  );
}
