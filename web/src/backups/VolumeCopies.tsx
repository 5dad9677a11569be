/**
 * A backup's volume data copied to its location by the data mover: one row per claim with its phase and its
 * progress in bytes while the mover runs, then what was uploaded (new data after deduplication), or why it
 * failed. The page polls while the backup runs, so the rows move with it.
 */
import type { BackupView } from '../../../src/api/types.ts';
import { formatBytes } from '../format.ts';

type VolumeCopy = BackupView['volumeCopies'][number];

const phaseBadge: Record<VolumeCopy['phase'], string> = {
  Pending: 'badge-neutral',
  Copying: 'badge-busy',
  Completed: 'badge-ok',
  Failed: 'badge-bad',
};

/** "1.2 GiB of 4.0 GiB", or the bytes read alone while the size is not known yet. */
function bytesText(copy: VolumeCopy): string {
  if (copy.bytesTotal === undefined) return `${formatBytes(copy.bytesDone)} read`;
  return `${formatBytes(copy.bytesDone)} of ${formatBytes(copy.bytesTotal)}`;
}

function percentOf(copy: VolumeCopy): number {
  if (copy.phase === 'Completed') return 100;
  if (!copy.bytesTotal) return 0;
  return Math.min(100, Math.floor((copy.bytesDone / copy.bytesTotal) * 100));
}

function CopyProgress(props: { copy: VolumeCopy }) {
  const { copy } = props;
  const percent = percentOf(copy);
  const text = bytesText(copy);
  return (
    <div
      className="progress"
      role="progressbar"
      aria-valuenow={percent}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuetext={text}
      aria-label={`Copy of ${copy.namespace}/${copy.pvc}`}
    >
      <div className="progress-fill" style={{ width: `${percent}%` }} />
      <span className="progress-text">{text}</span>
    </div>
  );
}

/** What became of the copy, under its bar: the new bytes uploaded once done, the reason when it failed. */
function Outcome(props: { copy: VolumeCopy }) {
  const { copy } = props;
  if (copy.phase === 'Failed')
    return <div className="field-error">{copy.reason ?? 'the copy failed (no reason was recorded)'}</div>;
  if (copy.phase === 'Completed' && copy.bytesUploaded !== undefined)
    return (
      <div className="muted">{formatBytes(copy.bytesUploaded)} uploaded (new data after deduplication)</div>
    );
  if (copy.phase === 'Pending') return <div className="muted">Waiting for a mover pod</div>;
  return null;
}

export function VolumeCopies(props: { copies: BackupView['volumeCopies'] }) {
  return (
    <div className="table-wrap">
      <table aria-label="Volume data">
        <thead>
          <tr>
            <th scope="col">Claim</th>
            <th scope="col">Phase</th>
            <th scope="col" style={{ width: '45%' }}>
              Copied
            </th>
          </tr>
        </thead>
        <tbody>
          {props.copies.map((copy) => (
            <tr key={`${copy.namespace}/${copy.pvc}`}>
              <td>
                {copy.namespace}/{copy.pvc}
              </td>
              <td>
                <span className={`badge ${phaseBadge[copy.phase]}`}>{copy.phase}</span>
              </td>
              <td>
                <CopyProgress copy={copy} />
                <Outcome copy={copy} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
