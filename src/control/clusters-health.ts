/**
 * A cluster's health: reachable, a Kubernetes API server, and its kubeconfig's user allowed to list
 * everything (what a backup needs) and create everything (what a restore needs). The same probe checks a
 * registered cluster and a kubeconfig about to replace its own.
 */
import type { ClusterHealth, ClusterRecord } from '../db/index.ts';
import * as db from '../db/index.ts';
import {
  describeError,
  KubeApiError,
  type KubeClient,
  KubeConnectionError,
  KubeconfigError,
} from '../kube/index.ts';
import { openClusterClient } from './clusters-connection.ts';
import type { ControlContext } from './context.ts';
import { explainKubeApiError, kubeJson } from './kube-answers.ts';
import { TargetRefusedError } from './network-policy.ts';

/** What a probe found: Healthy, or Unhealthy with the reason in Lifeboat's words. */
export interface ProbeVerdict {
  health: Exclude<ClusterHealth, 'Unknown'>;
  reason: string | null;
}

interface AccessCheck {
  verb: 'list' | 'create';
  need: string;
}
const accessChecks: AccessCheck[] = [
  { verb: 'list', need: 'backups' },
  { verb: 'create', need: 'restores' },
];

async function allowed(kube: KubeClient, verb: string): Promise<boolean> {
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
  return answer.status?.allowed === true;
}

/**
 * Why a probe failed, in Lifeboat's words: never the body of what the server answered. `candidate`: the
 * kubeconfig was one offered to replace the stored one (the advice differs).
 */
function failureReason(ctx: ControlContext, server: string | undefined, error: unknown, candidate: boolean) {
  // These messages name the server and say what failed without quoting its answer.
  if (error instanceof TargetRefusedError || error instanceof KubeConnectionError) return error.message;
  if (error instanceof KubeApiError && error.status === 401)
    return candidate
      ? 'the API server refused the new kubeconfig’s credentials (401): check its token or client certificate is current'
      : 'the API server refused the kubeconfig credentials (401): replace the cluster’s kubeconfig with a current one (its page’s Settings, or `lifeboat cluster rotate-kubeconfig`)';
  if (error instanceof KubeApiError) return explainKubeApiError(error, server);
  if (error instanceof KubeconfigError) return `the kubeconfig cannot be used: ${error.message}`;
  ctx.log.warn({ server, err: describeError(error) }, 'cluster health check failed');
  return 'the health check failed unexpectedly: the server log has the details';
}

/** Runs the health checks on an open client. Never throws: a failure is an Unhealthy verdict. */
export async function probeCluster(
  ctx: ControlContext,
  kube: KubeClient,
  candidate = false,
): Promise<ProbeVerdict> {
  try {
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
    for (const check of accessChecks)
      if (!(await allowed(kube, check.verb)))
        refused.push(`${check.verb} all resources (needed by ${check.need})`);
    if (refused.length > 0)
      return {
        health: 'Unhealthy',
        reason: `the kubeconfig's user may not ${refused.join(' or ')}: bind it to cluster-admin or an equivalent ClusterRole`,
      };
    return { health: 'Healthy', reason: null };
  } catch (error) {
    return { health: 'Unhealthy', reason: failureReason(ctx, kube.server, error, candidate) };
  }
}

/** Options of the client a health check opens: few requests, a short timeout. */
export const probeClientOptions = { maxInFlight: 2, timeoutMs: 10_000, maxAttempts: 2 };

/** Checks a cluster now and records the verdict. */
export async function checkClusterHealth(
  ctx: ControlContext,
  cluster: ClusterRecord,
): Promise<ClusterRecord> {
  let verdict: ProbeVerdict;
  let kube: KubeClient | undefined;
  try {
    kube = await openClusterClient(ctx, cluster, probeClientOptions);
    verdict = await probeCluster(ctx, kube);
  } catch (error) {
    verdict = { health: 'Unhealthy', reason: failureReason(ctx, cluster.server ?? undefined, error, false) };
  } finally {
    await kube?.close().catch(() => undefined);
  }
  const at = ctx.clock.now();
  await db.setClusterHealth(ctx.db, cluster.id, verdict.health, verdict.reason, at);
  return { ...cluster, health: verdict.health, healthReason: verdict.reason, healthCheckedAt: at };
}

/** Checks every cluster (the periodic health loop). */
export async function checkAllClusters(ctx: ControlContext): Promise<void> {
  for (const cluster of await db.listClusters(ctx.db)) {
    await checkClusterHealth(ctx, cluster).catch((error: unknown) =>
      ctx.log.warn({ cluster: cluster.id, err: describeError(error) }, 'cluster health check failed'),
    );
  }
}

/**
 * The uid of the cluster's `kube-system` namespace: what tells one cluster from another whatever URL or
 * credentials reach it. Undefined when it cannot be read.
 */
export async function clusterIdentity(kube: KubeClient): Promise<string | undefined> {
  try {
    const path = '/api/v1/namespaces/kube-system';
    const namespace = kubeJson<{ metadata?: { uid?: unknown } }>(
      kube.server,
      `GET ${path}`,
      await kube.request({ method: 'GET', path }),
      'a namespace',
    );
    return typeof namespace.metadata?.uid === 'string' ? namespace.metadata.uid : undefined;
  } catch {
    return undefined;
  }
}
