/**
 * A backup's volumes: each PVC with its size and what became of its data (snapshotted with the CSI driver, or
 * not, with the reason). With disks asked for and nothing snapshotted, it says so plainly: only objects were
 * backed up, and a restore brings back empty volumes.
 */
import type { BackupDetailView, VolumeView } from '../../../src/api/types.ts';
import { formatBytes } from '../format.ts';

function SnapshotState(props: { volume: VolumeView }) {
  const { volume } = props;
  switch (volume.state) {
    case 'copied':
      return (
        <>
          <span className="badge badge-ok">Data copied</span>
          <div className="muted">{volume.detail}</div>
        </>
      );
    case 'snapshotted':
      return (
        <>
          <span className="badge badge-ok">Snapshotted</span> <span className="muted">{volume.driver}</span>
          {volume.readyToUse === false ? <div className="muted">not ready when recorded</div> : null}
        </>
      );
    case 'failed':
      return (
        <>
          <span className="badge badge-bad">Snapshot failed</span>{' '}
          <span className="muted">{volume.driver}</span>
        </>
      );
    case 'skipped':
      return (
        <>
          <span className="badge badge-warn">Not snapshotted</span>
          <div className="muted">{volume.detail}</div>
        </>
      );
    default:
      return (
        <>
          <span className="badge badge-neutral">Other method</span>
          <div className="muted">{volume.detail} (not taken by Lifeboat)</div>
        </>
      );
  }
}

/** The sentence for disks asked for with no volume snapshotted; null when it does not apply. */
function noDisksNote(backup: BackupDetailView): string | null {
  const { volumes } = backup;
  if (!backup.options.includeDisks || volumes.snapshotted > 0) return null;
  if (volumes.state === 'none')
    return 'Disks were asked for, but this backup recorded no volumes: only its objects were backed up, so a restore brings back empty volumes.';
  if (volumes.state !== 'listed') return null;
  if (volumes.items.length === 0)
    return 'Disks were asked for, but the backup has no persistent volumes: only its objects were backed up.';
  return 'Disks were asked for, but no volume was snapshotted (see why below): only its objects were backed up, so a restore brings back empty volumes.';
}

export function BackupVolumes(props: { backup: BackupDetailView }) {
  const { backup } = props;
  const { volumes } = backup;
  const note = noDisksNote(backup);
  if (volumes.state === 'unavailable' || volumes.state === 'unreadable')
    return <p className={volumes.state === 'unreadable' ? 'error-note' : 'muted'}>{volumes.reason}</p>;
  if (volumes.state === 'none' && !note)
    return (
      <p className="muted">
        {backup.options.includeDisksSource === 'velero-unset'
          ? 'No volume data: Velero recorded no volumes (it snapshots only volumes a snapshotter is configured for).'
          : 'No volume data: this backup was taken without disks.'}
      </p>
    );
  return (
    <>
      {note ? (
        <p className="volume-note" role="note">
          {note}
        </p>
      ) : null}
      {volumes.items.length > 0 ? (
        <div className="table-wrap">
          <table aria-label="Volumes">
            <thead>
              <tr>
                <th scope="col">Namespace</th>
                <th scope="col">PVC</th>
                <th scope="col">Size</th>
                <th scope="col">Snapshot</th>
              </tr>
            </thead>
            <tbody>
              {volumes.items.map((volume, index) => (
                // A PV appears once in a volume info; its PVC may be unknown, so the order is the key.
                // biome-ignore lint/suspicious/noArrayIndexKey: a list that never reorders
                <tr key={index}>
                  <td>{volume.namespace ?? '—'}</td>
                  <td>
                    {volume.pvc ?? '—'}
                    {volume.pv ? <div className="muted">{volume.pv}</div> : null}
                  </td>
                  <td>{volume.sizeBytes === null ? '—' : formatBytes(volume.sizeBytes)}</td>
                  <td>
                    <SnapshotState volume={volume} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : note ? null : (
        <p className="muted">No persistent volumes in this backup.</p>
      )}
    </>
  );
}
