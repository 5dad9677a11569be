/**
 * Restores in the control plane: a backup of the project into a target cluster of the same project (nothing
 * else is accepted), planned first as a dry run, then run as a job whose item-by-item progress is saved to
 * the database (and streamed from there to every replica's clients), with the phase of each claim it makes
 * from a CSI snapshot (Pending, Bound, or Failed with the reason).
 */
import { randomUUID } from 'node:crypto';
import { readRestoreLogs } from '../backup/index.ts';
import type { RestoreItemRecord, RestoreOptionsRecord, RestoreRecord } from '../db/index.ts';
import * as db from '../db/index.ts';
import { planRestore, RestoreInputError, type RestorePlan, type VolumeProgress } from '../restore/index.ts';
import { authorize, type Caller } from './access.ts';
import { resolveBackup } from './backups.ts';
import { checkClusterHealth, resolveCluster } from './clusters.ts';
import type { ControlContext } from './context.ts';
import { ConflictError, InputError, NotFoundError, PreconditionError } from './errors.ts';
import { openStoredLocation } from './locations.ts';
import { progressOf } from './progress.ts';
import { engineOptions, withKubeAndStore } from './restore-jobs.ts';
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
  /**
   * Each claim the restore makes from a CSI snapshot and where it is: Pending, Bound, or Failed with the
   * reason (empty when the backup snapshotted none of the claims restored).
   */
  volumes: VolumeProgress[];
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
    volumes: restore.volumes ?? [],
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
    ...(input.volumeSource === 'auto' ? {} : { volumeSource: input.volumeSource }),
    ...(input.volumeTimeoutMs === undefined ? {} : { volumeTimeoutMs: input.volumeTimeoutMs }),
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
    planRestore({
      name,
      backupName: backup.name,
      store,
      kube,
      moverAvailable: location.repositorySecret !== null,
      ...engineOptions(optionsOf(input)),
    }).catch(inputError),
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
    volumes: [],
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
