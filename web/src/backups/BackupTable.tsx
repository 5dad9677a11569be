/** A list of backups: what each is, how far it got, and when it goes away. */
import type { BackupView } from '../../../src/api/types.ts';
import { Badge, ProgressBar } from '../components/ui.tsx';
import { formatBytes, formatTime, relative } from '../format.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { messageLines } from './BackupMessages.tsx';
import { isRunning, missingNote, triggerLabel } from './backup-queries.ts';

export function BackupTable(props: { backups: BackupView[] }) {
  const project = useSession().project?.name ?? '';
  if (props.backups.length === 0) return <p className="muted">No backups to show.</p>;
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
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
      <ProblemCounts backup={backup} />
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

/** How many messages of one kind, in words: "1 warning", "3 errors". */
function countText(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** The most a tooltip lists; the backup's page has them all. */
const tooltipLines = 5;

function tooltip(lines: string[]): string {
  const shown = lines.slice(0, tooltipLines);
  const more = lines.length - shown.length;
  return [...shown, ...(more > 0 ? [`… and ${more} more on the backup's page`] : [])].join('\n');
}

/**
 * A finished backup's errors and warnings beside its phase, so one that did not do all it was asked (disks
 * it could not snapshot, objects it skipped) never reads as a clean Completed. The tooltip lists the first.
 */
function ProblemCounts(props: { backup: BackupView }) {
  const { backup } = props;
  if (backup.phase === 'Failed' || (backup.errorCount === 0 && backup.warningCount === 0)) return null;
  return (
    <>
      {backup.errorCount > 0 ? (
        <span
          className="badge badge-bad"
          style={{ marginLeft: 6 }}
          title={tooltip(messageLines(backup.errors))}
        >
          {countText(backup.errorCount, 'error')}
        </span>
      ) : null}
      {backup.warningCount > 0 ? (
        <span
          className="badge badge-warn"
          style={{ marginLeft: 6 }}
          title={tooltip(messageLines(backup.warnings))}
        >
          {countText(backup.warningCount, 'warning')}
        </span>
      ) : null}
    </>
  );
}
