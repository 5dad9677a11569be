/**
 * Backup policies: one per cluster or workspace. Saving a policy computes and persists its next run; the
 * scheduler moves it on.
 */
import { randomUUID } from 'node:crypto';
import type { PolicyRecord } from '../db/index.ts';
import * as db from '../db/index.ts';
import { authorize, type Caller } from './access.ts';
import { resolveCluster } from './clusters.ts';
import type { ControlContext } from './context.ts';
import { keepWithoutCopyProblem } from './data-mover.ts';
import { ConflictError, InputError, NotFoundError } from './errors.ts';
import { resolveLocation } from './locations.ts';
import { checkSchedule, firstMidnightAfter, nextRun, nextRuns, type ZonedSchedule } from './schedule.ts';
import type { PolicyInput } from './schemas.ts';
import { resolveWorkspace } from './workspaces.ts';

export type PolicyOwner = { cluster: string } | { workspace: string };

export interface PolicyView {
  id: string;
  clusterId: string | null;
  workspaceId: string | null;
  prefix: string;
  location: { id: string; name: string };
  schedule: PolicyRecord['schedule'];
  timeZone: string;
  expiryHours: number;
  includeDisks: boolean;
  /** Copy the snapshots' data to the location; null: the location's default. */
  copyVolumeData: boolean | null;
  /** Keep each CSI snapshot beside its copied data; null: the location's default. */
  keepVolumeSnapshots: boolean | null;
  includeClusterResources: PolicyRecord['clusterResources'];
  namespaces: string[];
  nextRunAt: string | null;
  /** The next few runs, for showing the schedule to people. */
  upcomingRuns: string[];
  lastRunAt: string | null;
}

async function viewPolicy(ctx: ControlContext, policy: PolicyRecord): Promise<PolicyView> {
  const location = await db.locationById(ctx.db, policy.locationId);
  const { timeZone, ...schedule } = policy.schedule;
  const upcoming = policy.nextRunAt
    ? [policy.nextRunAt, ...nextRuns(policy.schedule, policy.anchorAt, policy.nextRunAt, 4)]
    : [];
  return {
    id: policy.id,
    clusterId: policy.clusterId,
    workspaceId: policy.workspaceId,
    prefix: policy.prefix,
    location: { id: policy.locationId, name: location?.name ?? '' },
    schedule: schedule as PolicyRecord['schedule'],
    timeZone: timeZone ?? 'UTC',
    expiryHours: policy.ttlHours,
    includeDisks: policy.includeDisks,
    copyVolumeData: policy.copyVolumeData ?? null,
    keepVolumeSnapshots: policy.keepVolumeSnapshots ?? null,
    includeClusterResources: policy.clusterResources,
    namespaces: policy.namespaces,
    nextRunAt: policy.nextRunAt?.toISOString() ?? null,
    upcomingRuns: upcoming.map((date) => date.toISOString()),
    lastRunAt: policy.lastRunAt?.toISOString() ?? null,
  };
}

async function resolveOwner(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  owner: PolicyOwner,
  role: 'viewer' | 'admin',
): Promise<{ clusterId: string } | { workspaceId: string }> {
  if ('cluster' in owner)
    return { clusterId: (await resolveCluster(ctx, caller, projectRef, owner.cluster, role)).id };
  return { workspaceId: (await resolveWorkspace(ctx, caller, projectRef, owner.workspace, role)).id };
}

export async function getPolicy(ctx: ControlContext, caller: Caller, projectRef: string, owner: PolicyOwner) {
  const found = await db.findPolicy(ctx.db, await resolveOwner(ctx, caller, projectRef, owner, 'viewer'));
  if (!found)
    throw new NotFoundError('backup policy of', 'cluster' in owner ? owner.cluster : owner.workspace);
  return viewPolicy(ctx, found);
}

/** Creates or replaces the policy of a cluster or workspace. */
export async function putPolicy(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  owner: PolicyOwner,
  input: PolicyInput,
): Promise<PolicyView> {
  const { project } = await authorize(ctx, caller, projectRef, 'admin');
  const ownerIds = await resolveOwner(ctx, caller, projectRef, owner, 'admin');
  const location = await resolveLocation(ctx, project.id, input.location);
  const schedule: ZonedSchedule = { ...input.schedule, timeZone: input.timeZone };
  checkSchedule(schedule);
  const now = ctx.clock.now();
  const existing = await db.findPolicy(ctx.db, ownerIds);
  // Scheduled backups are named <prefix>-<time>: two policies writing the same names to one location would
  // take each other's slots.
  const clash = (await db.listPolicies(ctx.db, project.id)).find(
    (other) => other.id !== existing?.id && other.locationId === location.id && other.prefix === input.prefix,
  );
  if (clash)
    throw new ConflictError(
      `another backup policy already writes backups named "${input.prefix}-<time>" to location "${location.name}": pick another prefix`,
    );
  const sameSchedule = existing && JSON.stringify(existing.schedule) === JSON.stringify(schedule);
  const anchorAt = sameSchedule ? existing.anchorAt : firstMidnightAfter(now, input.timeZone);
  if (input.copyVolumeData && !input.includeDisks)
    throw new InputError(
      "copyVolumeData copies the data of the disks' snapshots: set includeDisks too (or leave copyVolumeData out)",
    );
  const keepProblem = keepWithoutCopyProblem(input, location);
  if (keepProblem) throw new InputError(keepProblem, [{ path: 'keepVolumeSnapshots', message: keepProblem }]);
  const policy: PolicyRecord = {
    id: existing?.id ?? randomUUID(),
    projectId: project.id,
    clusterId: 'clusterId' in ownerIds ? ownerIds.clusterId : null,
    workspaceId: 'workspaceId' in ownerIds ? ownerIds.workspaceId : null,
    locationId: location.id,
    prefix: input.prefix,
    schedule,
    ttlHours: input.expiryHours,
    includeDisks: input.includeDisks,
    copyVolumeData: input.copyVolumeData ?? null,
    keepVolumeSnapshots: input.keepVolumeSnapshots ?? null,
    clusterResources: input.includeClusterResources,
    namespaces: input.namespaces,
    anchorAt,
    nextRunAt: sameSchedule ? existing.nextRunAt : nextRun(schedule, anchorAt, now),
    lastRunAt: existing?.lastRunAt ?? null,
    createdAt: existing?.createdAt ?? now,
  };
  await db.savePolicy(ctx.db, policy);
  return viewPolicy(ctx, policy);
}

export async function deletePolicy(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  owner: PolicyOwner,
) {
  const found = await db.findPolicy(ctx.db, await resolveOwner(ctx, caller, projectRef, owner, 'admin'));
  if (!found)
    throw new NotFoundError('backup policy of', 'cluster' in owner ? owner.cluster : owner.workspace);
  await db.deletePolicy(ctx.db, found.id);
}

/** The next runs a schedule would have if saved now (the console's preview). */
export function previewSchedule(ctx: ControlContext, schedule: ZonedSchedule, count: number): string[] {
  checkSchedule(schedule);
  const now = ctx.clock.now();
  const anchor = firstMidnightAfter(now, schedule.timeZone);
  return nextRuns(schedule, anchor, now, count).map((date) => date.toISOString());
}
