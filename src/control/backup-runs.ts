/**
 * Recording new backups: one row and one job per backup, on demand, per workspace member (one group) or
 * from a due policy (inside the scheduler's transaction). A scheduled backup whose name is taken is never
 * skipped in silence: it is recorded under the next free name, and the log says which.
 */
import { randomUUID } from 'node:crypto';
import type { BackupOptions, BackupRecord, ClusterRecord, PolicyRecord, Queryable } from '../db/index.ts';
import * as db from '../db/index.ts';
import { type BackupView, viewBackup } from './backup-view.ts';
import { checkClusterHealth } from './clusters.ts';
import type { ControlContext } from './context.ts';

/** What a new backup row needs besides its name and options. */
export interface NewBackup {
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

/** Records a backup and its job in one transaction; undefined when the name is taken in that location. */
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
export function unhealthyReason(cluster: ClusterRecord): string | undefined {
  if (cluster.health === 'Healthy') return undefined;
  return `cluster "${cluster.name}" is ${cluster.health}${cluster.healthReason ? `: ${cluster.healthReason}` : ''}`;
}

/** `YYYYMMDDhhmmss` (UTC), the time part of generated names. */
export function stamp(at: Date): string {
  return at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** The name of a workspace member's backup: the run's name and the cluster's, at most 63 characters. */
export function memberBackupName(base: string, cluster: string): string {
  const name = `${base}-${cluster}`;
  return name.length <= 63 ? name : `${name.slice(0, 54).replace(/[-.]+$/, '')}-${randomUUID().slice(0, 8)}`;
}

/** `<name>-<n>`, shortened to stay within 63 characters: the n-th choice when `name` is taken. */
export function suffixedName(name: string, n: number): string {
  const suffix = `-${n}`;
  return `${name.slice(0, 63 - suffix.length).replace(/[-.]+$/, '')}${suffix}`;
}

/** How many other names a scheduled backup tries when its own is taken. */
export const maxNameChoices = 20;

/**
 * Records a scheduled backup under its slot's name, or — when a backup of that name is already recorded in
 * the location by someone else (a backup synced from another writer) — under the first free `<name>-<n>`,
 * logged. A row of this very policy under that name means the slot already ran: nothing is recorded.
 */
async function enqueueScheduled(
  ctx: ControlContext,
  tx: Queryable,
  input: NewBackup & { policyId: string },
): Promise<BackupRecord | undefined> {
  for (let n = 1; n <= maxNameChoices; n++) {
    const name = n === 1 ? input.name : suffixedName(input.name, n);
    const record = await enqueueBackup(ctx, tx, { ...input, name });
    if (record) {
      if (n > 1)
        ctx.log.warn(
          { policy: input.policyId, wanted: input.name, taken: name },
          `a backup named "${input.name}" is already in the location: the scheduled backup is taken as "${name}"`,
        );
      return record;
    }
    if (n === 1) {
      const [existing] = (await db.findBackups(tx, input.projectId, name)).filter(
        (b) => b.locationId === input.locationId,
      );
      if (existing?.policyId === input.policyId) return undefined;
    }
  }
  ctx.log.error(
    { policy: input.policyId, wanted: input.name },
    `no free name for the scheduled backup "${input.name}" (tried ${maxNameChoices}): it was not taken`,
  );
  return undefined;
}

export interface GroupView {
  groupId: string;
  backups: BackupView[];
  skipped: { cluster: string; reason: string }[];
}

/**
 * Backs up every member of a workspace as one group; unhealthy members are skipped (recorded as Failed
 * with the reason, so the group shows why), and so is a member whose backup name is taken (said so).
 */
export async function startWorkspaceBackup(
  ctx: ControlContext,
  workspace: db.WorkspaceRecord,
  run: {
    base: string;
    locationId: string;
    locationName: string;
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
    const name = memberBackupName(run.base, cluster.name);
    const record = await ctx.db.transaction((tx) =>
      enqueueBackup(ctx, tx, {
        projectId: workspace.projectId,
        locationId: run.locationId,
        cluster,
        name,
        options: run.options,
        trigger: run.trigger,
        workspaceId: workspace.id,
        groupId,
        ...(run.policyId ? { policyId: run.policyId } : {}),
        ...(reason ? { skipReason: `skipped: ${reason}` } : {}),
      }),
    );
    if (reason) skipped.push({ cluster: cluster.name, reason });
    else if (!record)
      skipped.push({
        cluster: cluster.name,
        reason: `a backup named "${name}" already exists in location "${run.locationName}"`,
      });
    if (record) backups.push(viewBackup(record));
  }
  return { groupId, backups, skipped };
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
    ...(policy.copyVolumeData === null ? {} : { copyVolumeData: policy.copyVolumeData }),
    ...(policy.keepVolumeSnapshots === null ? {} : { keepVolumeSnapshots: policy.keepVolumeSnapshots }),
    ttlHours: policy.ttlHours,
  };
  const run = {
    projectId: policy.projectId,
    locationId: policy.locationId,
    options,
    trigger: 'schedule' as const,
    policyId: policy.id,
  };
  if (policy.workspaceId) {
    const workspace = await db.workspaceById(tx, policy.workspaceId);
    if (!workspace) return 0;
    if (options.includeNamespaces.length === 0) options.includeNamespaces = workspace.namespaces;
    const groupId = randomUUID();
    let count = 0;
    for (const cluster of await db.listClusters(tx, policy.projectId)) {
      if (!workspace.clusterIds.includes(cluster.id)) continue;
      const record = await enqueueScheduled(ctx, tx, {
        ...run,
        cluster,
        name: memberBackupName(name, cluster.name),
        workspaceId: workspace.id,
        groupId,
      });
      if (record) count += 1;
    }
    return count;
  }
  const cluster = policy.clusterId ? await db.clusterById(tx, policy.clusterId) : undefined;
  if (!cluster) return 0;
  return (await enqueueScheduled(ctx, tx, { ...run, cluster, name })) ? 1 : 0;
}
