/**
 * A list of backups: what each is, where it is kept, how far it got, and when it goes away. Two backups may
 * share a name in two locations: the location tells them apart, and each links to its own page by id.
 */
import type { BackupView } from '../../../src/api/types.ts';
import { MessageCounts } from '../components/MessageCounts.tsx';
import { Badge, ProgressBar } from '../components/ui.tsx';
import { formatBytes, formatTime, relative } from '../format.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { messageLines } from './BackupMessages.tsx';
import { isRunning, missingNote, triggerLabel, useLocations } from './backup-queries.ts';

export function BackupTable(props: { backups: BackupView[] }) {
  const project = useSession().project?.name ?? '';
  const locations = useLocations(project);
  const locationName = (id: string) => locations.data?.find((l) => l.id === id)?.name ?? '—';
  if (props.backups.length === 0) return <p className="muted">No backups to show.</p>;
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Location</th>
            <th scope="col">Trigger</th>
            <th scope="col">Phase</th>
            <th scope="col">Items</th>
            <th scope="col">Size</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
          </tr>
        </thead>
        <tbody>
          {props.backups.map((backup) => (
            <tr key={backup.id}>
              <td>
                <Link to={['p', project, 'backups', backup.id]}>{backup.name}</Link>
              </td>
              <td>{locationName(backup.location.id)}</td>
              <td>{triggerLabel[backup.trigger]}</td>
              <td>
                <PhaseCell backup={backup} />
              </td>
              <td>
                {backup.progress.itemsDone} / {backup.progress.itemsTotal}
              </td>
              <td>{formatBytes(backup.bytes)}</td>
              <td>{formatTime(backup.createdAt)}</td>
              <td>
                {formatTime(backup.expiresAt)}
                {backup.expiresAt ? <div className="muted">{relative(backup.expiresAt)}</div> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PhaseCell(props: { backup: BackupView }) {
  const { backup } = props;
  const failed = backup.phase === 'Failed';
  const missing = backup.phase === 'Missing';
  return (
    <>
      <Badge value={backup.phase} title={failed ? backup.failureReason : missing ? missingNote : undefined} />
      <MessageCounts run={backup} kind="backup" lines={messageLines} />
      {missing ? (
        <div className="muted" style={{ marginTop: 4, maxWidth: 360 }}>
          missing from location
        </div>
      ) : null}
      {isRunning(backup) ? (
        <div style={{ marginTop: 6 }}>
          <ProgressBar percent={backup.progress.percent} label={`Progress of ${backup.name}`} />
        </div>
      ) : null}
      {failed && backup.failureReason ? (
        <div className="muted" style={{ marginTop: 4, maxWidth: 360 }}>
          {backup.failureReason}
        </div>
      ) : null}
    </>
  );
}
