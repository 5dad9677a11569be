/**
 * The jobs of a backup: taking it (the engine, progress saved every quarter second) and recovering one whose
 * server died mid-run (deleting one is in backup-deletion.ts). Each ends in a phase a user can see: nothing is
 * left Queued or InProgress forever, and nothing another writer owns is claimed.
 */
import { type BackupDescription, BackupMetadataError, type ResultGroup } from '../archive/index.ts';
import {
  BackupExistsError,
  BackupInputError,
  BackupNotFoundError,
  describeBackup,
  type MoveDataRequest,
  removeBackupFiles,
  runBackup,
} from '../backup/index.ts';
import type { BackupRecord, LocationRecord, VolumeCopyRecord } from '../db/index.ts';
import * as db from '../db/index.ts';
import { describeError, type KubeClient } from '../kube/index.ts';
import { ObjectExistsError, ObjectNotFoundError, type ObjectStore } from '../storage/index.ts';
import {
  backupIdLabel,
  clusterIdLabel,
  folderIsFree,
  ownsFiles,
  projectIdLabel,
  withStore,
} from './backup-files.ts';
import { maxNameChoices, suffixedName, unhealthyReason } from './backup-runs.ts';
import { checkClusterHealth, openClusterClient } from './clusters.ts';
import type { ControlContext } from './context.ts';
import { copiesVolumeData, keepsVolumeSnapshots, moverSettings } from './data-mover.ts';
import { openStoredLocation } from './locations.ts';
import { ProgressSaver } from './progress.ts';

/** How a backup that failed (or was interrupted) ends: the reason as its one error. */
function failedEnd(reason: string, at: Date, progress = { itemsDone: 0, itemsTotal: 0 }): db.BackupEnd {
  return {
    phase: 'Failed',
    ...progress,
    bytes: 0,
    errors: { velero: [reason] },
    warnings: {},
    errorCount: 1,
    warningCount: 0,
    failureReason: reason,
    completedAt: at,
  };
}

/** How a backup ends, from the `velero-backup.json` the engine wrote and its results. */
function endFromDescription(
  d: BackupDescription,
  results: { errors: ResultGroup; warnings: ResultGroup },
  at: Date,
): db.BackupEnd {
  return {
    phase: d.phase === 'Completed' || d.phase === 'PartiallyFailed' ? d.phase : 'Failed',
    itemsDone: d.itemsBackedUp,
    itemsTotal: d.totalItems,
    bytes: d.sizeBytes,
    errors: results.errors,
    warnings: results.warnings,
    errorCount: d.errors,
    warningCount: d.warnings,
    failureReason: d.failureReason ?? null,
    completedAt: d.completionTimestamp ?? at,
    expiresAt: d.expiration,
  };
}

/** True when the engine refused a name because another writer already has a backup of it in the bucket. */
function nameTaken(error: unknown): boolean {
  return error instanceof BackupExistsError || error instanceof ObjectExistsError;
}

/**
 * Renames a scheduled backup whose name another writer took in the bucket: the first `<name>-<n>` after
 * `tried` that is free both in the database and in the bucket. Undefined when none is.
 */
async function takeFreeName(
  ctx: ControlContext,
  store: ObjectStore,
  backup: BackupRecord,
  tried: number,
): Promise<{ name: string; choice: number } | undefined> {
  for (let choice = tried + 1; choice <= maxNameChoices; choice++) {
    const name = suffixedName(backup.name, choice);
    if (await db.backupNameTaken(ctx.db, backup.locationId, name)) continue;
    if (!(await folderIsFree(store, name))) continue;
    if (await db.renameBackup(ctx.db, backup.id, name)) return { name, choice };
  }
  return undefined;
}

/**
 * The backup job: runs the engine, saving progress every quarter second, and records how it ended. A
 * scheduled backup whose name another writer took in the bucket is taken under the next free name (logged,
 * and noted in its warnings); an on-demand one fails saying the name is taken.
 */
export async function executeBackup(ctx: ControlContext, backupId: string): Promise<string> {
  const backup = await db.backupById(ctx.db, backupId);
  if (backup?.phase !== 'Queued') return 'not queued';
  const started = ctx.clock.now();
  await db.setBackupStarted(ctx.db, backup.id, started);
  const cluster = backup.clusterId ? await db.clusterById(ctx.db, backup.clusterId) : undefined;
  const fail = async (reason: string) => {
    await db.setBackupEnded(ctx.db, backup.id, failedEnd(reason, ctx.clock.now()));
    return 'Failed';
  };
  if (!cluster) return fail('the cluster was deleted before the backup started');
  const reason = unhealthyReason(await checkClusterHealth(ctx, cluster));
  if (reason) return fail(`skipped: ${reason}`);
  const location = await db.locationById(ctx.db, backup.locationId);
  if (!location) return fail('the location was deleted before the backup started');
  let kube: KubeClient | undefined;
  let store: ObjectStore | undefined;
  const saver = new ProgressSaver<JobProgress>(
    async ({ volumeCopies, ...progress }) => {
      await db.setBackupProgress(ctx.db, backup.id, progress);
      if (volumeCopies) await db.setBackupVolumeCopies(ctx.db, backup.id, volumeCopies);
    },
    (error) => ctx.log.warn({ backup: backup.name, err: describeError(error) }, 'saving progress failed'),
  );
  const notes: string[] = [];
  let name = backup.name;
  let choice = 1;
  try {
    kube = await openClusterClient(ctx, cluster);
    store = openStoredLocation(ctx, location);
    const moveData = copiesVolumeData(backup.options, location)
      ? {
          ...(await moverSettings(ctx, location)),
          cluster: cluster.name,
          keepSnapshots: keepsVolumeSnapshots(backup.options, location),
        }
      : undefined;
    for (;;) {
      try {
        const outcome = await runEngine(backup, name, cluster.id, kube, store, location, saver, moveData);
        await saver.stop();
        const end = endFromDescription(outcome.description, outcome, ctx.clock.now());
        if (notes.length > 0) {
          end.warnings = { ...end.warnings, velero: [...notes, ...(end.warnings.velero ?? [])] };
          end.warningCount += notes.length;
        }
        await db.setBackupEnded(ctx.db, backup.id, end);
        return outcome.description.phase;
      } catch (error) {
        if (!nameTaken(error)) throw error;
        const taken = `a backup named "${name}" already exists in location "${location.name}" (another writer made it)`;
        if (backup.trigger !== 'schedule') {
          await saver.stop();
          return fail(`${taken}: choose another name`);
        }
        const next = await takeFreeName(ctx, store, backup, choice);
        if (!next) {
          await saver.stop();
          return fail(
            `${taken}, and so are the next ${maxNameChoices - 1} names: the scheduled backup was not taken`,
          );
        }
        notes.push(`${taken}: this scheduled backup was taken as "${next.name}"`);
        ctx.log.warn(
          { backup: backup.id, wanted: name, taken: next.name, location: location.name },
          `the scheduled backup's name "${name}" is taken in the bucket: taken as "${next.name}"`,
        );
        ({ name, choice } = next);
      }
    }
  } catch (error) {
    await saver.stop();
    return fail(describeError(error));
  } finally {
    await kube?.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
  }
}

function runEngine(
  backup: BackupRecord,
  name: string,
  clusterId: string,
  kube: KubeClient,
  store: ObjectStore,
  location: LocationRecord,
  saver: ProgressSaver<JobProgress>,
  moveData: MoveDataRequest | undefined,
) {
  const { options } = backup;
  return runBackup({
    name,
    kube,
    store,
    storageLocation: location.name,
    includeNamespaces: options.includeNamespaces,
    excludeNamespaces: options.excludeNamespaces,
    includeResources: options.includeResources,
    excludeResources: options.excludeResources,
    clusterResources: options.clusterResources,
    ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
    ttlMs: options.ttlHours * 3600_000,
    includeDisks: options.includeDisks,
    ...(moveData ? { moveData } : {}),
    labels: {
      [clusterIdLabel]: clusterId,
      [projectIdLabel]: backup.projectId,
      [backupIdLabel]: backup.id,
    },
    onProgress: (progress) =>
      saver.update({
        itemsDone: progress.itemsBackedUp,
        itemsTotal: progress.totalItems,
        bytes: progress.bytes,
        ...(progress.volumeCopies ? { volumeCopies: progress.volumeCopies } : {}),
      }),
  });
}

/** What a running backup saves as it goes. */
interface JobProgress {
  itemsDone: number;
  itemsTotal: number;
  bytes: number;
  volumeCopies?: VolumeCopyRecord[];
}

/**
 * A backup whose server died mid-run: if the engine had finished writing it (its `velero-backup.json` is in
 * the location) it is recorded from that file; otherwise its partial files are removed and it is Failed.
 * Files this row cannot prove its own (another writer's, or a description Lifeboat cannot read) are kept.
 */
export async function recoverBackup(ctx: ControlContext, backupId: string): Promise<string> {
  const backup = await db.backupById(ctx.db, backupId);
  if (!backup) return 'gone';
  return withStore(ctx, backup.locationId, async (store) => {
    try {
      const details = await describeBackup(store, backup.name);
      const d = details.description;
      if (!ownsFiles(backup, d.labels)) {
        const reason = `interrupted before it wrote anything; a backup named "${backup.name}" in the location belongs to another writer and was left alone`;
        await db.setBackupEnded(ctx.db, backup.id, failedEnd(reason, ctx.clock.now()));
        return 'Failed (interrupted; files of another writer kept)';
      }
      await db.setBackupEnded(ctx.db, backup.id, endFromDescription(d, details, ctx.clock.now()));
      return `recovered as ${d.phase}`;
    } catch (error) {
      if (error instanceof BackupMetadataError || error instanceof BackupInputError) {
        const reason = `interrupted; the files under its name in the location cannot be read as its own (${describeError(error)}) and were left alone`;
        await db.setBackupEnded(ctx.db, backup.id, failedEnd(reason, ctx.clock.now()));
        return 'Failed (interrupted; unreadable files kept)';
      }
      if (!(error instanceof BackupNotFoundError) && !(error instanceof ObjectNotFoundError)) throw error;
    }
    // Only a folder this very row claimed: a partial folder of that name may be another writer's.
    const removed = await removeBackupFiles(store, backup.name, { labels: { [backupIdLabel]: backup.id } });
    const reason = `interrupted: the server running this backup stopped before it finished; ${
      removed ? 'its partial files were removed' : 'nothing of it was removed from the location'
    } — run it again`;
    await db.setBackupEnded(
      ctx.db,
      backup.id,
      failedEnd(reason, ctx.clock.now(), { itemsDone: backup.itemsDone, itemsTotal: backup.itemsTotal }),
    );
    return 'Failed (interrupted)';
  });
}
