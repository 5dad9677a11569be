/**
 * Restores in the control plane: a backup of the project into a target cluster of the same project (nothing
 * else is accepted), planned first as a dry run, then run as a job whose item-by-item progress is saved to
 * the database (and streamed from there to every replica's clients).
 */
import { randomUUID } from 'node:crypto';
import { Results } from '../archive/index.ts';
import { readRestoreLogs } from '../backup/index.ts';
import type { RestoreItemRecord, RestoreOptionsRecord, RestoreRecord } from '../db/index.ts';
import * as db from '../db/index.ts';
import { describeError, type KubeClient } from '../kube/index.ts';
import { planRestore, RestoreInputError, type RestorePlan, runRestore } from '../restore/index.ts';
import type { ObjectStore } from '../storage/index.ts';
import { authorize, type Caller } from './access.ts';
import { resolveBackup } from './backups.ts';
import { checkClusterHealth, openClusterClient, resolveCluster } from './clusters.ts';
import type { ControlContext } from './context.ts';
import { ConflictError, InputError, NotFoundError, PreconditionError } from './errors.ts';
import { openStoredLocation } from './locations.ts';
import { ProgressSaver, progressOf, withRetries } from './progress.ts';
import type { RestoreInput } from './schemas.ts';

export interface RestoreView {
  id: string;
  projectId: string;
  name: string;
  backup: { id: string | null; name: string };
  sourceClusterId: string | null;
  targetCluster: { id: string | null; name: string };
  options: RestoreOptionsRecord;
  phase: RestoreRecord['phase'];
  progress: { itemsDone: number; itemsTotal: number; percent: number };
  counts: Record<string, number>;
  errorCount: number;
  warningCount: number;
  errors: RestoreRecord['errors'];
  warnings: RestoreRecord['warnings'];
  failureReason: string | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
}

export function viewRestore(restore: RestoreRecord): RestoreView {
  const finished = restore.phase === 'Completed' || restore.phase === 'PartiallyFailed';
  return {
    id: restore.id,
    projectId: restore.projectId,
    name: restore.name,
    backup: { id: restore.backupId, name: restore.backupName },
    sourceClusterId: restore.sourceClusterId,
    targetCluster: { id: restore.targetClusterId, name: restore.targetClusterName },
    options: restore.options,
    phase: restore.phase,
    progress: progressOf(finished, restore.itemsDone, restore.itemsTotal),
    counts: restore.counts,
    errorCount: restore.errorCount,
    warningCount: restore.warningCount,
    errors: restore.errors,
    warnings: restore.warnings,
    failureReason: restore.failureReason,
    createdAt: restore.createdAt.toISOString(),
    startedAt: restore.startedAt?.toISOString() ?? null,
    completedAt: restore.completedAt?.toISOString() ?? null,
  };
}

function optionsOf(input: RestoreInput): RestoreOptionsRecord {
  return {
    includeNamespaces: input.includeNamespaces,
    excludeNamespaces: input.excludeNamespaces,
    includeResources: input.includeResources,
    excludeResources: input.excludeResources,
    ...(input.includeClusterResources ? { clusterResources: input.includeClusterResources } : {}),
    ...(input.labelSelector ? { labelSelector: input.labelSelector } : {}),
    namespaceMappings: input.namespaceMappings,
    storageClassMappings: input.storageClassMappings,
    existingResourcePolicy: input.existingResourcePolicy,
    preserveNodePorts: input.preserveNodePorts,
  };
}

function engineOptions(options: RestoreOptionsRecord) {
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
  };
}

/** Resolves and checks what a restore request names: its backup, and a Healthy target of the same project. */
async function resolveRequest(ctx: ControlContext, caller: Caller, projectRef: string, input: RestoreInput) {
  const { project } = await authorize(ctx, caller, projectRef, 'operator');
  const backup = await resolveBackup(ctx, project.id, input.backup);
  if (backup.phase !== 'Completed' && backup.phase !== 'PartiallyFailed')
    throw new ConflictError(
      `backup "${backup.name}" is ${backup.phase}: only a Completed or PartiallyFailed backup can be restored`,
    );
  const found = await db.findCluster(ctx.db, project.id, input.targetCluster);
  if (!found)
    throw new InputError(
      `target cluster "${input.targetCluster}" is not a cluster of project "${project.name}": a backup is restored only to clusters of its own project`,
      [{ path: 'targetCluster', message: 'not a cluster of this project' }],
    );
  const target = await checkClusterHealth(ctx, found);
  if (target.health !== 'Healthy')
    throw new PreconditionError(
      `cannot restore: cluster "${target.name}" is ${target.health}${target.healthReason ? `: ${target.healthReason}` : ''}`,
    );
  const location = await db.locationById(ctx.db, backup.locationId);
  if (!location) throw new NotFoundError('location', backup.locationId);
  return { project, backup, target, location };
}

function restoreName(input: RestoreInput, backupName: string, at: Date): string {
  if (input.name) return input.name;
  const stamp = at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${backupName.slice(0, 63 - stamp.length - 1).replace(/[-.]+$/, '')}-${stamp}`;
}

async function withKubeAndStore<T>(
  ctx: ControlContext,
  target: db.ClusterRecord,
  location: db.LocationRecord,
  work: (kube: KubeClient, store: ObjectStore) => Promise<T>,
): Promise<T> {
  const kube = await openClusterClient(ctx, target, { maxInFlight: 32 });
  const store = openStoredLocation(ctx, location);
  try {
    return await work(kube, store);
  } finally {
    await kube.close().catch(() => undefined);
    await store.close().catch(() => undefined);
  }
}

function inputError(error: unknown): never {
  if (error instanceof RestoreInputError) throw new InputError(error.message);
  throw error;
}

/** The dry run: what a restore would do, checked by the target's API server; writes nothing. */
export async function planRestoreFor(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  input: RestoreInput,
): Promise<RestorePlan> {
  const { backup, target, location } = await resolveRequest(ctx, caller, projectRef, input);
  const name = restoreName(input, backup.name, ctx.clock.now());
  return withKubeAndStore(ctx, target, location, (kube, store) =>
    planRestore({ name, backupName: backup.name, store, kube, ...engineOptions(optionsOf(input)) }).catch(
      inputError,
    ),
  );
}

export async function createRestore(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  input: RestoreInput,
): Promise<RestoreView> {
  const { project, backup, target } = await resolveRequest(ctx, caller, projectRef, input);
  const now = ctx.clock.now();
  const record: RestoreRecord = {
    id: randomUUID(),
    projectId: project.id,
    backupId: backup.id,
    backupName: backup.name,
    locationId: backup.locationId,
    sourceClusterId: backup.clusterId,
    targetClusterId: target.id,
    targetClusterName: target.name,
    name: restoreName(input, backup.name, now),
    options: optionsOf(input),
    phase: 'Queued',
    itemsDone: 0,
    itemsTotal: 0,
    counts: {},
    errorCount: 0,
    warningCount: 0,
    errors: {},
    warnings: {},
    failureReason: null,
    createdAt: now,
    startedAt: null,
    completedAt: null,
  };
  if ((await db.findRestores(ctx.db, project.id, record.name)).length > 0)
    throw new ConflictError(`a restore named "${record.name}" already exists: pick another name`);
  await ctx.db.transaction(async (tx) => {
    await db.insertRestore(tx, record);
    await db.enqueueJob(tx, 'restore', record.id, now);
  });
  return viewRestore(record);
}

export async function listRestores(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  filter: { cluster?: string | undefined; backup?: string | undefined },
): Promise<RestoreView[]> {
  const { project } = await authorize(ctx, caller, projectRef, 'viewer');
  const dbFilter: { clusterId?: string; backupId?: string } = {};
  if (filter.cluster)
    dbFilter.clusterId = (await resolveCluster(ctx, caller, projectRef, filter.cluster, 'viewer')).id;
  if (filter.backup) dbFilter.backupId = (await resolveBackup(ctx, project.id, filter.backup)).id;
  return (await db.listRestoreRecords(ctx.db, project.id, dbFilter)).map(viewRestore);
}

/**
 * The restore `ref` names in the project: the one with that id, else the one of that name (restore names are
 * unique in a project; should several ever match, a 409 names each rather than a guess).
 */
export async function resolveRestore(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  restoreRef: string,
) {
  const { project } = await authorize(ctx, caller, projectRef, 'viewer');
  const found = await db.findRestores(ctx.db, project.id, restoreRef);
  const [first] = found;
  if (!first) throw new NotFoundError('restore', restoreRef);
  if (first.id === restoreRef || found.length === 1) return first;
  throw new ConflictError(
    `"${restoreRef}" names ${found.length} restores of this project: ${found
      .map((r) => `"${r.name}" into cluster "${r.targetClusterName}", id ${r.id}`)
      .join('; ')} — address the restore by its id`,
  );
}

export async function getRestore(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  restoreRef: string,
) {
  return viewRestore(await resolveRestore(ctx, caller, projectRef, restoreRef));
}

/** Items done after `after` (a sequence number), oldest first. */
export async function restoreItems(
  ctx: ControlContext,
  restoreId: string,
  after: number,
  limit: number,
): Promise<RestoreItemRecord[]> {
  return db.listRestoreItems(ctx.db, restoreId, after, limit);
}

export async function restoreLogs(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  restoreRef: string,
) {
  const restore = await resolveRestore(ctx, caller, projectRef, restoreRef);
  const location = restore.locationId ? await db.locationById(ctx.db, restore.locationId) : undefined;
  if (!location) return '';
  const store = openStoredLocation(ctx, location);
  try {
    return (await readRestoreLogs(store, restore.name)) ?? '';
  } finally {
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
  const saver = new ProgressSaver<number>(
    async (total) => {
      // Items leave the queue only once saved: a failed save is retried with the next one.
      const batch = pending.slice(0);
      await db.saveRestoreProgress(ctx.db, restore.id, total, batch);
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
  try {
    const outcome = await withKubeAndStore(ctx, target, location, (kube, store) =>
      runRestore({
        name: restore.name,
        backupName: restore.backupName,
        store,
        kube,
        ...engineOptions(restore.options),
        onProgress: (progress) => {
          itemsTotal = progress.totalItems;
          saver.update(itemsTotal);
        },
        onItem: (item) => {
          seq += 1;
          pending.push({
            seq,
            groupResource: item.groupResource,
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
    });
  } catch (error) {
    await flush();
    return fail(describeError(error), itemsTotal);
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
