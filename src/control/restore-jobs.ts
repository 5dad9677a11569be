/**
 * The restore job: runs a queued restore through the engine, saving its item-by-item progress and the phase
 * of each claim it makes from a CSI snapshot as they come, then how it ended; and the end of a restore whose
 * server died mid-run.
 */
import { Results } from '../archive/index.ts';
import type { RestoreItemRecord, RestoreOptionsRecord, RestoreVolumeRecord } from '../db/index.ts';
import * as db from '../db/index.ts';
import { describeError, type KubeClient } from '../kube/index.ts';
import { defaultRestoreParallelism, runRestore, type VolumeProgress } from '../restore/index.ts';
import type { ObjectStore } from '../storage/index.ts';
import { openClusterClient } from './clusters.ts';
import type { ControlContext } from './context.ts';
import { moverSettings } from './data-mover.ts';
import { openStoredLocation } from './locations.ts';
import { ProgressSaver, withRetries } from './progress.ts';

/** The engine's options of a stored restore (the plan's too). */
export function engineOptions(options: RestoreOptionsRecord) {
  return {
    includeNamespaces: options.includeNamespaces,
    excludeNamespaces: options.excludeNamespaces,
    includeResources: options.includeResources,
    excludeResources: options.excludeResources,
    ...(options.clusterResources ? { clusterResources: options.clusterResources } : {}),
    ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
    namespaceMappings: options.namespaceMappings,
    storageClassMappings: options.storageClassMappings,
    existingResourcePolicy: options.existingResourcePolicy,
    preserveNodePorts: options.preserveNodePorts,
    ...(options.volumeSource ? { volumeSource: options.volumeSource } : {}),
  };
}

/** Opens the target cluster and the location for `work`, and closes both after. */
export async function withKubeAndStore<T>(
  ctx: ControlContext,
  target: db.ClusterRecord,
  location: db.LocationRecord,
  work: (kube: KubeClient, store: ObjectStore) => Promise<T>,
): Promise<T> {
  const kube = await openClusterClient(ctx, target, { maxInFlight: defaultRestoreParallelism });
  const store = openStoredLocation(ctx, location);
  try {
    return await work(kube, store);
  } finally {
    await kube.close().catch(() => undefined);
    await store.close().catch(() => undefined);
  }
}

/** How a restore that failed (or was interrupted) ends: the reason as its one error. */
function failedEnd(reason: string, at: Date, itemsTotal = 0): db.RestoreEnd {
  return {
    phase: 'Failed',
    itemsTotal,
    errors: { velero: [reason] },
    warnings: {},
    errorCount: 1,
    warningCount: 0,
    failureReason: reason,
    completedAt: at,
  };
}

/** Records how a restore ended (retried over a lost connection); says whether another end came first. */
async function recordEnd(ctx: ControlContext, restoreId: string, end: db.RestoreEnd): Promise<string> {
  if (await withRetries(() => db.setRestoreEnded(ctx.db, restoreId, end))) return end.phase;
  // Already ended: by a try whose answer was lost, or by another replica's recovery (whose end stands).
  const now = await db.restoreById(ctx.db, restoreId);
  if (now?.phase === end.phase && now.completedAt?.getTime() === end.completedAt.getTime()) return end.phase;
  return `${end.phase}, not recorded: the restore had already ended as ${now?.phase ?? 'deleted'}`;
}

/**
 * The restore job. Each object's result is queued as the engine reports it and saved with the counts in one
 * transaction (saveRestoreProgress): a save that fails is retried with the next one, and the last ones are
 * retried before the end is recorded, so the restore's counts always equal the items it shows.
 */
export async function executeRestore(ctx: ControlContext, restoreId: string): Promise<string> {
  const restore = await db.restoreById(ctx.db, restoreId);
  if (restore?.phase !== 'Queued') return 'not queued';
  await db.setRestoreStarted(ctx.db, restore.id, ctx.clock.now());
  const fail = (reason: string, itemsTotal?: number) =>
    recordEnd(ctx, restore.id, failedEnd(reason, ctx.clock.now(), itemsTotal));
  const source = restore.backupId ? await db.backupById(ctx.db, restore.backupId) : undefined;
  if (source?.phase !== 'Completed' && source?.phase !== 'PartiallyFailed')
    return fail('the backup was deleted (or is being deleted) before the restore started');
  const target = restore.targetClusterId ? await db.clusterById(ctx.db, restore.targetClusterId) : undefined;
  if (!target) return fail('the target cluster was deleted before the restore started');
  const location = restore.locationId ? await db.locationById(ctx.db, restore.locationId) : undefined;
  if (!location) return fail('the location was deleted before the restore started');
  const pending: RestoreItemRecord[] = [];
  let itemsTotal = 0;
  let seq = 0;
  const volumes = new VolumeList();
  const saver = new ProgressSaver<number>(
    async (total) => {
      // Items leave the queue only once saved: a failed save is retried with the next one.
      const batch = pending.slice(0);
      await db.saveRestoreProgress(ctx.db, restore.id, total, batch, volumes.list());
      pending.splice(0, batch.length);
    },
    (error) => ctx.log.warn({ restore: restore.name, err: describeError(error) }, 'saving progress failed'),
  );
  const flush = async () => {
    if (!(await saver.stop()))
      ctx.log.error(
        { restore: restore.name, unsaved: pending.length },
        'the last results of a restore could not be saved: its counts show only the items saved',
      );
  };
  // Only a location this control plane copied volume data to has a repository it can open.
  const mover = location.repositorySecret ? await moverSettings(ctx, location) : undefined;
  try {
    const outcome = await withKubeAndStore(ctx, target, location, (kube, store) =>
      runRestore({
        ...(mover ? { mover } : {}),
        name: restore.name,
        backupName: restore.backupName,
        store,
        kube,
        ...engineOptions(restore.options),
        ...(restore.options.volumeTimeoutMs === undefined
          ? {}
          : { volumeTimeoutMs: restore.options.volumeTimeoutMs }),
        onProgress: (progress) => {
          itemsTotal = progress.totalItems;
          if (progress.volumes) volumes.replace(progress.volumes);
          saver.update(itemsTotal);
        },
        onVolume: (volume) => {
          volumes.set(volume);
          saver.update(itemsTotal);
        },
        onItem: (item) => {
          seq += 1;
          pending.push({
            seq,
            groupResource: item.groupResource,
            kind: item.kind || null,
            namespace: item.namespace ?? null,
            name: item.name,
            action: item.action,
            detail: item.detail ?? null,
          });
          saver.update(itemsTotal);
        },
      }),
    );
    saver.update(outcome.totalItems);
    await flush();
    return await recordEnd(ctx, restore.id, {
      phase: outcome.phase,
      itemsTotal: outcome.totalItems,
      errors: outcome.errors,
      warnings: outcome.warnings,
      errorCount: Results.count(outcome.errors),
      warningCount: Results.count(outcome.warnings),
      failureReason: outcome.failureReason ?? null,
      completedAt: outcome.completionTimestamp,
      volumes: outcome.volumes,
    });
  } catch (error) {
    await flush();
    return fail(describeError(error), itemsTotal);
  }
}

/**
 * The claims of a running restore made from snapshots, as the engine last reported them: the whole list with
 * each progress, and each change as it happens (progress reports are spaced out, volume changes are not).
 * A few entries: saved whole with every progress save.
 */
class VolumeList {
  private readonly byClaim = new Map<string, RestoreVolumeRecord>();

  replace(list: readonly VolumeProgress[]): void {
    this.byClaim.clear();
    for (const volume of list) this.set(volume);
  }

  set(volume: VolumeProgress): void {
    this.byClaim.set(`${volume.namespace}/${volume.pvc}`, { ...volume });
  }

  /** The list to save; undefined while the restore has reported none. */
  list(): RestoreVolumeRecord[] | undefined {
    return this.byClaim.size > 0 ? [...this.byClaim.values()] : undefined;
  }
}

/** A restore whose server died mid-run is Failed; what it created stays, labelled with its name. */
export async function recoverRestore(ctx: ControlContext, restoreId: string): Promise<string> {
  const restore = await db.restoreById(ctx.db, restoreId);
  if (!restore) return 'gone';
  const reason = `interrupted: the server running this restore stopped before it finished; objects it created carry the label lifeboat.io/restore-name=${restore.name} — run the restore again (with existing-resource policy "update" to bring them in line)`;
  const outcome = await recordEnd(ctx, restore.id, failedEnd(reason, ctx.clock.now(), restore.itemsTotal));
  return outcome === 'Failed' ? 'Failed (interrupted)' : outcome;
}
