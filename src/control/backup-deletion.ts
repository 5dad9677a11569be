/**
 * The delete job of a backup (the API's DELETE and expiry both queue it): its snapshot handles are read from
 * its volume info, its files are deleted from the location, then its CSI snapshots through the cluster it was
 * taken of, then its row. Nothing is left Deleting forever, nothing another writer owns is deleted, and a
 * snapshot that could not be deleted is never dropped silently: the backup stays, Failed, naming each one
 * left in the storage (handle, driver, PVC, reason), and the job's outcome and the log say the same.
 */
import { BackupMetadataError } from '../archive/index.ts';
import {
  type BackupDeletion,
  BackupInputError,
  BackupNotFoundError,
  checkBackupName,
  deleteBackupWithSnapshots,
  readBackupDescription,
  type SnapshotDeletionReport,
} from '../backup/index.ts';
import type { BackupRecord } from '../db/index.ts';
import * as db from '../db/index.ts';
import { describeError, type KubeClient } from '../kube/index.ts';
import { LocationError } from '../storage/index.ts';
import { ownsFiles, withStore } from './backup-files.ts';
import { openClusterClient } from './clusters.ts';
import type { ControlContext } from './context.ts';
import { freeBackupData } from './data-mover.ts';
import { PreconditionError } from './errors.ts';

/** The HTTP status a store's SDK error carries (AWS, Google and Azure each put it elsewhere). */
function statusOf(error: unknown): number | undefined {
  for (let e = error; e instanceof Error; e = e.cause) {
    const fields = e as { $metadata?: { httpStatusCode?: number }; statusCode?: number; code?: unknown };
    const status = fields.$metadata?.httpStatusCode ?? fields.statusCode ?? fields.code;
    if (typeof status === 'number' && status >= 400 && status < 600) return status;
  }
  return undefined;
}

/**
 * Whether a deletion failed for good: trying again cannot help (a name that is no valid key, files
 * Lifeboat cannot read as this backup's — its volume info included —, a location that refuses: 4xx other
 * than timeouts and throttling).
 */
function failsForGood(error: unknown): boolean {
  if (
    error instanceof BackupInputError ||
    error instanceof BackupMetadataError ||
    error instanceof LocationError
  )
    return true;
  const status = statusOf(error);
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** How messages name the cluster a backup was taken of. */
function clusterDescription(backup: BackupRecord): string {
  return backup.clusterName ? `cluster "${backup.clusterName}"` : 'the cluster the backup was taken of';
}

/** A client of the cluster the backup was taken of: its snapshots are deleted there. */
async function openSourceCluster(ctx: ControlContext, backup: BackupRecord): Promise<KubeClient> {
  const cluster = backup.clusterId ? await db.clusterById(ctx.db, backup.clusterId) : undefined;
  if (!cluster)
    throw new PreconditionError(
      backup.clusterId || backup.clusterName
        ? 'it is no longer registered in Lifeboat'
        : 'Lifeboat does not know which cluster it was (the backup was found in the location by sync)',
    );
  return openClusterClient(ctx, cluster);
}

/** One snapshot as messages name it: handle, driver and PVC. */
function snapshotLabel(report: SnapshotDeletionReport): string {
  const pvc = report.pvc ? `, PVC ${report.namespace ? `${report.namespace}/` : ''}${report.pvc}` : '';
  return `${report.snapshotHandle} (driver ${report.driver}${pvc})`;
}

/**
 * The sentence a backup whose snapshots were left carries: each snapshot with its reason (those left for one
 * reason — an unreachable cluster — grouped under it), and what to do.
 */
export function snapshotsLeftReason(deletion: BackupDeletion, locationName: string): string {
  const byReason = new Map<string, SnapshotDeletionReport[]>();
  for (const report of deletion.left) {
    const reason = report.reason ?? 'not deleted';
    byReason.set(reason, [...(byReason.get(reason) ?? []), report]);
  }
  const groups = [...byReason.entries()].map(([reason, reports]) =>
    reports.length === 1
      ? `${snapshotLabel(reports[0] as SnapshotDeletionReport)}: ${reason}`
      : `${reason}: ${reports.map(snapshotLabel).join(', ')}`,
  );
  const left = deletion.left.length;
  return `the backup's files were deleted from location "${locationName}", but ${left} of its ${deletion.snapshots.length} volume snapshot${deletion.snapshots.length === 1 ? '' : 's'} ${left === 1 ? 'is' : 'are'} left in the storage — ${groups.join('; ')} — delete ${left === 1 ? 'it' : 'them'} in the storage (or through a VolumeSnapshotContent of each handle); deleting the backup again removes it from Lifeboat`;
}

/** What the job found in the location; `deletion` when it deleted the backup's files. */
interface LocationOutcome {
  outcome: string;
  locationName: string;
  deletion?: BackupDeletion;
}

/**
 * The delete job: idempotent (a backup already gone from the location counts as deleted). Only this row's
 * folder is touched, and only when its files are this row's. A deletion that cannot succeed ends Failed with
 * the reason (never Deleting forever); when it failed for good, deleting again forgets the row. Snapshots
 * left in the storage end it Failed too, naming them; deleting again forgets the row.
 */
export async function executeDeletion(ctx: ControlContext, backupId: string): Promise<string> {
  const backup = await db.backupById(ctx.db, backupId);
  if (!backup) return 'already deleted';
  if (backup.phase !== 'Deleting') return `not deleted: the backup is ${backup.phase}`;
  let found: LocationOutcome;
  try {
    checkBackupName(backup.name);
    found = await withStore(ctx, backup.locationId, async (store, location) => {
      const done = (outcome: string, deletion?: BackupDeletion): LocationOutcome => ({
        outcome,
        locationName: location.name,
        ...(deletion ? { deletion } : {}),
      });
      let labels: Record<string, string> | undefined;
      try {
        labels = (await readBackupDescription(store, backup.name)).labels;
      } catch (error) {
        // Nothing complete under this name: the engine removed its own partial files when it failed.
        if (error instanceof BackupNotFoundError) return done('deleted (no files in the location)');
        throw error;
      }
      if (!ownsFiles(backup, labels))
        return done('deleted; the files of that name in the location belong to another backup and were kept');
      try {
        const deletion = await deleteBackupWithSnapshots(store, backup.name, {
          openCluster: () => openSourceCluster(ctx, backup),
          clusterDescription: clusterDescription(backup),
        });
        const gone = deletion.snapshots.length - deletion.left.length;
        const freed = await freeBackupData(ctx, location, store, backup.name);
        return done(
          `${
            deletion.snapshots.length === 0
              ? 'deleted'
              : `deleted, with ${gone} volume snapshot${gone === 1 ? '' : 's'}`
          }${freed ? `; ${freed}` : ''}`,
          deletion,
        );
      } catch (error) {
        if (!(error instanceof BackupNotFoundError)) throw error;
        return done('deleted');
      }
    });
  } catch (error) {
    const forGood = failsForGood(error);
    const reason = `the backup could not be deleted from its location: ${describeError(error)}${
      forGood
        ? ' — deleting it again removes it from Lifeboat only, leaving the location as it is'
        : ' — delete it again to retry'
    }`;
    await db.setBackupDeleteFailed(ctx.db, backup.id, reason, ctx.clock.now(), forGood);
    ctx.log.warn({ backup: backup.id, name: backup.name, forGood, reason }, 'backup deletion failed');
    return `Failed: ${reason}`;
  }
  const left = found.deletion?.left ?? [];
  if (found.deletion && left.length > 0) {
    const reason = snapshotsLeftReason(found.deletion, found.locationName);
    // Its files are gone: nothing more to delete in the location, so the next deletion forgets the row.
    await db.setBackupDeleteFailed(ctx.db, backup.id, reason, ctx.clock.now(), true);
    ctx.log.warn(
      {
        backup: backup.id,
        name: backup.name,
        snapshotsLeft: left.map((report) => ({
          snapshotHandle: report.snapshotHandle,
          driver: report.driver,
          pvc: report.pvc ? `${report.namespace ?? ''}/${report.pvc}` : undefined,
          reason: report.reason,
        })),
      },
      'backup files deleted; volume snapshots left in the storage',
    );
    return `Failed: ${reason}`;
  }
  await db.deleteBackupRecord(ctx.db, backup.id);
  ctx.log.info(
    {
      backup: backup.name,
      outcome: found.outcome,
      snapshotsDeleted: found.deletion?.snapshots.map((report) => report.snapshotHandle) ?? [],
    },
    'backup deleted',
  );
  return found.outcome;
}
