import type { RestoreView } from '../../../src/api/types.ts';
import { MessageCounts } from '../components/MessageCounts.tsx';
import { Badge, EmptyState, ErrorNote, ProgressBar } from '../components/ui.tsx';
import { formatTime } from '../format.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { isBusy, useProjectName, useRestoresOfCluster } from './restore-queries.ts';

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
        <MessageCounts run={restore} kind="restore" />
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
