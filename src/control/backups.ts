/**
 * Backups in the control plane, as users ask for them: on demand, per workspace (one per member cluster,
 * grouped), listed, read, deleted. Each runs as a job (backup-jobs.ts, backup-deletion.ts). The bucket stays the source of truth:
 * a backup's row mirrors what the engine wrote, and deleting a backup deletes it from the location first.
 *
 * A backup is addressed by id; a name is accepted where it is unambiguous in the project (one location may
 * hold one backup of a name, but two locations — or two clusters' policies — may each hold one).
 */
import { checkBackupName, describeBackup, readBackupLogs } from '../backup/index.ts';
import type { BackupOptions, BackupRecord, LocationRecord } from '../db/index.ts';
import * as db from '../db/index.ts';
import { authorize, type Caller } from './access.ts';
import { withStore } from './backup-files.ts';
import {
  enqueueBackup,
  type GroupView,
  stamp,
  startWorkspaceBackup,
  unhealthyReason,
} from './backup-runs.ts';
import {
  type BackupDetailView,
  type BackupView,
  type ContentsView,
  contentsView,
  viewBackup,
} from './backup-view.ts';
import { backupVolumes } from './backup-volumes.ts';
import { checkClusterHealth, resolveCluster } from './clusters.ts';
import type { ControlContext } from './context.ts';
import { keepWithoutCopyProblem } from './data-mover.ts';
import { ConflictError, InputError, NotFoundError, PreconditionError } from './errors.ts';
import { resolveLocation } from './locations.ts';
import type { BackupInput } from './schemas.ts';
import { resolveWorkspace } from './workspaces.ts';

export { backupIdLabel, clusterIdLabel, projectIdLabel, withStore } from './backup-files.ts';
export { enqueueBackup, type GroupView, startPolicyRun, startWorkspaceBackup } from './backup-runs.ts';
export {
  type BackupDetailView,
  type BackupView,
  type BackupViewOptions,
  type ContentsSource,
  type ContentsView,
  viewBackup,
} from './backup-view.ts';
export type { BackupVolumesView, VolumeView } from './backup-volumes.ts';

function optionsOf(input: BackupInput, location: LocationRecord): BackupOptions {
  if (input.copyVolumeData && !input.includeDisks)
    throw new InputError(
      "copyVolumeData copies the data of the disks' snapshots: set includeDisks too (or leave copyVolumeData out)",
    );
  const keepProblem = keepWithoutCopyProblem(input, location);
  if (keepProblem) throw new InputError(keepProblem, [{ path: 'keepVolumeSnapshots', message: keepProblem }]);
  return {
    includeNamespaces: input.namespaces,
    excludeNamespaces: input.excludeNamespaces,
    includeResources: input.includeResources,
    excludeResources: input.excludeResources,
    clusterResources: input.includeClusterResources,
    ...(input.labelSelector ? { labelSelector: input.labelSelector } : {}),
    includeDisks: input.includeDisks,
    ...(input.copyVolumeData === undefined ? {} : { copyVolumeData: input.copyVolumeData }),
    ...(input.keepVolumeSnapshots === undefined ? {} : { keepVolumeSnapshots: input.keepVolumeSnapshots }),
    ttlHours: input.expiryHours,
  };
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
      options: optionsOf(input, location),
      trigger: 'manual',
    }),
  );
  if (!record)
    throw new ConflictError(`a backup named "${name}" already exists in location "${location.name}"`);
  return viewBackup(record);
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
  const options = optionsOf(input, location);
  if (options.includeNamespaces.length === 0) options.includeNamespaces = workspace.namespaces;
  return startWorkspaceBackup(
    ctx,
    workspace,
    { base, locationId: location.id, locationName: location.name, options, trigger: 'manual' },
    true,
  );
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

/**
 * The backup `ref` names in the project: the one with that id, else the one backup of that name. Several
 * backups of one name (in different locations) are a 409 naming each — location, cluster and id — never a
 * guess: deleting or restoring the wrong one loses data.
 */
export async function resolveBackup(
  ctx: ControlContext,
  projectId: string,
  backupRef: string,
): Promise<BackupRecord> {
  const found = await db.findBackups(ctx.db, projectId, backupRef);
  const [first] = found;
  if (!first) throw new NotFoundError('backup', backupRef);
  if (first.id === backupRef || found.length === 1) {
    const { locationName: _, ...backup } = first;
    return backup;
  }
  const candidates = found.map(
    (b) =>
      `"${b.name}" in location "${b.locationName}" of cluster ${b.clusterName ? `"${b.clusterName}"` : '(unknown)'}, id ${b.id}`,
  );
  throw new ConflictError(
    `"${backupRef}" names ${found.length} backups of this project: ${candidates.join('; ')} — address the backup by its id`,
  );
}

/** A backup as lists show it (from the database alone: cheap enough to poll). */
export async function getBackup(ctx: ControlContext, caller: Caller, projectRef: string, backupRef: string) {
  const { project } = await authorize(ctx, caller, projectRef, 'viewer');
  return viewBackup(await resolveBackup(ctx, project.id, backupRef));
}

/**
 * A backup with its volumes: PVC, PV, size and snapshot state, read from its volume info once it has
 * finished (an unreadable location is said in `volumes`, never an error of the whole answer).
 */
export async function getBackupDetail(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  backupRef: string,
): Promise<BackupDetailView> {
  const { project } = await authorize(ctx, caller, projectRef, 'viewer');
  const backup = await resolveBackup(ctx, project.id, backupRef);
  return { ...viewBackup(backup), volumes: await backupVolumes(ctx, backup) };
}

/**
 * What a finished backup holds, by namespace (null for cluster-scoped) and kind: from its index, or from
 * Velero's resource list and tarball for a backup Velero made (`source` says which).
 */
export async function backupContents(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  backupRef: string,
): Promise<ContentsView> {
  const { project } = await authorize(ctx, caller, projectRef, 'viewer');
  const backup = await resolveBackup(ctx, project.id, backupRef);
  if (backup.phase !== 'Completed' && backup.phase !== 'PartiallyFailed')
    throw new ConflictError(
      `backup "${backup.name}" is ${backup.phase}: its contents are listed once it has finished`,
    );
  const details = await withStore(ctx, backup.locationId, (store) =>
    describeBackup(store, backup.name, { details: true }),
  );
  return contentsView(details.contents);
}

export async function backupLogs(ctx: ControlContext, caller: Caller, projectRef: string, backupRef: string) {
  const { project } = await authorize(ctx, caller, projectRef, 'viewer');
  const backup = await resolveBackup(ctx, project.id, backupRef);
  return (await withStore(ctx, backup.locationId, (store) => readBackupLogs(store, backup.name))) ?? '';
}

/**
 * Deletes a backup: marked Deleting at once; a job removes its files from the location, then its volume
 * snapshots through the cluster it was taken of, then its row (backup-deletion.ts).
 * A backup with nothing Lifeboat can delete in the location — Missing, or Failed after a deletion that
 * cannot succeed — is removed from Lifeboat at once, the location left alone.
 */
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

/** Queues a backup's deletion (or forgets a row that has nothing left to delete); expiry uses it too. */
export async function scheduleDeletion(
  ctx: ControlContext,
  backup: BackupRecord,
): Promise<'queued' | 'forgotten'> {
  return ctx.db.transaction(async (tx) => {
    const restoring = await db.activeRestoresOf(tx, backup.id);
    if (restoring.length > 0)
      throw new ConflictError(
        `backup "${backup.name}" is being restored (${restoring.join(', ')}): delete it once the restore has finished`,
      );
    if (await db.forgetBackup(tx, backup.id)) {
      ctx.log.info(
        { backup: backup.id, name: backup.name, phase: backup.phase },
        'backup removed from Lifeboat; nothing of it was deleted from its location',
      );
      return 'forgotten';
    }
    if (!(await db.markBackupDeleting(tx, backup.id)))
      throw new ConflictError(
        `backup "${backup.name}" is ${backup.phase}: wait for it to finish, then delete it`,
      );
    if (!(await db.hasOpenJob(tx, 'delete-backup', backup.id)))
      await db.enqueueJob(tx, 'delete-backup', backup.id, ctx.clock.now());
    return 'queued';
  });
}
