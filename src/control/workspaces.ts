/** Workspaces: sets of clusters of one project (and the namespaces backed up in each), backed up together. */
import { randomUUID } from 'node:crypto';
import type { WorkspaceRecord } from '../db/index.ts';
import * as db from '../db/index.ts';
import { authorize, type Caller } from './access.ts';
import type { ControlContext } from './context.ts';
import { ConflictError, InputError, isUniqueViolation, NotFoundError } from './errors.ts';
import type { WorkspaceInput, WorkspaceUpdate } from './schemas.ts';

export interface WorkspaceView {
  id: string;
  projectId: string;
  name: string;
  namespaces: string[];
  clusters: { id: string; name: string; health: string }[];
  createdAt: string;
}

export async function viewWorkspace(ctx: ControlContext, workspace: WorkspaceRecord): Promise<WorkspaceView> {
  const clusters = await db.listClusters(ctx.db, workspace.projectId);
  return {
    id: workspace.id,
    projectId: workspace.projectId,
    name: workspace.name,
    namespaces: workspace.namespaces,
    clusters: clusters
      .filter((cluster) => workspace.clusterIds.includes(cluster.id))
      .map((cluster) => ({ id: cluster.id, name: cluster.name, health: cluster.health })),
    createdAt: workspace.createdAt.toISOString(),
  };
}

async function clusterIds(ctx: ControlContext, projectId: string, refs: string[]): Promise<string[]> {
  const ids = new Set<string>();
  for (const ref of refs) {
    const cluster = await db.findCluster(ctx.db, projectId, ref);
    if (!cluster)
      throw new InputError(
        `cluster "${ref}" is not in this project: workspaces group clusters of one project`,
        [{ path: 'clusters', message: `unknown cluster "${ref}"` }],
      );
    ids.add(cluster.id);
  }
  return [...ids];
}

export async function resolveWorkspace(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  workspaceRef: string,
  role: 'viewer' | 'operator' | 'admin',
): Promise<WorkspaceRecord> {
  const { project } = await authorize(ctx, caller, projectRef, role);
  const workspace = await db.findWorkspace(ctx.db, project.id, workspaceRef);
  if (!workspace) throw new NotFoundError('workspace', workspaceRef);
  return workspace;
}

async function save(ctx: ControlContext, workspace: WorkspaceRecord): Promise<WorkspaceView> {
  try {
    await ctx.db.transaction((tx) => db.saveWorkspace(tx, workspace));
  } catch (error) {
    if (isUniqueViolation(error))
      throw new ConflictError(`a workspace named "${workspace.name}" already exists: pick another name`);
    throw error;
  }
  return viewWorkspace(ctx, workspace);
}

export async function createWorkspace(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  input: WorkspaceInput,
) {
  const { project } = await authorize(ctx, caller, projectRef, 'admin');
  return save(ctx, {
    id: randomUUID(),
    projectId: project.id,
    name: input.name,
    namespaces: input.namespaces,
    clusterIds: await clusterIds(ctx, project.id, input.clusters),
    createdAt: ctx.clock.now(),
  });
}

export async function updateWorkspace(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  workspaceRef: string,
  input: WorkspaceUpdate,
) {
  const workspace = await resolveWorkspace(ctx, caller, projectRef, workspaceRef, 'admin');
  return save(ctx, {
    ...workspace,
    ...(input.name ? { name: input.name } : {}),
    ...(input.namespaces ? { namespaces: input.namespaces } : {}),
    ...(input.clusters ? { clusterIds: await clusterIds(ctx, workspace.projectId, input.clusters) } : {}),
  });
}

export async function listWorkspaces(ctx: ControlContext, caller: Caller, projectRef: string) {
  const { project } = await authorize(ctx, caller, projectRef, 'viewer');
  const views: WorkspaceView[] = [];
  for (const workspace of await db.listWorkspaces(ctx.db, project.id))
    views.push(await viewWorkspace(ctx, workspace));
  return views;
}

export async function getWorkspace(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  workspaceRef: string,
) {
  return viewWorkspace(ctx, await resolveWorkspace(ctx, caller, projectRef, workspaceRef, 'viewer'));
}

export async function deleteWorkspace(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  workspaceRef: string,
) {
  const workspace = await resolveWorkspace(ctx, caller, projectRef, workspaceRef, 'admin');
  await db.deleteWorkspace(ctx.db, workspace.id);
}
