/**
 * A restore's volumes: each claim made from a CSI snapshot (or filled from the location's volume repository)
 * and where it is — Pending, Filling with its bytes, Bound, or Failed with the reason — following the
 * restore's progress events while it runs. Nothing when the restore has none.
 */
import type { VolumePhase, VolumeProgress } from '../../../src/api/types.ts';
import { formatBytes } from '../format.ts';
import { problemStyle } from './problem-style.ts';

const phaseBadge: Record<VolumePhase, string> = {
  Pending: 'badge-busy',
  Bound: 'badge-ok',
  Failed: 'badge-bad',
};

export function RestoreVolumes(props: { volumes: VolumeProgress[] | undefined; running: boolean }) {
  const volumes = props.volumes ?? [];
  if (volumes.length === 0) return null;
  const bound = volumes.filter((volume) => volume.phase === 'Bound').length;
  return (
    <section className="card" aria-labelledby="volumes-heading">
      <h2 id="volumes-heading">Volumes</h2>
      <p className="muted" aria-live="polite">
        Claims made from CSI snapshots: {bound} of {volumes.length} Bound
        {props.running ? '; each is waited for until Bound.' : '.'}
      </p>
      <div className="table-wrap">
        <table aria-label="Volumes">
          <thead>
            <tr>
              <th scope="col">Claim</th>
              <th scope="col">Snapshot</th>
              <th scope="col">Storage class</th>
              <th scope="col">Phase</th>
            </tr>
          </thead>
          <tbody>
            {volumes.map((volume) => (
              <tr
                key={`${volume.namespace}/${volume.pvc}`}
                style={volume.phase === 'Failed' ? problemStyle : undefined}
              >
                <td>
                  {volume.namespace}/{volume.pvc}
                </td>
                <td>
                  {volume.repositorySnapshot !== undefined
                    ? `repository ${volume.repositorySnapshot.slice(0, 8)}`
                    : (volume.snapshotHandle ?? volume.volumeSnapshot)}
                  {volume.driver ? <div className="muted">{volume.driver}</div> : null}
                  {volume.bytesTotal !== undefined ? (
                    <div className="muted">{formatBytes(volume.bytesTotal)}</div>
                  ) : null}
                </td>
                <td>{volume.storageClass ?? 'the default class'}</td>
                <td>
                  <span className={`badge ${phaseBadge[volume.phase]}`}>
                    {volume.filling ? 'Filling' : volume.phase}
                  </span>
                  {volume.filling ? (
                    <div>
                      {formatBytes(volume.bytesDone ?? 0)}
                      {volume.bytesTotal !== undefined ? ` of ${formatBytes(volume.bytesTotal)}` : ''} written
                    </div>
                  ) : null}
                  {volume.reason ? <div>{volume.reason}</div> : null}
                  {volume.phase === 'Pending' && !props.running && !volume.reason ? (
                    <div className="muted">not Bound when the restore ended</div>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
