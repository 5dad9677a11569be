/**
 * The dry run's volumes: each claim that would be made from a CSI snapshot, with its size, class (after
 * mapping), snapshot and driver, whether the target has the driver and a class of it, and the verdict. A
 * refused one stands out with its reason (a class of another driver names the data mover as the way across).
 */
import type { VolumePlan } from '../../../src/api/types.ts';
import { formatBytes, plural } from '../format.ts';
import { problemStyle } from './problem-style.ts';

const claims = (count: number) => plural(count, 'claim');

export function PlanVolumes(props: { volumes: VolumePlan[] | undefined }) {
  const volumes = props.volumes ?? [];
  if (volumes.length === 0) return null;
  const refused = volumes.filter((volume) => volume.verdict === 'fail').length;
  return (
    <section aria-labelledby="plan-volumes-heading">
      <h3 id="plan-volumes-heading">Volumes</h3>
      <p className="muted">
        {claims(volumes.length)} of the backup {volumes.length === 1 ? 'was' : 'were'} snapshotted: each is
        made from its CSI snapshot, in a storage class of the driver that took it, and waited for until Bound
        — or, when its data was copied to the location, made empty in any class and filled from there.
      </p>
      {refused > 0 ? (
        <div className="error-note" role="alert">
          {claims(refused)} cannot be restored: a restore would fail {refused === 1 ? 'it' : 'them'} by name
          and go on. The Verdict column says why.
        </div>
      ) : null}
      <div className="table-wrap">
        <table aria-label="Volumes">
          <thead>
            <tr>
              <th scope="col">Claim</th>
              <th scope="col">Size</th>
              <th scope="col">Storage class</th>
              <th scope="col">Snapshot</th>
              <th scope="col">In the target</th>
              <th scope="col">Verdict</th>
            </tr>
          </thead>
          <tbody>
            {volumes.map((volume) => (
              <tr
                key={`${volume.namespace}/${volume.pvc}`}
                style={volume.verdict === 'fail' ? problemStyle : undefined}
              >
                <td>
                  {volume.namespace}/{volume.pvc}
                  {volume.mappedFrom ? <div className="muted">from {volume.mappedFrom}</div> : null}
                </td>
                <td>{volume.size ?? '—'}</td>
                <td>
                  {volume.storageClass ?? 'the default class'}
                  {volume.storageClassMappedFrom ? (
                    <div className="muted">mapped from {volume.storageClassMappedFrom}</div>
                  ) : null}
                </td>
                <td>
                  {volume.repositorySnapshot !== undefined ? (
                    <>
                      repository {volume.repositorySnapshot.slice(0, 8)}
                      <div className="muted">{formatBytes(volume.dataBytes ?? 0)} of files</div>
                    </>
                  ) : (
                    (volume.snapshotHandle ?? volume.volumeSnapshot)
                  )}
                  {volume.driver ? <div className="muted">{volume.driver}</div> : null}
                </td>
                <td>
                  {volume.repositorySnapshot !== undefined ? null : (
                    <div>{volume.driverInstalled ? 'driver installed' : 'driver not installed'}</div>
                  )}
                  <div>
                    {volume.matchingClass
                      ? volume.repositorySnapshot !== undefined
                        ? 'the class exists'
                        : 'class of that driver'
                      : volume.classDriver
                        ? `class of another driver (${volume.classDriver})`
                        : 'no such class'}
                  </div>
                </td>
                <td>
                  {volume.verdict === 'restore' ? (
                    <>
                      <span className="badge badge-ok">Restore</span>
                      {volume.repositorySnapshot !== undefined ? (
                        <div className="muted">filled from the location's volume repository</div>
                      ) : null}
                      {volume.sourceReason ? <div className="muted">{volume.sourceReason}</div> : null}
                    </>
                  ) : (
                    <>
                      <span className="badge badge-bad">Refused</span>
                      <div>{volume.reason}</div>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
