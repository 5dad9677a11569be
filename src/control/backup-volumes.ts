/**
 * A backup's volumes as its detail shows them: read from its volume info in the location (the bucket is the
 * source of truth, and Velero's backups carry the same file), once the backup has finished. A location that
 * cannot be read does not fail the detail: the volumes say why they are not listed.
 */
import { type BackupVolume, backupVolumesOf, readBackupVolumeInfo } from '../backup/index.ts';
import type { BackupRecord } from '../db/index.ts';
import { describeError } from '../kube/index.ts';
import { withStore } from './backup-files.ts';
import type { ControlContext } from './context.ts';

export type { BackupVolume as VolumeView } from '../backup/index.ts';

/** The volumes of a backup, from its volume info. */
export interface BackupVolumesView {
  /**
   * `listed`: read from the backup's volume info (`items` may be empty: no PersistentVolume was in it);
   * `none`: the backup has no volume info (taken without disks, or by a writer that does not record volumes);
   * `unavailable`: the backup has not finished, or its files are gone (`reason` says which);
   * `unreadable`: the volume info or the location could not be read (`reason` says why).
   */
  state: 'listed' | 'none' | 'unavailable' | 'unreadable';
  reason: string | null;
  items: BackupVolume[];
  /** How many of `items` were snapshotted: with disks asked for, 0 means only objects were backed up. */
  snapshotted: number;
}

const empty = (state: BackupVolumesView['state'], reason: string | null): BackupVolumesView => ({
  state,
  reason,
  items: [],
  snapshotted: 0,
});

/** The volumes of `backup`, read from its location when it has finished; never throws for the location. */
export async function backupVolumes(ctx: ControlContext, backup: BackupRecord): Promise<BackupVolumesView> {
  if (backup.phase !== 'Completed' && backup.phase !== 'PartiallyFailed')
    return empty(
      'unavailable',
      backup.phase === 'Queued' || backup.phase === 'InProgress'
        ? `the backup is ${backup.phase}: its volumes are listed once it has finished`
        : `the backup is ${backup.phase}: volumes are listed for Completed and PartiallyFailed backups`,
    );
  try {
    const entries = await withStore(ctx, backup.locationId, (store) =>
      readBackupVolumeInfo(store, backup.name),
    );
    if (!entries) return empty('none', null);
    const items = backupVolumesOf(entries);
    return {
      state: 'listed',
      reason: null,
      items,
      snapshotted: items.filter((item) => item.state === 'snapshotted' || item.state === 'copied').length,
    };
  } catch (error) {
    return empty('unreadable', `the volumes cannot be listed: ${describeError(error)}`);
  }
}
