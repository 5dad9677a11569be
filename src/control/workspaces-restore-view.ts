/**
 * What a group restore looks like: its member restores (one per backup of the group, each an ordinary
 * restore with its own job and page) and their progress taken together. The group is recorded on each
 * member (`options.groupRestore`), so the view is built from the members alone.
 */
import type { RestorePhase, RestoreRecord } from '../db/index.ts';
import * as db from '../db/index.ts';
import { authorize, type Caller } from './access.ts';
import type { ControlContext } from './context.ts';
import { NotFoundError } from './errors.ts';
import { progressOf } from './progress.ts';
import { type RestoreView, viewRestore } from './restores.ts';

export interface GroupRestoreView {
  id: string;
  name: string;
  /** The backup group restored. */
  groupId: string;
  workspace: { id: string; name: string | null } | null;
  /**
   * Queued while every member waits; InProgress while any runs; then Completed when every member completed,
   * Failed when every one failed, PartiallyFailed otherwise.
   */
  phase: RestorePhase;
  /** The members' items taken together. */
  progress: { itemsDone: number; itemsTotal: number; percent: number };
  /** Members by phase. */
  phases: Partial<Record<RestorePhase, number>>;
  /** The members' object counts added up (created, updated, unchanged, skipped, failed...). */
  counts: Record<string, number>;
  errorCount: number;
  warningCount: number;
  createdAt: string;
  /** When the last member ended, once all have. */
  completedAt: string | null;
  members: RestoreView[];
}

const running = new Set<RestorePhase>(['Queued', 'InProgress']);

/** The phase of a group from its members' phases. */
export function groupPhase(phases: readonly RestorePhase[]): RestorePhase {
  if (phases.every((phase) => phase === 'Queued')) return 'Queued';
  if (phases.some((phase) => running.has(phase))) return 'InProgress';
  if (phases.every((phase) => phase === 'Completed')) return 'Completed';
  if (phases.every((phase) => phase === 'Failed')) return 'Failed';
  return 'PartiallyFailed';
}

/** The view of one group restore from its member rows (all carrying the same tag). */
export function viewGroupRestore(
  members: readonly RestoreRecord[],
  workspaceName: string | null,
): GroupRestoreView {
  const [first] = members;
  const tag = first?.options.groupRestore;
  if (!first || !tag) throw new Error('a group restore view needs members carrying the group');
  const phase = groupPhase(members.map((member) => member.phase));
  const phases: GroupRestoreView['phases'] = {};
  const counts: Record<string, number> = {};
  let itemsDone = 0;
  let itemsTotal = 0;
  for (const member of members) {
    phases[member.phase] = (phases[member.phase] ?? 0) + 1;
    for (const [action, count] of Object.entries(member.counts))
      counts[action] = (counts[action] ?? 0) + count;
    itemsDone += member.itemsDone;
    itemsTotal += member.itemsTotal;
  }
  const finished = members.every((m) => m.phase === 'Completed' || m.phase === 'PartiallyFailed');
  const ended = members.every((m) => !running.has(m.phase));
  const lastEnd = Math.max(...members.map((m) => m.completedAt?.getTime() ?? 0));
  return {
    id: tag.id,
    name: tag.name,
    groupId: tag.groupId,
    workspace: tag.workspaceId ? { id: tag.workspaceId, name: workspaceName } : null,
    phase,
    progress: progressOf(finished, itemsDone, itemsTotal),
    phases,
    counts,
    errorCount: members.reduce((sum, m) => sum + m.errorCount, 0),
    warningCount: members.reduce((sum, m) => sum + m.warningCount, 0),
    createdAt: first.createdAt.toISOString(),
    completedAt: ended && lastEnd > 0 ? new Date(lastEnd).toISOString() : null,
    members: members.map(viewRestore),
  };
}

async function workspaceNames(ctx: ControlContext, projectId: string): Promise<Map<string, string>> {
  return new Map((await db.listWorkspaces(ctx.db, projectId)).map((w) => [w.id, w.name]));
}

/** A group restore, by its id or name. */
export async function getGroupRestore(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  ref: string,
): Promise<GroupRestoreView> {
  const { project } = await authorize(ctx, caller, projectRef, 'viewer');
  const members = await db.groupRestoreMembers(ctx.db, project.id, ref);
  if (members.length === 0) throw new NotFoundError('group restore', ref);
  const workspaceId = members[0]?.options.groupRestore?.workspaceId;
  const names = await workspaceNames(ctx, project.id);
  return viewGroupRestore(members, workspaceId ? (names.get(workspaceId) ?? null) : null);
}

/** Group restores of a project, of one workspace or of one backup group; newest first. */
export async function listGroupRestores(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  filter: { workspace?: string | undefined; group?: string | undefined },
): Promise<GroupRestoreView[]> {
  const { project } = await authorize(ctx, caller, projectRef, 'viewer');
  let workspaceId: string | undefined;
  if (filter.workspace) {
    const workspace = await db.findWorkspace(ctx.db, project.id, filter.workspace);
    if (!workspace) throw new NotFoundError('workspace', filter.workspace);
    workspaceId = workspace.id;
  }
  const rows = await db.listGroupRestoreMembers(ctx.db, project.id, {
    ...(workspaceId ? { workspaceId } : {}),
    ...(filter.group ? { groupId: filter.group } : {}),
  });
  const byGroup = new Map<string, RestoreRecord[]>();
  for (const row of rows) {
    const id = row.options.groupRestore?.id;
    if (id) byGroup.set(id, [...(byGroup.get(id) ?? []), row]);
  }
  const names = await workspaceNames(ctx, project.id);
  return [...byGroup.values()].map((members) => {
    // Rows come newest first; a view lists members oldest first, as they were started.
    const ordered = [...members].reverse();
    const workspaceId = ordered[0]?.options.groupRestore?.workspaceId;
    return viewGroupRestore(ordered, workspaceId ? (names.get(workspaceId) ?? null) : null);
  });
}
