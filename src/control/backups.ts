/**
 * Backups in the control plane: on demand, per workspace (one per member cluster, grouped), from schedules
 * (see scheduler.ts); each runs as a job. The bucket stays the source of truth: a backup's row mirrors
 * what the engine wrote, and deleting a backup deletes it from the location first.
 */
import { randomUUID } from 'node:crypto';
import { type BackupDescription, BackupMetadataError, type ResultGroup } from '../archive/index.ts';
import {
  BackupNotFoundError,
  checkBackupName,
  deleteBackup as deleteStoredBackup,
  describeBackup,
  readBackupDescription,
  readBackupLogs,
  removeBackupFiles,
  runBackup,
} from '../backup/index.ts';
import type { BackupOptions, BackupRecord, ClusterRecord, PolicyRecord, Queryable } from '../db/index.ts';
import * as db from '../db/index.ts';
import { describeError, type KubeClient } from '../kube/index.ts';
import { ObjectNotFoundError, type ObjectStore, StorageError } from '../storage/index.ts';
import { authorize, type Caller } from './access.ts';
import { checkClusterHealth, openClusterClient, resolveCluster } from './clusters.ts';
import type { ControlContext } from './context.ts';
import { ConflictError, InputError, NotFoundError, PreconditionError } from './errors.ts';
import { openStoredLocation, resolveLocation } from './locations.ts';
import { ProgressSaver, progressOf } from './progress.ts';
import type { BackupInput } from './schemas.ts';
import { resolveWorkspace } from './workspaces.ts';

/** Labels on every backup the control plane makes, so a rebuilt server can attribute synced backups. */
export const clusterIdLabel = 'lifeboat.io/cluster-id';
export const projectIdLabel = 'lifeboat.io/project-id';
/** The control plane's row of a backup: only files carrying it (or synced from that very file) are ours. */
export const backupIdLabel = 'lifeboat.io/backup-id';

/**
 * Whether the backup files under this name in the bucket are the ones this row stands for. Another writer
 * (the CLI, Velero, another project on the same bucket) may own a backup of the same name; a row whose own
 * run failed before writing anything must never delete or claim that.
 */
function ownsFiles(backup: BackupRecord, labels: Record<string, string> | undefined): boolean {
  // A synced row was made from the very file in the location.
  return backup.trigger === 'sync' || labels?.[backupIdLabel] === backup.id;
}

export interface BackupView {
  id: string;
  projectId: string;
  name: string;
  location: { id: string };
  cluster: { id: string | null; name: string | null };
  workspaceId: string | null;
  groupId: string | null;
  trigger: BackupRecord['trigger'];
  phase: BackupRecord['phase'];
  progress: { itemsDone: number; itemsTotal: number; percent: number };
  bytes: number;
  errorCount: number;
  warningCount: number;
  errors: BackupRecord['errors'];
  warnings: BackupRecord['warnings'];
  failureReason: string | null;
  options: BackupOptions;
  expiresAt: string | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
}

export function viewBackup(backup: BackupRecord): BackupView {
  const finished = backup.phase === 'Completed' || backup.phase === 'PartiallyFailed';
  return {
    id: backup.id,
    projectId: backup.projectId,
    name: backup.name,
    location: { id: backup.locationId },
    cluster: { id: backup.clusterId, name: backup.clusterName },
    workspaceId: backup.workspaceId,
    groupId: backup.groupId,
    trigger: backup.trigger,
    phase: backup.phase,
    progress: progressOf(finished, backup.itemsDone, backup.itemsTotal),
    bytes: backup.bytes,
    errorCount: backup.errorCount,
    warningCount: backup.warningCount,
    errors: backup.errors,
    warnings: backup.warnings,
    failureReason: backup.failureReason,
    options: backup.options,
    expiresAt: backup.expiresAt?.toISOString() ?? null,
    createdAt: backup.createdAt.toISOString(),
    startedAt: backup.startedAt?.toISOString() ?? null,
    completedAt: backup.completedAt?.toISOString() ?? null,
  };
}

function stamp(at: Date): string {
  return at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function optionsOf(input: BackupInput): BackupOptions {
  return {
    includeNamespaces: input.namespaces,
    excludeNamespaces: input.excludeNamespaces,
    includeResources: input.includeResources,
    excludeResources: input.excludeResources,
    clusterResources: input.includeClusterResources,
    ...(input.labelSelector ? { labelSelector: input.labelSelector } : {}),
    includeDisks: input.includeDisks,
    ttlHours: input.expiryHours,
  };
}

/** What a new backup row needs besides its name and options. */
interface NewBackup {
  projectId: string;
  locationId: string;
  cluster: ClusterRecord;
  name: string;
  options: BackupOptions;
  trigger: BackupRecord['trigger'];
  workspaceId?: string;
  groupId?: string;
  policyId?: string;
  /** When set, the backup is recorded as Failed with this reason and no job runs (an unhealthy cluster). */
  skipReason?: string;
}

/** Records a backup and its job in one transaction; false when the name is taken in that location. */
export async function enqueueBackup(
  ctx: ControlContext,
  tx: Queryable,
  input: NewBackup,
): Promise<BackupRecord | undefined> {
  const now = ctx.clock.now();
  const record: BackupRecord = {
    id: randomUUID(),
    projectId: input.projectId,
    locationId: input.locationId,
    clusterId: input.cluster.id,
    clusterName: input.cluster.name,
    workspaceId: input.workspaceId ?? null,
    groupId: input.groupId ?? null,
    policyId: input.policyId ?? null,
    name: input.name,
    trigger: input.trigger,
    phase: input.skipReason ? 'Failed' : 'Queued',
    options: input.options,
    itemsDone: 0,
    itemsTotal: 0,
    bytes: 0,
    errorCount: input.skipReason ? 1 : 0,
    warningCount: 0,
    errors: input.skipReason ? { velero: [input.skipReason] } : {},
    warnings: {},
    failureReason: input.skipReason ?? null,
    expiresAt: new Date(now.getTime() + input.options.ttlHours * 3600_000),
    createdAt: now,
    startedAt: null,
    completedAt: input.skipReason ? now : null,
  };
  if (!(await db.insertBackup(tx, record))) return undefined;
  if (!input.skipReason) await db.enqueueJob(tx, 'backup', record.id, now);
  return record;
}

/** Why a cluster cannot be backed up now, or undefined when it can. */
function unhealthyReason(cluster: ClusterRecord): string | undefined {
  if (cluster.health === 'Healthy') return undefined;
  return `cluster "${cluster.name}" is ${cluster.health}${cluster.healthReason ? `: ${cluster.healthReason}` : ''}`;
}

/** Starts an on-demand backup of one cluster (the cluster must be Healthy, checked now). */
export async function createBackup(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  clusterRef: string,
  input: BackupInput,
): Promise<BackupView> {
  const { project } = await authorize(ctx, caller, projectRef, 'operator');
  const cluster = await checkClusterHealth(
    ctx,
    await resolveCluster(ctx, caller, projectRef, clusterRef, 'operator'),
  );
  const location = await resolveLocation(ctx, project.id, input.location);
  const reason = unhealthyReason(cluster);
  if (reason) throw new PreconditionError(`cannot back up: ${reason}`, [reason]);
  const name = input.name ?? `manual-${stamp(ctx.clock.now())}`;
  try {
    checkBackupName(name);
  } catch (error) {
    throw new InputError((error as Error).message, [{ path: 'name', message: (error as Error).message }]);
  }
  const record = await ctx.db.transaction((tx) =>
    enqueueBackup(ctx, tx, {
      projectId: project.id,
      locationId: location.id,
      cluster,
      name,
      options: optionsOf(input),
      trigger: 'manual',
    }),
  );
  if (!record)
    throw new ConflictError(
      `location "${location.name}" already has a backup named "${name}": pick another name`,
    );
  return viewBackup(record);
}

/** The name of a workspace member's backup: the run's name and the cluster's, at most 63 characters. */
function memberBackupName(base: string, cluster: string): string {
  const name = `${base}-${cluster}`;
  return name.length <= 63 ? name : `${name.slice(0, 54).replace(/[-.]+$/, '')}-${randomUUID().slice(0, 8)}`;
}

export interface GroupView {
  groupId: string;
  backups: BackupView[];
  skipped: { cluster: string; reason: string }[];
}

/**
 * Backs up every member of a workspace as one group; unhealthy members are skipped (recorded as Failed
 * with the reason, so the group shows why).
 */
export async function startWorkspaceBackup(
  ctx: ControlContext,
  workspace: db.WorkspaceRecord,
  run: {
    base: string;
    locationId: string;
    options: BackupOptions;
    trigger: BackupRecord['trigger'];
    policyId?: string;
  },
  checkHealth: boolean,
): Promise<GroupView> {
  const groupId = randomUUID();
  const members = (await db.listClusters(ctx.db, workspace.projectId)).filter((cluster) =>
    workspace.clusterIds.includes(cluster.id),
  );
  const backups: BackupView[] = [];
  const skipped: GroupView['skipped'] = [];
  for (const member of members) {
    const cluster = checkHealth ? await checkClusterHealth(ctx, member) : member;
    const reason = unhealthyReason(cluster);
    const record = await ctx.db.transaction((tx) =>
      enqueueBackup(ctx, tx, {
        projectId: workspace.projectId,
        locationId: run.locationId,
        cluster,
        name: memberBackupName(run.base, cluster.name),
        options: run.options,
        trigger: run.trigger,
        workspaceId: workspace.id,
        groupId,
        ...(run.policyId ? { policyId: run.policyId } : {}),
        ...(reason ? { skipReason: `skipped: ${reason}` } : {}),
      }),
    );
    if (reason) skipped.push({ cluster: cluster.name, reason });
    if (record) backups.push(viewBackup(record));
  }
  return { groupId, backups, skipped };
}

export async function createWorkspaceBackup(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  workspaceRef: string,
  input: BackupInput,
): Promise<GroupView> {
  const { project } = await authorize(ctx, caller, projectRef, 'operator');
  const workspace = await resolveWorkspace(ctx, caller, projectRef, workspaceRef, 'operator');
  const location = await resolveLocation(ctx, project.id, input.location);
  const base = input.name ?? `${workspace.name}-${stamp(ctx.clock.now())}`;
  const options = optionsOf(input);
  if (options.includeNamespaces.length === 0) options.includeNamespaces = workspace.namespaces;
  return startWorkspaceBackup(
    ctx,
    workspace,
    { base, locationId: location.id, options, trigger: 'manual' },
    true,
  );
}

/**
 * Records the backups of a due policy inside the scheduler's transaction (so a slot is taken and its
 * backups recorded together, or neither). Cluster health is checked when each job starts.
 */
export async function startPolicyRun(
  ctx: ControlContext,
  tx: Queryable,
  policy: PolicyRecord,
  name: string,
): Promise<number> {
  const options: BackupOptions = {
    includeNamespaces: policy.namespaces,
    excludeNamespaces: [],
    includeResources: [],
    excludeResources: [],
    clusterResources: policy.clusterResources,
    includeDisks: policy.includeDisks,
    ttlHours: policy.ttlHours,
  };
  const run = {
    projectId: policy.projectId,
    locationId: policy.locationId,
    options,
    trigger: 'schedule' as const,
  };
  if (policy.workspaceId) {
    const workspace = await db.workspaceById(tx, policy.workspaceId);
    if (!workspace) return 0;
    if (options.includeNamespaces.length === 0) options.includeNamespaces = workspace.namespaces;
    const groupId = randomUUID();
    let count = 0;
    for (const cluster of await db.listClusters(tx, policy.projectId)) {
      if (!workspace.clusterIds.includes(cluster.id)) continue;
      const record = await enqueueBackup(ctx, tx, {
        ...run,
        cluster,
        name: memberBackupName(name, cluster.name),
        workspaceId: workspace.id,
        groupId,
        policyId: policy.id,
      });
      if (record) count += 1;
    }
    return count;
  }
  const cluster = policy.clusterId ? await db.clusterById(tx, policy.clusterId) : undefined;
  if (!cluster) return 0;
  return (await enqueueBackup(ctx, tx, { ...run, cluster, name, policyId: policy.id })) ? 1 : 0;
}

export async function listBackups(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  filter: {
    cluster?: string | undefined;
    workspace?: string | undefined;
    group?: string | undefined;
    location?: string | undefined;
  },
): Promise<BackupView[]> {
  const { project } = await authorize(ctx, caller, projectRef, 'viewer');
  const dbFilter: db.BackupFilter = {};
  if (filter.cluster)
    dbFilter.clusterId = (await resolveCluster(ctx, caller, projectRef, filter.cluster, 'viewer')).id;
  if (filter.workspace)
    dbFilter.workspaceId = (await resolveWorkspace(ctx, caller, projectRef, filter.workspace, 'viewer')).id;
  if (filter.group) dbFilter.groupId = filter.group;
  if (filter.location) dbFilter.locationId = (await resolveLocation(ctx, project.id, filter.location)).id;
  return (await db.listBackupRecords(ctx.db, project.id, dbFilter)).map(viewBackup);
}

export async function resolveBackup(
  ctx: ControlContext,
  projectId: string,
  backupRef: string,
): Promise<BackupRecord> {
  const backup = await db.findBackup(ctx.db, projectId, backupRef);
  if (!backup) throw new NotFoundError('backup', backupRef);
  return backup;
}

export async function getBackup(ctx: ControlContext, caller: Caller, projectRef: string, backupRef: string) {
  const { project } = await authorize(ctx, caller, projectRef, 'viewer');
  return viewBackup(await resolveBackup(ctx, project.id, backupRef));
}

/** Errors the API already maps to a status with a message of ours. */
function isOurs(error: Error): boolean {
  return [
    BackupNotFoundError,
    ObjectNotFoundError,
    StorageError,
    ConflictError,
    NotFoundError,
    InputError,
    BackupMetadataError,
  ].some((type) => error instanceof type);
}

async function withStore<T>(
  ctx: ControlContext,
  locationId: string,
  work: (store: ObjectStore) => Promise<T>,
) {
  const location = await db.locationById(ctx.db, locationId);
  if (!location) throw new NotFoundError('location', locationId);
  const store = openStoredLocation(ctx, location);
  try {
    return await work(store);
  } catch (error) {
    // What the cloud SDKs throw becomes a StorageError naming the location (the API answers 502 with it).
    if (error instanceof Error && !isOurs(error))
      throw new StorageError(`location "${location.name}" (${store.description}) failed: ${error.message}`, {
        operation: 'read',
        retryable: false,
        cause: error,
      });
    throw error;
  } finally {
    await store.close().catch(() => undefined);
  }
}

export interface ContentsView {
  /** Whether the backup has Lifeboat's index (a Velero-made backup does not). */
  indexed: boolean;
  totalItems: number;
  namespaces: { namespace: string | null; kinds: { kind: string; group: string; items: string[] }[] }[];
}

/** What a finished backup holds, by namespace (null for cluster-scoped) and kind, from its index. */
export async function backupContents(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  backupRef: string,
) {
  const { project } = await authorize(ctx, caller, projectRef, 'viewer');
  const backup = await resolveBackup(ctx, project.id, backupRef);
  if (backup.phase !== 'Completed' && backup.phase !== 'PartiallyFailed')
    throw new ConflictError(
      `backup "${backup.name}" is ${backup.phase}: its contents are listed once it has finished`,
    );
  const details = await withStore(ctx, backup.locationId, (store) =>
    describeBackup(store, backup.name, { details: true }),
  );
  const byNamespace = new Map<string | null, Map<string, { kind: string; group: string; items: string[] }>>();
  for (const entry of details.index?.items ?? []) {
    const namespace = entry.namespace ?? null;
    const kinds = byNamespace.get(namespace) ?? new Map();
    byNamespace.set(namespace, kinds);
    const key = `${entry.group}/${entry.kind}`;
    const kind = kinds.get(key) ?? { kind: entry.kind, group: entry.group, items: [] };
    kinds.set(key, kind);
    kind.items.push(entry.name);
  }
  const namespaces = [...byNamespace.entries()]
    .sort(([a], [b]) => (a ?? '').localeCompare(b ?? ''))
    .map(([namespace, kinds]) => ({
      namespace,
      kinds: [...kinds.values()]
        .sort((a, b) => a.kind.localeCompare(b.kind))
        .map((kind) => ({ ...kind, items: kind.items.sort() })),
    }));
  const view: ContentsView = {
    indexed: details.index !== undefined,
    totalItems: details.index?.items.length ?? 0,
    namespaces,
  };
  return view;
}

export async function backupLogs(ctx: ControlContext, caller: Caller, projectRef: string, backupRef: string) {
  const { project } = await authorize(ctx, caller, projectRef, 'viewer');
  const backup = await resolveBackup(ctx, project.id, backupRef);
  return (await withStore(ctx, backup.locationId, (store) => readBackupLogs(store, backup.name))) ?? '';
}

/** Deletes a backup: marked Deleting at once, removed from the location by a job, then from the database. */
export async function deleteBackup(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  backupRef: string,
) {
  const { project } = await authorize(ctx, caller, projectRef, 'admin');
  const backup = await resolveBackup(ctx, project.id, backupRef);
  await scheduleDeletion(ctx, backup);
  return viewBackup({ ...backup, phase: 'Deleting' });
}

export async function scheduleDeletion(ctx: ControlContext, backup: BackupRecord): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const restoring = await db.activeRestoresOf(tx, backup.id);
    if (restoring.length > 0)
      throw new ConflictError(
        `backup "${backup.name}" is being restored (${restoring.join(', ')}): delete it once the restore has finished`,
      );
    if (!(await db.markBackupDeleting(tx, backup.id)))
      throw new ConflictError(
        `backup "${backup.name}" is ${backup.phase}: wait for it to finish, then delete it`,
      );
    if (!(await db.hasOpenJob(tx, 'delete-backup', backup.id)))
      await db.enqueueJob(tx, 'delete-backup', backup.id, ctx.clock.now());
  });
}

/** The delete job: idempotent (a backup already gone from the location counts as deleted). */
export async function executeDeletion(ctx: ControlContext, backupId: string): Promise<string> {
  const backup = await db.backupById(ctx.db, backupId);
  if (!backup) return 'already deleted';
  const outcome = await withStore(ctx, backup.locationId, async (store) => {
    let labels: Record<string, string> | undefined;
    try {
      labels = (await readBackupDescription(store, backup.name)).labels;
    } catch (error) {
      // Nothing complete under this name: the engine removed its own partial files when it failed.
      if (error instanceof BackupNotFoundError) return 'deleted (no files in the location)';
      throw error;
    }
    if (!ownsFiles(backup, labels))
      return 'deleted; the files of that name in the location belong to another backup and were kept';
    try {
      await deleteStoredBackup(store, backup.name);
    } catch (error) {
      if (!(error instanceof BackupNotFoundError)) throw error;
    }
    return 'deleted';
  });
  await db.deleteBackupRecord(ctx.db, backup.id);
  ctx.log.info({ backup: backup.name, outcome }, 'backup deleted');
  return outcome;
}

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

/** The backup job: runs the engine, saving progress every quarter second, and records how it ended. */
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
  const saver = new ProgressSaver<{ itemsDone: number; itemsTotal: number; bytes: number }>(
    (progress) => db.setBackupProgress(ctx.db, backup.id, progress),
    (error) => ctx.log.warn({ backup: backup.name, err: describeError(error) }, 'saving progress failed'),
  );
  try {
    kube = await openClusterClient(ctx, cluster);
    store = openStoredLocation(ctx, location);
    const { options } = backup;
    const outcome = await runBackup({
      name: backup.name,
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
      labels: {
        [clusterIdLabel]: cluster.id,
        [projectIdLabel]: backup.projectId,
        [backupIdLabel]: backup.id,
      },
      onProgress: (progress) =>
        saver.update({
          itemsDone: progress.itemsBackedUp,
          itemsTotal: progress.totalItems,
          bytes: progress.bytes,
        }),
    });
    await saver.stop();
    await db.setBackupEnded(
      ctx.db,
      backup.id,
      endFromDescription(outcome.description, outcome, ctx.clock.now()),
    );
    return outcome.description.phase;
  } catch (error) {
    await saver.stop();
    return fail(describeError(error));
  } finally {
    await kube?.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
  }
}

/**
 * A backup whose server died mid-run: if the engine had finished writing it (its `velero-backup.json` is in
 * the location) it is recorded from that file; otherwise its partial files are removed and it is Failed.
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
      if (!(error instanceof BackupNotFoundError) && !(error instanceof ObjectNotFoundError)) throw error;
    }
    await removeBackupFiles(store, backup.name);
    const reason =
      'interrupted: the server running this backup stopped before it finished; its partial files were removed — run it again';
    await db.setBackupEnded(
      ctx.db,
      backup.id,
      failedEnd(reason, ctx.clock.now(), { itemsDone: backup.itemsDone, itemsTotal: backup.itemsTotal }),
    );
    return 'Failed (interrupted)';
  });
}
