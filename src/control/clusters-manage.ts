/**
 * Day two of a cluster: replacing its kubeconfig (a token rotated, a certificate renewed, the API server
 * moved), renaming it, and removing it from the project.
 *
 * - A new kubeconfig is checked against the cluster before it is saved, as at registration, and more
 *   strictly: it must pass the health check (reachable, may list and create everything), and when the stored
 *   kubeconfig still works it must reach the same cluster (the uid of `kube-system`). Otherwise nothing
 *   changes and the answer says why.
 * - Removing a cluster keeps its backups (in their locations, and in Lifeboat under the cluster's name), deletes
 *   its own backup policy (its schedule stops) and takes it out of its workspaces: a workspace's schedule
 *   continues for the clusters it still has; a workspace left with none loses its policy too. Work still
 *   queued or running on the cluster blocks the removal.
 */
import type { ClusterRecord, ClusterWork } from '../db/index.ts';
import * as db from '../db/index.ts';
import type { KubeClient } from '../kube/index.ts';
import type { Caller } from './access.ts';
import { type ClusterView, resolveCluster, viewCluster } from './clusters.ts';
import {
  checkKubeconfig,
  kubeconfigSecretContext,
  openClusterClient,
  openKubeconfig,
  storedKubeconfig,
} from './clusters-connection.ts';
import { clusterIdentity, type ProbeVerdict, probeClientOptions, probeCluster } from './clusters-health.ts';
import type { ControlContext } from './context.ts';
import { ConflictError, isUniqueViolation, NotFoundError, PreconditionError } from './errors.ts';
import type { ClusterUpdate } from './schemas.ts';

/** A kubeconfig checked against its cluster, ready to be saved. */
interface CheckedKubeconfig {
  kubeconfig: string;
  context: string | null;
  server: string;
  verdict: ProbeVerdict;
}

async function closing<T>(kube: KubeClient, work: (kube: KubeClient) => Promise<T>): Promise<T> {
  try {
    return await work(kube);
  } finally {
    await kube.close().catch(() => undefined);
  }
}

/**
 * Checks a kubeconfig offered for `cluster`: readable, allowed by the network policy, Healthy, and (when the
 * stored kubeconfig still answers) the same cluster. Throws `InputError` or `PreconditionError` saying why.
 */
async function checkReplacement(
  ctx: ControlContext,
  cluster: ClusterRecord,
  kubeconfig: string,
  context: string | null,
): Promise<CheckedKubeconfig> {
  const server = await checkKubeconfig(ctx, kubeconfig, context ?? undefined);
  const kept = `cluster "${cluster.name}" keeps its current kubeconfig`;
  const candidate = await openKubeconfig(ctx, kubeconfig, context, probeClientOptions);
  const { verdict, identity } = await closing(candidate, async (kube) => {
    const verdict = await probeCluster(ctx, kube, true);
    return { verdict, identity: verdict.health === 'Healthy' ? await clusterIdentity(kube) : undefined };
  });
  if (verdict.health !== 'Healthy')
    throw new PreconditionError(`the new kubeconfig was not saved: ${verdict.reason}; ${kept}`, [
      verdict.reason ?? 'the new kubeconfig did not pass the health check',
    ]);
  // The stored kubeconfig often no longer works (that is why it is replaced): then there is nothing to compare.
  const before = await openClusterClient(ctx, cluster, { maxInFlight: 1, timeoutMs: 5_000, maxAttempts: 1 })
    .then((kube) => closing(kube, clusterIdentity))
    .catch(() => undefined);
  if (before && identity && before !== identity)
    throw new PreconditionError(
      `the new kubeconfig was not saved: it reaches another cluster than "${cluster.name}" (kube-system uid ${identity}, not ${before}); ${kept}. Register that cluster under its own name instead`,
      [`the new kubeconfig reaches another cluster (kube-system uid ${identity}, not ${before})`],
    );
  return { kubeconfig, context, server, verdict };
}

/**
 * Renames a cluster and/or replaces its kubeconfig (or the context used in it). A new kubeconfig or context is
 * saved only once it works against the same cluster; else nothing changes (422 with the reason).
 */
export async function updateCluster(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  clusterRef: string,
  input: ClusterUpdate,
): Promise<ClusterView> {
  const cluster = await resolveCluster(ctx, caller, projectRef, clusterRef, 'admin');
  let checked: CheckedKubeconfig | undefined;
  if (input.kubeconfig !== undefined || input.context !== undefined) {
    // A new kubeconfig starts from its own current context unless one is named; a new context alone applies
    // to the stored kubeconfig.
    const kubeconfig = input.kubeconfig ?? storedKubeconfig(ctx, cluster);
    const context = input.context ?? (input.kubeconfig === undefined ? cluster.context : null);
    checked = await checkReplacement(ctx, cluster, kubeconfig, context);
  }
  const name = input.name ?? cluster.name;
  try {
    await ctx.db.transaction(async (tx) => {
      if (name !== cluster.name) await db.renameCluster(tx, cluster.id, name);
      if (checked)
        await db.replaceKubeconfig(tx, cluster.id, {
          kubeconfigSecret: ctx.vault.seal(checked.kubeconfig, kubeconfigSecretContext(cluster.id)),
          context: checked.context,
          server: checked.server,
          health: checked.verdict.health,
          healthReason: checked.verdict.reason,
          at: ctx.clock.now(),
        });
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new ConflictError(`a cluster named "${name}" already exists in this project: pick another name`);
    throw error;
  }
  const updated = await db.clusterById(ctx.db, cluster.id);
  if (!updated) throw new NotFoundError('cluster', clusterRef);
  if (checked || name !== cluster.name)
    ctx.log.info(
      { cluster: cluster.id, renamed: name !== cluster.name, kubeconfigReplaced: Boolean(checked) },
      'cluster changed',
    );
  return viewCluster(updated);
}

/** What removing a cluster does, said before it is done (and refused while `blockedBy` is not empty). */
export interface ClusterRemovalView {
  cluster: { id: string; name: string };
  /** Backups and restores still queued or running on the cluster: the removal waits for them. */
  blockedBy: ClusterWork[];
  /** Its backups, kept in their locations and in Lifeboat; those with disks keep snapshots in the cluster. */
  backups: { kept: number; withDisks: number };
  /** Its own backup policy: deleted with it (its schedule stops), or none. */
  policy: 'deleted' | 'none';
  /** The workspaces it leaves, the clusters each keeps and what becomes of each one's policy. */
  workspaces: {
    id: string;
    name: string;
    clustersLeft: string[];
    policy: 'continues' | 'deleted' | 'none';
  }[];
  /** The above in sentences, for people. */
  summary: string[];
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

function describeWork(work: ClusterWork[]): string {
  return work.map((w) => `${w.kind} "${w.name}" (${w.phase})`).join(', ');
}

async function removalOf(ctx: ControlContext, cluster: ClusterRecord): Promise<ClusterRemovalView> {
  const [blockedBy, footprint, workspaces, clusters, policies] = await Promise.all([
    db.activeWorkOnCluster(ctx.db, cluster.id),
    db.clusterFootprint(ctx.db, cluster.id),
    db.listWorkspaces(ctx.db, cluster.projectId),
    db.listClusters(ctx.db, cluster.projectId),
    db.listPolicies(ctx.db, cluster.projectId),
  ]);
  const nameOf = new Map(clusters.map((c) => [c.id, c.name]));
  const members = workspaces
    .filter((w) => w.clusterIds.includes(cluster.id))
    .map((w) => {
      const clustersLeft = w.clusterIds
        .filter((id) => id !== cluster.id)
        .map((id) => nameOf.get(id) ?? id)
        .sort();
      const hasPolicy = policies.some((p) => p.workspaceId === w.id);
      const policy: 'continues' | 'deleted' | 'none' = !hasPolicy
        ? 'none'
        : clustersLeft.length > 0
          ? 'continues'
          : 'deleted';
      return { id: w.id, name: w.name, clustersLeft, policy };
    });
  const summary = [
    footprint.backups === 0
      ? 'It has no backups.'
      : `Its ${plural(footprint.backups, 'backup')} stay in their locations and in Lifeboat, under the name "${cluster.name}", and can still be restored into other clusters.`,
  ];
  if (footprint.backupsWithDisks > 0)
    summary.push(
      `${plural(footprint.backupsWithDisks, 'backup')} asked for disks: their volume snapshots stay in the cluster, and Lifeboat cannot delete them once the cluster is removed. Delete those backups first if the snapshots should go.`,
    );
  summary.push(
    footprint.policyId
      ? 'Its backup policy is deleted: its scheduled backups stop.'
      : 'It has no backup policy of its own.',
  );
  for (const w of members)
    summary.push(
      w.clustersLeft.length === 0
        ? `Workspace "${w.name}" has no cluster left${w.policy === 'deleted' ? ': its backup policy is deleted, so its scheduled backups stop' : ''} (the workspace stays, empty).`
        : `Workspace "${w.name}" keeps ${w.clustersLeft.join(', ')}${w.policy === 'continues' ? ': its scheduled backups continue for them' : ''}.`,
    );
  if (blockedBy.length > 0)
    summary.unshift(`It cannot be removed while work runs on it: ${describeWork(blockedBy)}.`);
  return {
    cluster: { id: cluster.id, name: cluster.name },
    blockedBy,
    backups: { kept: footprint.backups, withDisks: footprint.backupsWithDisks },
    policy: footprint.policyId ? 'deleted' : 'none',
    workspaces: members,
    summary,
  };
}

/** What removing a cluster would do (nothing is changed). */
export async function clusterRemoval(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  clusterRef: string,
): Promise<ClusterRemovalView> {
  return removalOf(ctx, await resolveCluster(ctx, caller, projectRef, clusterRef, 'viewer'));
}

/**
 * Removes a cluster from its project (see the file's comment for what stays and what stops). Refused with
 * the work that still runs on it; its backups lose only the link to it.
 */
export async function deleteCluster(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  clusterRef: string,
): Promise<ClusterRemovalView> {
  const cluster = await resolveCluster(ctx, caller, projectRef, clusterRef, 'admin');
  const removal = await removalOf(ctx, cluster);
  await ctx.db.transaction(async (tx) => {
    // Under the cluster's row lock: a backup recorded meanwhile either committed first (and is seen here) or
    // waits, then fails on the cluster being gone.
    await db.lockCluster(tx, cluster.id);
    const running = await db.activeWorkOnCluster(tx, cluster.id);
    if (running.length > 0)
      throw new ConflictError(
        `cluster "${cluster.name}" still has work queued or running: ${describeWork(running)}. Wait for it to finish, then remove the cluster`,
      );
    await db.deleteCluster(tx, cluster.id);
    for (const workspace of removal.workspaces) await db.deleteWorkspacePolicyIfEmpty(tx, workspace.id);
  });
  ctx.log.info({ cluster: cluster.id, name: cluster.name }, 'cluster removed; its backups stay');
  return { ...removal, blockedBy: [] };
}
