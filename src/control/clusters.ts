/**
 * Clusters of a project, registered by kubeconfig (sealed in the vault), and their health: reachable, and
 * allowed to list everything (what a backup needs) and create everything (what a restore needs).
 */
import { randomUUID } from 'node:crypto';
import type { ClusterHealth, ClusterRecord } from '../db/index.ts';
import * as db from '../db/index.ts';
import {
  describeError,
  HttpKubeClient,
  KubeApiError,
  type KubeClient,
  KubeConnectionError,
  KubeconfigError,
  loadConnection,
} from '../kube/index.ts';
import { authorize, type Caller } from './access.ts';
import type { ControlContext } from './context.ts';
import { ConflictError, InputError, isUniqueViolation, NotFoundError } from './errors.ts';
import { explainKubeApiError, kubeJson, notKubernetes } from './kube-answers.ts';
import { checkTarget, TargetRefusedError } from './network-policy.ts';
import type { ClusterInput, ClusterUpdate } from './schemas.ts';

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

const secretContext = (id: string) => `cluster:${id}`;

const apiServer = (server: string) => `the kubeconfig's API server ${server}`;

/**
 * Opens a Kubernetes client for a registered cluster, once the network policy allows its API server's
 * address (throws `TargetRefusedError` otherwise).
 */
export async function openClusterClient(
  ctx: ControlContext,
  cluster: ClusterRecord,
  options: { maxInFlight?: number; timeoutMs?: number; maxAttempts?: number } = {},
): Promise<KubeClient> {
  const text = ctx.vault.open(cluster.kubeconfigSecret, secretContext(cluster.id));
  const connection = await loadConnection(
    cluster.context ? { text, context: cluster.context, inlineOnly: true } : { text, inlineOnly: true },
  );
  await checkTarget(ctx.networkPolicy, 'cluster', connection.server, apiServer(connection.server));
  return new HttpKubeClient(connection, { maxInFlight: options.maxInFlight ?? 8, ...options });
}

async function checkKubeconfig(
  ctx: ControlContext,
  kubeconfig: string,
  context: string | undefined,
): Promise<string> {
  try {
    const connection = await loadConnection(
      context ? { text: kubeconfig, context, inlineOnly: true } : { text: kubeconfig, inlineOnly: true },
    );
    await checkTarget(ctx.networkPolicy, 'cluster', connection.server, apiServer(connection.server));
    return connection.server;
  } catch (error) {
    if (error instanceof KubeconfigError)
      throw new InputError(`the kubeconfig cannot be used: ${error.message}`, [
        { path: 'kubeconfig', message: error.message },
      ]);
    throw error;
  }
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
    kubeconfigSecret: ctx.vault.seal(input.kubeconfig, secretContext(id)),
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

export async function updateCluster(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  clusterRef: string,
  input: ClusterUpdate,
): Promise<ClusterView> {
  const cluster = await resolveCluster(ctx, caller, projectRef, clusterRef, 'admin');
  const kubeconfig = input.kubeconfig ?? ctx.vault.open(cluster.kubeconfigSecret, secretContext(cluster.id));
  const context = input.context ?? (input.kubeconfig ? undefined : (cluster.context ?? undefined));
  const server = await checkKubeconfig(ctx, kubeconfig, context);
  const name = input.name ?? cluster.name;
  try {
    await db.updateClusterConfig(ctx.db, cluster.id, {
      name,
      kubeconfigSecret: ctx.vault.seal(kubeconfig, secretContext(cluster.id)),
      context: context ?? null,
      server,
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new ConflictError(`a cluster named "${name}" already exists: pick another name`);
    throw error;
  }
  const updated = await db.clusterById(ctx.db, cluster.id);
  if (!updated) throw new NotFoundError('cluster', clusterRef);
  return viewCluster(await checkClusterHealth(ctx, updated));
}

export async function deleteCluster(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  clusterRef: string,
) {
  const cluster = await resolveCluster(ctx, caller, projectRef, clusterRef, 'admin');
  const running = await db.activeWorkOnCluster(ctx.db, cluster.id);
  if (running.length > 0)
    throw new ConflictError(
      `cluster "${cluster.name}" has ${running.length} backup or restore running: wait for it to finish, then delete the cluster`,
    );
  // Its backups stay (they live in the location and can be restored elsewhere); they lose the link.
  await db.deleteCluster(ctx.db, cluster.id);
}

interface AccessCheck {
  verb: 'list' | 'create';
  need: string;
}
const accessChecks: AccessCheck[] = [
  { verb: 'list', need: 'backups' },
  { verb: 'create', need: 'restores' },
];

async function allowed(kube: KubeClient, verb: string): Promise<{ allowed: boolean; reason?: string }> {
  const review = {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: { resourceAttributes: { verb, group: '*', resource: '*' } },
  };
  const path = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
  const response = await kube.request({
    method: 'POST',
    path,
    body: JSON.stringify(review),
    contentType: 'application/json',
  });
  const answer = kubeJson<{ status?: { allowed?: unknown } }>(
    kube.server,
    `POST ${path}`,
    response,
    'an access review',
  );
  return { allowed: answer.status?.allowed === true };
}

/** Why a health check failed, in Lifeboat's words: never the body of what the server answered. */
function unhealthyReason(ctx: ControlContext, cluster: ClusterRecord, error: unknown): string {
  // These messages name the server and say what failed without quoting its answer.
  if (error instanceof TargetRefusedError || error instanceof KubeConnectionError) return error.message;
  if (error instanceof KubeApiError && error.status === 401)
    return 'the API server refused the kubeconfig credentials (401): register the cluster again with a current kubeconfig';
  if (error instanceof KubeApiError) return explainKubeApiError(error, cluster.server ?? undefined);
  if (error instanceof KubeconfigError) return `the kubeconfig cannot be used: ${error.message}`;
  ctx.log.warn({ cluster: cluster.id, err: describeError(error) }, 'cluster health check failed');
  return 'the health check failed unexpectedly: the server log has the details';
}

/** Checks a cluster now and records the verdict. */
export async function checkClusterHealth(
  ctx: ControlContext,
  cluster: ClusterRecord,
): Promise<ClusterRecord> {
  let health: ClusterHealth = 'Healthy';
  let reason: string | null = null;
  let kube: KubeClient | undefined;
  try {
    kube = await openClusterClient(ctx, cluster, { maxInFlight: 2, timeoutMs: 10_000, maxAttempts: 2 });
    const version = kubeJson<{ gitVersion?: unknown }>(
      kube.server,
      'GET /version',
      await kube.request({ method: 'GET', path: '/version' }),
      'a Kubernetes version',
    );
    if (typeof version.gitVersion !== 'string')
      throw new KubeConnectionError(
        kube.server,
        `the API server at ${kube.server} answered GET /version without a Kubernetes version: check that the kubeconfig's server URL is the cluster's API server`,
        { retryable: false },
      );
    const refused: string[] = [];
    for (const check of accessChecks) {
      const verdict = await allowed(kube, check.verb);
      if (!verdict.allowed) refused.push(`${check.verb} all resources (needed by ${check.need})`);
    }
    if (refused.length > 0) {
      health = 'Unhealthy';
      reason = `the kubeconfig's user may not ${refused.join(' or ')}: bind it to cluster-admin or an equivalent ClusterRole`;
    }
  } catch (error) {
    health = 'Unhealthy';
    reason = unhealthyReason(ctx, cluster, error);
  } finally {
    await kube?.close().catch(() => undefined);
  }
  const at = ctx.clock.now();
  await db.setClusterHealth(ctx.db, cluster.id, health, reason, at);
  return { ...cluster, health, healthReason: reason, healthCheckedAt: at };
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
  const kube = await openClusterClient(ctx, cluster, { maxInFlight: 2, timeoutMs: 10_000, maxAttempts: 2 });
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

/** Checks every cluster (the periodic health loop). */
export async function checkAllClusters(ctx: ControlContext): Promise<void> {
  for (const cluster of await db.listClusters(ctx.db)) {
    await checkClusterHealth(ctx, cluster).catch((error: unknown) =>
      ctx.log.warn({ cluster: cluster.id, err: describeError(error) }, 'cluster health check failed'),
    );
  }
}
