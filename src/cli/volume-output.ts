/**
 * A backup's volumes in `backup describe` (local and remote alike), and what `backup delete` did with its
 * snapshots. With disks asked for and no volume snapshotted, the output says so plainly: only objects were
 * backed up.
 */
import type { BackupVolume, SnapshotDeletionReport } from '../backup/index.ts';
import { formatBytes, table } from './output.ts';

/** The volumes of a backup: the control plane's `volumes`, or the same read locally. */
export interface VolumesSummary {
  state: 'listed' | 'none' | 'unavailable' | 'unreadable';
  reason: string | null;
  items: BackupVolume[];
  snapshotted: number;
}

/** The summary of a volume info read locally (undefined: the backup has none). */
export function summarizeVolumes(items: BackupVolume[] | undefined): VolumesSummary {
  if (!items) return { state: 'none', reason: null, items: [], snapshotted: 0 };
  return {
    state: 'listed',
    reason: null,
    items,
    snapshotted: items.filter((item) => item.state === 'snapshotted' || item.state === 'copied').length,
  };
}

/** A volume's snapshot state in words: `snapshotted (driver)`, `skipped: reason`, ... */
export function snapshotState(volume: BackupVolume): string {
  switch (volume.state) {
    case 'copied':
      return volume.detail ?? 'data copied to the location';
    case 'snapshotted':
      return `snapshotted (${volume.driver ?? 'unknown driver'}${volume.readyToUse === false ? ', not ready' : ''})`;
    case 'failed':
      return `snapshot failed${volume.driver ? ` (${volume.driver})` : ''}`;
    case 'skipped':
      return `not snapshotted: ${volume.detail ?? 'skipped'}`;
    default:
      return `backed up by ${volume.detail ?? 'another method'} (not by Lifeboat)`;
  }
}

/** The plain sentence for disks asked for with nothing snapshotted; undefined when it does not apply. */
export function noDisksNote(includeDisks: boolean, volumes: VolumesSummary): string | undefined {
  if (!includeDisks || volumes.snapshotted > 0) return undefined;
  if (volumes.state === 'none')
    return 'Disks were asked for, but this backup recorded no volumes: only its objects were backed up, so a restore brings back empty volumes.';
  if (volumes.state !== 'listed') return undefined;
  return volumes.items.length === 0
    ? 'Disks were asked for, but the backup has no persistent volumes: only its objects were backed up.'
    : `Disks were asked for, but none of its ${volumes.items.length} volume${volumes.items.length === 1 ? ' was' : 's was'} snapshotted (see why above): only its objects were backed up, so a restore brings back empty volumes.`;
}

/** The `Volumes:` section of `backup describe`. */
export function volumesText(includeDisks: boolean, volumes: VolumesSummary): string {
  let text: string;
  if (volumes.state === 'unavailable' || volumes.state === 'unreadable')
    text = `Volumes:          ${volumes.reason ?? volumes.state}\n`;
  else if (volumes.state === 'none')
    text = `Volumes:          ${includeDisks ? 'none recorded' : 'not backed up (taken without --include-disks)'}\n`;
  else if (volumes.items.length === 0)
    text = 'Volumes:          none (no persistent volumes in the backup)\n';
  else {
    const rows = volumes.items.map((volume) => [
      volume.namespace ?? '-',
      volume.pvc ?? '-',
      volume.pv ?? '-',
      volume.sizeBytes === null ? '-' : formatBytes(volume.sizeBytes),
      snapshotState(volume),
    ]);
    text = `Volumes:\n${table(['NAMESPACE', 'PVC', 'PV', 'SIZE', 'SNAPSHOT'], rows)
      .split('\n')
      .map((line) => (line ? `  ${line}` : line))
      .join('\n')}`;
  }
  const note = noDisksNote(includeDisks, volumes);
  return note ? `${text}${note}\n` : text;
}

/** One snapshot as `backup delete` names it: handle, driver and PVC. */
export function snapshotLabel(report: SnapshotDeletionReport): string {
  const pvc = report.pvc ? `, PVC ${report.namespace ? `${report.namespace}/` : ''}${report.pvc}` : '';
  return `${report.snapshotHandle} (driver ${report.driver}${pvc})`;
}
