/**
 * Restoring a workspace's backup group as a group: each member's backup into its own cluster (or into a target
 * chosen per member), one plan per member, then one restore per member — each an ordinary restore with its
 * own job — tagged with the group, so one view follows them together (workspaces-restore-view.ts).
 *
 * Members that cannot be restored (a backup that did not finish, a cluster removed with no target given) are
 * left out and said so when the members were not chosen; a member named explicitly must be restorable.
 * Starting is all or nothing: every target must be Healthy and every name free.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type {
  BackupRecord,
  ClusterRecord,
  GroupRestoreTag,
  RestoreOptionsRecord,
  RestoreRecord,
} from '../db/index.ts';
import * as db from '../db/index.ts';
import { describeError, KubeApiError, KubeConnectionError, mapLimit } from '../kube/index.ts';
import { planRestore, RestoreInputError, type RestorePlan } from '../restore/index.ts';
import { authorize, type Caller } from './access.ts';
import { memberBackupName, stamp, suffixedName } from './backup-runs.ts';
import { checkClusterHealth } from './clusters.ts';
import type { ControlContext } from './context.ts';
import { ConflictError, InputError, NotFoundError, PreconditionError } from './errors.ts';
import { explainKubeApiError } from './kube-answers.ts';
import { engineOptions, withKubeAndStore } from './restore-jobs.ts';
import { backupRef, idOrName, nameSchema, restoreInput } from './schemas.ts';
import { type GroupRestoreView, viewGroupRestore } from './workspaces-restore-view.ts';

/** The request to plan or start a group restore. Options other than the members apply to every member. */
export const groupRestoreInput = restoreInput
  .omit({ name: true, backup: true, targetCluster: true })
  .extend({
    name: nameSchema
      .optional()
      .describe('default: <workspace>-<timestamp>; each member restore is named <name>-<its cluster>'),
    members: z
      .array(
        z
          .object({
            backup: backupRef.describe('id or name of a backup of the group'),
            targetCluster: idOrName.optional().describe('default: the cluster the backup was taken of'),
          })
          .strict(),
      )
      .min(1, 'choose at least one member')
      .max(200, { message: 'choose at most 200 members', abort: true })
      .optional()
      .describe('the members to restore; default: every restorable member, each into its own cluster'),
  })
  .strict();
export type GroupRestoreInput = z.infer<typeof groupRestoreInput>;

/** A member that is left out, and why. */
export interface SkippedMember {
  backup: { id: string; name: string };
  cluster: string | null;
  reason: string;
}

interface Member {
  backup: BackupRecord;
  target: ClusterRecord;
  restoreName: string;
}

interface ResolvedGroup {
  projectId: string;
  tag: GroupRestoreTag;
  workspaceName: string | null;
  members: Member[];
  skipped: SkippedMember[];
}

const finished = (backup: BackupRecord) => backup.phase === 'Completed' || backup.phase === 'PartiallyFailed';

function defaultName(base: string, at: Date): string {
  const time = stamp(at);
  return `${base.slice(0, 63 - time.length - 1).replace(/-+$/, '')}-${time}`;
}

/** Works out which backup of the group goes into which cluster under which name. */
async function resolveGroup(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  groupRef: string,
  input: GroupRestoreInput,
): Promise<ResolvedGroup> {
  const { project } = await authorize(ctx, caller, projectRef, 'operator');
  const backups = await db.listBackupRecords(ctx.db, project.id, { groupId: groupRef });
  const [first] = backups;
  if (!first) throw new NotFoundError('backup group', groupRef);
  const workspace = first.workspaceId ? await db.workspaceById(ctx.db, first.workspaceId) : undefined;
  const name = input.name ?? defaultName(workspace?.name ?? 'group-restore', ctx.clock.now());
  const skipped: SkippedMember[] = [];
  const chosen: { backup: BackupRecord; targetRef: string | undefined; path: string | undefined }[] = [];
  if (input.members) {
    input.members.forEach((member, k) => {
      const backup =
        backups.find((b) => b.id === member.backup) ?? backups.find((b) => b.name === member.backup);
      const path = `members.${k}`;
      if (!backup)
        throw new InputError(`backup "${member.backup}" is not a backup of this group`, [
          { path: `${path}.backup`, message: 'not a backup of this group' },
        ]);
      if (chosen.some((c) => c.backup.id === backup.id))
        throw new InputError(`backup "${backup.name}" is chosen twice`, [
          { path: `${path}.backup`, message: 'chosen twice' },
        ]);
      if (!finished(backup))
        throw new InputError(
          `backup "${backup.name}" is ${backup.phase}: only a Completed or PartiallyFailed backup can be restored; leave it out`,
          [{ path: `${path}.backup`, message: `backup is ${backup.phase}` }],
        );
      chosen.push({ backup, targetRef: member.targetCluster, path });
    });
  } else {
    const bySource = (x: BackupRecord, y: BackupRecord) =>
      (x.clusterName ?? '').localeCompare(y.clusterName ?? '') || x.name.localeCompare(y.name);
    for (const backup of [...backups].sort(bySource)) {
      if (finished(backup)) chosen.push({ backup, targetRef: undefined, path: undefined });
      else
        skipped.push({
          backup: { id: backup.id, name: backup.name },
          cluster: backup.clusterName,
          reason: `backup is ${backup.phase}${backup.failureReason ? `: ${backup.failureReason}` : ''}`,
        });
    }
  }
  const members: Member[] = [];
  const names = new Set<string>();
  for (const { backup, targetRef, path } of chosen) {
    const ref = targetRef ?? backup.clusterId;
    const target = ref ? await db.findCluster(ctx.db, project.id, ref) : undefined;
    if (!target) {
      const reason = targetRef
        ? `target cluster "${targetRef}" is not a cluster of this project`
        : `cluster "${backup.clusterName ?? '?'}" it was taken of is no longer in the project: choose a target cluster for it`;
      if (path) throw new InputError(reason, [{ path: `${path}.targetCluster`, message: reason }]);
      skipped.push({ backup: { id: backup.id, name: backup.name }, cluster: backup.clusterName, reason });
      continue;
    }
    let restoreName = memberBackupName(name, backup.clusterName ?? backup.name);
    for (let n = 2; names.has(restoreName); n++) restoreName = suffixedName(restoreName, n);
    names.add(restoreName);
    members.push({ backup, target, restoreName });
  }
  if (members.length === 0)
    throw new InputError(
      `no backup of this group can be restored: ${skipped.map((s) => `"${s.backup.name}": ${s.reason}`).join('; ')}`,
    );
  return {
    projectId: project.id,
    tag: { id: randomUUID(), name, groupId: groupRef, workspaceId: first.workspaceId },
    workspaceName: workspace?.name ?? null,
    members,
    skipped,
  };
}

function optionsOf(input: GroupRestoreInput, tag?: GroupRestoreTag): RestoreOptionsRecord {
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
    ...(tag ? { groupRestore: tag } : {}),
  };
}

/** Why a member could not be planned, in Lifeboat's words (never a cluster's answer body). */
function problemOf(ctx: ControlContext, error: unknown): string {
  if (error instanceof KubeApiError) return explainKubeApiError(error);
  if (
    error instanceof InputError ||
    error instanceof PreconditionError ||
    error instanceof RestoreInputError ||
    error instanceof KubeConnectionError ||
    error instanceof NotFoundError
  )
    return error.message;
  ctx.log.warn({ err: describeError(error) }, 'a member of a group restore could not be planned');
  return 'the plan failed unexpectedly: the server log has the details';
}

/** Checks each target once (several members may share one); answers the unhealthy ones' reasons. */
async function unhealthyTargets(ctx: ControlContext, members: Member[]): Promise<Map<string, string>> {
  const targets = new Map(members.map((m) => [m.target.id, m.target]));
  const reasons = new Map<string, string>();
  await mapLimit([...targets.values()], 4, async (target) => {
    const checked = await checkClusterHealth(ctx, target);
    if (checked.health !== 'Healthy')
      reasons.set(
        target.id,
        `cluster "${target.name}" is ${checked.health}${checked.healthReason ? `: ${checked.healthReason}` : ''}`,
      );
  });
  return reasons;
}

export interface GroupRestorePlanView {
  name: string;
  groupId: string;
  workspace: { id: string; name: string | null } | null;
  /** One plan per member, or the problem that kept it from being planned. */
  members: {
    backup: { id: string; name: string; cluster: string | null };
    targetCluster: { id: string; name: string };
    restoreName: string;
    plan: RestorePlan | null;
    problem: string | null;
  }[];
  skipped: SkippedMember[];
}

/** The dry run of a group restore: one plan per member, each checked by its target's API server. */
export async function planGroupRestore(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  groupRef: string,
  input: GroupRestoreInput,
): Promise<GroupRestorePlanView> {
  const group = await resolveGroup(ctx, caller, projectRef, groupRef, input);
  const unhealthy = await unhealthyTargets(ctx, group.members);
  const options = engineOptions(optionsOf(input));
  const members = await mapLimit(group.members, 4, async (member) => {
    let plan: RestorePlan | null = null;
    let problem = unhealthy.get(member.target.id) ?? null;
    if (!problem) {
      try {
        const location = await db.locationById(ctx.db, member.backup.locationId);
        if (!location) throw new NotFoundError('location', member.backup.locationId);
        plan = await withKubeAndStore(ctx, member.target, location, (kube, store) =>
          planRestore({
            name: member.restoreName,
            backupName: member.backup.name,
            store,
            kube,
            moverAvailable: location.repositorySecret !== null,
            ...options,
          }),
        );
      } catch (error) {
        problem = problemOf(ctx, error);
      }
    }
    return {
      backup: { id: member.backup.id, name: member.backup.name, cluster: member.backup.clusterName },
      targetCluster: { id: member.target.id, name: member.target.name },
      restoreName: member.restoreName,
      plan,
      problem,
    };
  });
  return {
    name: group.tag.name,
    groupId: group.tag.groupId,
    workspace: group.tag.workspaceId ? { id: group.tag.workspaceId, name: group.workspaceName } : null,
    members,
    skipped: group.skipped,
  };
}

/**
 * Starts a group restore: one queued restore (and job) per member, all in one transaction, once every target
 * is Healthy and every name is free.
 */
export async function createGroupRestore(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  groupRef: string,
  input: GroupRestoreInput,
): Promise<GroupRestoreView & { skipped: SkippedMember[] }> {
  const group = await resolveGroup(ctx, caller, projectRef, groupRef, input);
  if (await db.groupRestoreNameTaken(ctx.db, group.projectId, group.tag.name))
    throw new ConflictError(`a group restore named "${group.tag.name}" already exists: pick another name`);
  for (const member of group.members)
    if ((await db.findRestores(ctx.db, group.projectId, member.restoreName)).length > 0)
      throw new ConflictError(
        `a restore named "${member.restoreName}" already exists: give the group restore another name`,
      );
  const unhealthy = await unhealthyTargets(ctx, group.members);
  if (unhealthy.size > 0)
    throw new PreconditionError(
      `cannot restore the group: ${[...unhealthy.values()].join('; ')}. Fix it, or leave the members restored into it out`,
      [...unhealthy.values()],
    );
  const now = ctx.clock.now();
  const options = optionsOf(input, group.tag);
  const records: RestoreRecord[] = group.members.map((member) => ({
    id: randomUUID(),
    projectId: group.projectId,
    backupId: member.backup.id,
    backupName: member.backup.name,
    locationId: member.backup.locationId,
    sourceClusterId: member.backup.clusterId,
    targetClusterId: member.target.id,
    targetClusterName: member.target.name,
    name: member.restoreName,
    options,
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
  }));
  await ctx.db.transaction(async (tx) => {
    for (const record of records) {
      await db.insertRestore(tx, record);
      await db.enqueueJob(tx, 'restore', record.id, now);
    }
  });
  ctx.log.info(
    { groupRestore: group.tag.id, name: group.tag.name, members: records.length },
    'group restore started',
  );
  return { ...viewGroupRestore(records, group.workspaceName), skipped: group.skipped };
}
