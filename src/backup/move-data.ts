/**
 * "Copy volume data to the backup location" in a backup run: once the objects are written, each snapshot
 * taken is handed to the data mover (src/volumes/mover), which copies its files into the location's volume
 * repository; then, unless the user keeps them, the CSI snapshots whose data was copied are deleted. A volume
 * whose data could not be copied is an error of the backup that names it (PartiallyFailed) and keeps its
 * snapshot, so it can still be restored from there.
 */

import type { Results } from '../archive/index.ts';
import { describeError, type KubeClient, mapLimit } from '../kube/index.ts';
import type { ObjectStore } from '../storage/index.ts';
import {
  claimKey,
  deleteSnapshots,
  type MovedData,
  type MoverProgress,
  type MoverSettings,
  moverName,
  moveSnapshot,
  openRepository,
  removeLocksOf,
} from '../volumes/index.ts';
import type { DiskSnapshots } from './disks.ts';
import type { RunLog } from './run-log.ts';

/**
 * Removes the repository locks of a mover pod that ended without a result (killed, evicted, out of memory):
 * it is deleted by then, so its shared lock would only keep prune out until it went stale. Best effort.
 */
async function releaseLocks(options: MoveDiskDataOptions, namespace: string, pvc: string): Promise<void> {
  const host = moverName('b', options.backupName, namespace, pvc);
  try {
    const repo = await openRepository(options.store, options.request.secret);
    const removed = await removeLocksOf(repo, host);
    if (removed > 0) options.log.info('removed the repository lock of a mover that did not finish', { host });
  } catch (error) {
    // No repository yet, or the store failing: the lock, if any, goes stale in 30 minutes.
    options.log.warn('the repository lock of a mover that did not finish was not removed', {
      host,
      error: describeError(error),
    });
  }
}

/** What copying volume data needs (`BackupRequest.moveData`). */
export interface MoveDataRequest extends MoverSettings {
  /** The cluster's name: the tag that keeps each claim's line of snapshots (and parents) apart. */
  cluster: string;
  /** Keep each CSI snapshot beside its copied data (default false: deleted once the data is copied). */
  keepSnapshots?: boolean;
  /** Volumes copied at once. Default 2: each pod reads a whole volume and hashes it. */
  concurrency?: number;
}

/** How far one volume's copy is, for the backup's progress. */
export interface VolumeCopyProgress {
  namespace: string;
  pvc: string;
  phase: 'Pending' | 'Copying' | 'Completed' | 'Failed';
  bytesDone: number;
  /** Bytes of the volume, once known. */
  bytesTotal?: number;
  /** Bytes uploaded (new data), once done. */
  bytesUploaded?: number;
  reason?: string;
}

/** Options of `moveDiskData`. */
export interface MoveDiskDataOptions {
  kube: KubeClient;
  /** The location: where a killed mover's lock is removed. */
  store: ObjectStore;
  backupName: string;
  request: MoveDataRequest;
  results: Results;
  log: RunLog;
  onProgress?: (volumes: VolumeCopyProgress[]) => void;
}

/** Copies the data of every snapshot taken; returns what was copied, by claim (`claimKey`). */
export async function moveDiskData(
  disks: DiskSnapshots,
  options: MoveDiskDataOptions,
): Promise<Map<string, MovedData>> {
  const { kube, request, results, log } = options;
  const moved = new Map<string, MovedData>();
  const records = [...disks.records.values()];
  if (records.length === 0) return moved;
  const progress = records.map(
    (record): VolumeCopyProgress => ({
      namespace: record.namespace,
      pvc: record.pvc,
      phase: 'Pending',
      bytesDone: 0,
    }),
  );
  const report = () => options.onProgress?.(progress.map((entry) => ({ ...entry })));
  log.info(`copying the data of ${records.length} volumes to the backup location`);
  const started = Date.now();
  await mapLimit(
    records.map((record, index) => ({ record, index })),
    request.concurrency ?? 2,
    async ({ record, index }) => {
      const entry = progress[index] as VolumeCopyProgress;
      entry.phase = 'Copying';
      report();
      const outcome = await moveSnapshot(kube, record, {
        ...request,
        backupName: options.backupName,
        onProgress: (update: MoverProgress) => {
          entry.bytesDone = update.bytesDone;
          if (update.bytesTotal !== undefined) entry.bytesTotal = update.bytesTotal;
          report();
        },
      });
      if (!outcome.ok) {
        await releaseLocks(options, record.namespace, record.pvc);
        entry.phase = 'Failed';
        entry.reason = outcome.reason;
        results.error(outcome.reason, { namespace: record.namespace });
        log.error('volume data not copied', {
          namespace: record.namespace,
          claim: record.pvc,
          error: outcome.reason,
        });
        report();
        return;
      }
      const { result } = outcome;
      let snapshotKept = request.keepSnapshots ?? false;
      if (!snapshotKept) {
        const [deletion] = await deleteSnapshots(kube, [record]).catch((error: unknown) => [
          { ok: false as const, snapshotHandle: record.snapshotHandle, reason: describeError(error) },
        ]);
        if (deletion && !deletion.ok) {
          // Recorded with the backup, so deleting the backup deletes it later.
          snapshotKept = true;
          const message = `the data of the claim ${outcome.claim} was copied, but its CSI snapshot could not be deleted and is kept with the backup: ${deletion.reason}`;
          results.warning(message, { namespace: record.namespace });
          log.warn(message);
        }
      }
      moved.set(claimKey(record.namespace, record.pvc), {
        snapshotId: result.snapshotId,
        logicalBytes: result.logicalBytes,
        snapshotKept,
      });
      for (const problem of result.problems)
        results.warning(
          `in the volume of the claim ${outcome.claim}, ${problem.path} was not copied: ${problem.reason}`,
          {
            namespace: record.namespace,
          },
        );
      if (result.problemCount > result.problems.length)
        results.warning(
          `in the volume of the claim ${outcome.claim}, ${result.problemCount - result.problems.length} more entries were not copied`,
          { namespace: record.namespace },
        );
      Object.assign(entry, {
        phase: 'Completed',
        bytesDone: result.logicalBytes,
        bytesTotal: result.logicalBytes,
        bytesUploaded: result.transferredBytes,
      });
      log.info('volume data copied', {
        namespace: record.namespace,
        claim: record.pvc,
        snapshot: result.snapshotId,
        files: result.files,
        bytes: result.logicalBytes,
        uploaded: result.transferredBytes,
        ms: result.durationMs,
        csiSnapshot: snapshotKept ? 'kept' : 'deleted',
      });
      report();
    },
  );
  log.info(`copied the data of ${moved.size} of ${records.length} volumes`, { ms: Date.now() - started });
  return moved;
}
