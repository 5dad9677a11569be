/**
 * The claims a restore makes from CSI snapshots, as the CLI prints them (local and remote alike): in the dry
 * run, each with its size, class (after mapping), snapshot, driver, what the target has and the verdict; after
 * the restore, each with its phase (Bound, or Failed with the reason). A claim whose data the data mover copied
 * shows the repository snapshot (short id) and size, and its bytes written while it is filled. Nothing when
 * there are none.
 */
import type { VolumePlan, VolumeProgress } from '../restore/index.ts';
import { formatBytes, table } from './output.ts';

function claim(volume: { namespace: string; pvc: string }): string {
  return `${volume.namespace}/${volume.pvc}`;
}

/** Where a claim's data comes from: the repository snapshot (short id), the CSI snapshot's handle or name. */
function dataSource(volume: VolumePlan | VolumeProgress): string {
  if (volume.repositorySnapshot !== undefined) return `repository ${volume.repositorySnapshot.slice(0, 8)}`;
  return volume.snapshotHandle ?? volume.volumeSnapshot;
}

/** The section's title: what its claims are made from. */
function madeFrom(volumes: readonly (VolumePlan | VolumeProgress)[]): string {
  return volumes.some((volume) => volume.repositorySnapshot !== undefined)
    ? "CSI snapshots or the location's volume repository"
    : 'CSI snapshots';
}

/** What the target has of a volume's needs: its driver, and a class of that driver (moved data: a class). */
function inTarget(volume: VolumePlan): string {
  if (volume.repositorySnapshot !== undefined) return volume.matchingClass ? 'class yes' : 'class NO';
  const driver = volume.driverInstalled ? 'driver yes' : 'driver NO';
  const storageClass = volume.matchingClass
    ? 'class yes'
    : volume.classDriver
      ? `class NO (its driver is ${volume.classDriver})`
      : 'class NO';
  return `${driver}, ${storageClass}`;
}

/** The dry run's `Volumes:` section; empty when no claim would be made from a snapshot. */
export function planVolumesText(volumes: readonly VolumePlan[] | undefined): string {
  if (!volumes || volumes.length === 0) return '';
  const rows = volumes.map((volume) => [
    `${claim(volume)}${volume.mappedFrom ? ` (from ${volume.mappedFrom})` : ''}`,
    volume.size ?? '-',
    `${volume.storageClass ?? 'default'}${volume.storageClassMappedFrom ? ` (from ${volume.storageClassMappedFrom})` : ''}`,
    dataSource(volume),
    volume.driver ?? '-',
    inTarget(volume),
    volume.verdict === 'fail'
      ? `FAIL: ${volume.reason ?? 'no reason given'}`
      : `${volume.dataBytes !== undefined ? `restore (fill ${formatBytes(volume.dataBytes)})` : 'restore'}${volume.sourceReason ? `: ${volume.sourceReason}` : ''}`,
  ]);
  const failing = volumes.filter((volume) => volume.verdict === 'fail').length;
  const note =
    failing === 0
      ? ''
      : `${failing === 1 ? '1 claim' : `${failing} claims`} cannot be restored: a restore would fail ${failing === 1 ? 'it' : 'them'} by name (see the reason) and go on\n`;
  return `\nVolumes (claims made from ${madeFrom(volumes)}):\n${table(
    ['NAMESPACE/PVC', 'SIZE', 'CLASS (FROM)', 'SNAPSHOT', 'DRIVER', 'IN TARGET', 'VERDICT/REASON'],
    rows,
  )}${note}`;
}

/** A restore's `Volumes:` section: each claim made from a snapshot and its phase; empty when none. */
export function restoredVolumesText(volumes: readonly VolumeProgress[] | undefined): string {
  if (!volumes || volumes.length === 0) return '';
  const rows = volumes.map((volume) => [
    claim(volume),
    dataSource(volume),
    volume.storageClass ?? 'default',
    volume.filling
      ? `Filling ${formatBytes(volume.bytesDone ?? 0)}${volume.bytesTotal === undefined ? '' : ` of ${formatBytes(volume.bytesTotal)}`}`
      : volume.phase,
    volume.reason ?? '',
  ]);
  const bound = volumes.filter((volume) => volume.phase === 'Bound').length;
  return `\nVolumes (claims made from ${madeFrom(volumes)}, ${bound} of ${volumes.length} Bound):\n${table(
    ['NAMESPACE/PVC', 'SNAPSHOT', 'CLASS', 'PHASE', 'REASON'],
    rows,
  )}`;
}
