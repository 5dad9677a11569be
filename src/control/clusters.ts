/**
 * Clusters of a project, registered by kubeconfig (sealed in the vault), and their health (clusters-health.ts):
 * reachable, and allowed to list everything (what a backup needs) and create everything (what a restore
 * needs). Replacing a kubeconfig, renaming and removing are in clusters-manage.ts.
 */
import { randomUUID } from 'node:crypto';
import type { ClusterHealth, ClusterRecord } from '../db/index.ts';
import * as db from '../db/index.ts';
import { authorize, type Caller } from './access.ts';
import { checkKubeconfig, kubeconfigSecretContext, openClusterClient } from './clusters-connection.ts';
import { checkClusterHealth, probeClientOptions } from './clusters-health.ts';
import type { ControlContext } from './context.ts';
import { ConflictError, isUniqueViolation, NotFoundError } from './errors.ts';
import { kubeJson, notKubernetes } from './kube-answers.ts';
import type { ClusterInput } from './schemas.ts';

export { openClusterClient } from './clusters-connection.ts';
export { checkAllClusters, checkClusterHealth } from './clusters-health.ts';

export interface ClusterView {
  id: string;
  projectId: string;
  name: string;
  server: string | null;
  context: string | null;
  health: ClusterHealth;
  healthReason: string | null;
  healthCheckedAt: string | null;
  createdAt: string;
}

export function viewCluster(cluster: ClusterRecord): ClusterView {
  return {
    id: cluster.id,
    projectId: cluster.projectId,
    name: cluster.name,
    server: cluster.server,
    context: cluster.context,
    health: cluster.health,
    healthReason: cluster.healthReason,
    healthCheckedAt: cluster.healthCheckedAt?.toISOString() ?? null,
    createdAt: cluster.createdAt.toISOString(),
  };
}

export async function listClusters(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
): Promise<ClusterView[]> {
  const { project } = await authorize(ctx, caller, projectRef, 'viewer');
  return (await db.listClusters(ctx.db, project.id)).map(viewCluster);
}

/** Finds a cluster of a project the caller may act on with `role`. */
export async function resolveCluster(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  clusterRef: string,
  role: 'viewer' | 'operator' | 'admin',
): Promise<ClusterRecord> {
  const { project } = await authorize(ctx, caller, projectRef, role);
  const cluster = await db.findCluster(ctx.db, project.id, clusterRef);
  if (!cluster) throw new NotFoundError('cluster', clusterRef);
  return cluster;
}

export async function getCluster(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  clusterRef: string,
) {
  return viewCluster(await resolveCluster(ctx, caller, projectRef, clusterRef, 'viewer'));
}

/** Registers a cluster and checks its health at once (a cluster that fails the check is kept, Unhealthy). */
export async function registerCluster(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  input: ClusterInput,
): Promise<ClusterView> {
  const { project } = await authorize(ctx, caller, projectRef, 'admin');
  const server = await checkKubeconfig(ctx, input.kubeconfig, input.context);
  const id = randomUUID();
  const cluster: ClusterRecord = {
    id,
    projectId: project.id,
    name: input.name,
    kubeconfigSecret: ctx.vault.seal(input.kubeconfig, kubeconfigSecretContext(id)),
    context: input.context ?? null,
    server,
    health: 'Unknown',
    healthReason: null,
    healthCheckedAt: null,
    createdAt: ctx.clock.now(),
  };
  try {
    await db.insertCluster(ctx.db, cluster);
  } catch (error) {
    if (isUniqueViolation(error))
      throw new ConflictError(
        `project "${project.name}" already has a cluster named "${input.name}": pick another name`,
      );
    throw error;
  }
  return viewCluster(await checkClusterHealth(ctx, cluster));
}

export async function checkClusterHealthById(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  clusterRef: string,
): Promise<ClusterView> {
  const cluster = await resolveCluster(ctx, caller, projectRef, clusterRef, 'operator');
  return viewCluster(await checkClusterHealth(ctx, cluster));
}

/** The namespaces of the live cluster (for picking what to back up). */
export async function listNamespaces(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  clusterRef: string,
): Promise<string[]> {
  const cluster = await resolveCluster(ctx, caller, projectRef, clusterRef, 'viewer');
  const kube = await openClusterClient(ctx, cluster, probeClientOptions);
  try {
    const response = await kube.request({ method: 'GET', path: '/api/v1/namespaces' });
    const list = kubeJson<{ items?: { metadata?: { name?: unknown } }[] }>(
      kube.server,
      'GET /api/v1/namespaces',
      response,
      'a list of namespaces',
    );
    if (!Array.isArray(list.items))
      throw notKubernetes(kube.server, 'GET /api/v1/namespaces', response, 'a list of namespaces');
    return list.items
      .map((item) => item.metadata?.name)
      .filter((name): name is string => typeof name === 'string')
      .sort();
  } finally {
    await kube.close();
  }
}
