/** Clusters and workspaces of a project. */
import type { Queryable, Row } from './database.ts';
import { type ClusterHealth, type ClusterRecord, toRecord, type WorkspaceRecord } from './records.ts';

export async function insertCluster(q: Queryable, cluster: ClusterRecord): Promise<void> {
  await q.execute(
    `insert into clusters (id, project_id, name, kubeconfig_secret, context, server, health, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      cluster.id,
      cluster.projectId,
      cluster.name,
      cluster.kubeconfigSecret,
      cluster.context,
      cluster.server,
      cluster.health,
      cluster.createdAt,
    ],
  );
}

/**
 * Replaces a cluster's kubeconfig (already checked against the cluster) and records the health that check
 * found, in one statement.
 */
export async function replaceKubeconfig(
  q: Queryable,
  id: string,
  fields: {
    kubeconfigSecret: string;
    context: string | null;
    server: string;
    health: ClusterHealth;
    healthReason: string | null;
    at: Date;
  },
): Promise<void> {
  await q.execute(
    `update clusters set kubeconfig_secret = $2, context = $3, server = $4, health = $5, health_reason = $6,
       health_checked_at = $7 where id = $1`,
    [
      id,
      fields.kubeconfigSecret,
      fields.context,
      fields.server,
      fields.health,
      fields.healthReason,
      fields.at,
    ],
  );
}

/**
 * Renames a cluster, and the name its backups and the restores into it show (they keep the name they were
 * made under only once the cluster is removed).
 */
export async function renameCluster(q: Queryable, id: string, name: string): Promise<void> {
  await q.execute('update clusters set name = $2 where id = $1', [id, name]);
  await q.execute('update backups set cluster_name = $2 where cluster_id = $1', [id, name]);
  await q.execute('update restores set target_cluster_name = $2 where target_cluster_id = $1', [id, name]);
}

export async function listClusters(q: Queryable, projectId?: string): Promise<ClusterRecord[]> {
  const rows = projectId
    ? await q.query('select * from clusters where project_id = $1 order by name', [projectId])
    : await q.query('select * from clusters order by project_id, name');
  return rows.map((row) => toRecord<ClusterRecord>(row));
}

export async function findCluster(
  q: Queryable,
  projectId: string,
  idOrName: string,
): Promise<ClusterRecord | undefined> {
  const rows = await q.query('select * from clusters where project_id = $1 and (id = $2 or name = $2)', [
    projectId,
    idOrName,
  ]);
  return rows[0] ? toRecord<ClusterRecord>(rows[0]) : undefined;
}

/** A cluster by id in any project (the engine's jobs; the project check is the caller's). */
export async function clusterById(q: Queryable, id: string): Promise<ClusterRecord | undefined> {
  const rows = await q.query('select * from clusters where id = $1', [id]);
  return rows[0] ? toRecord<ClusterRecord>(rows[0]) : undefined;
}

export async function setClusterHealth(
  q: Queryable,
  id: string,
  health: ClusterHealth,
  reason: string | null,
  at: Date,
): Promise<void> {
  await q.execute(
    'update clusters set health = $2, health_reason = $3, health_checked_at = $4 where id = $1',
    [id, health, reason, at],
  );
}

/** A backup or restore that still needs a cluster: queued, running, or (a backup) deleting its snapshots. */
export interface ClusterWork {
  kind: 'backup' | 'restore';
  id: string;
  name: string;
  phase: string;
}

/**
 * The work that still needs a cluster: its backups queued, running or being deleted (their snapshots are
 * deleted through it), and restores queued or running into it.
 */
export async function activeWorkOnCluster(q: Queryable, clusterId: string): Promise<ClusterWork[]> {
  return q.query<ClusterWork & Row>(
    `select 'backup' as kind, id, name, phase from backups
       where cluster_id = $1 and phase in ('Queued', 'InProgress', 'Deleting')
     union all select 'restore' as kind, id, name, phase from restores
       where target_cluster_id = $1 and phase in ('Queued', 'InProgress')
     order by kind, name`,
    [clusterId],
  );
}

/** What removing a cluster leaves behind, counted before it goes. */
export interface ClusterFootprint {
  /** Backups taken of it (they stay in their locations and in Lifeboat). */
  backups: number;
  /** Of those, backups that asked for disks: their snapshots live in the cluster. */
  backupsWithDisks: number;
  /** Its own backup policy, if any. */
  policyId: string | null;
}

export async function clusterFootprint(q: Queryable, clusterId: string): Promise<ClusterFootprint> {
  const [counts] = await q.query<{ backups: number; with_disks: number }>(
    `select count(*)::int as backups,
       count(*) filter (where (options->>'includeDisks')::boolean)::int as with_disks
     from backups where cluster_id = $1 and phase <> 'Missing'`,
    [clusterId],
  );
  const [policy] = await q.query<{ id: string }>('select id from policies where cluster_id = $1', [
    clusterId,
  ]);
  return {
    backups: Number(counts?.backups ?? 0),
    backupsWithDisks: Number(counts?.with_disks ?? 0),
    policyId: policy?.id ?? null,
  };
}

/** Locks a cluster's row until the transaction ends (work recorded on it meanwhile waits). */
export async function lockCluster(q: Queryable, id: string): Promise<void> {
  await q.query('select id from clusters where id = $1 for update', [id]);
}

/** Deletes the backup policy of a workspace that has no cluster left (its schedule would back up nothing). */
export async function deleteWorkspacePolicyIfEmpty(q: Queryable, workspaceId: string): Promise<number> {
  return q.execute(
    `delete from policies where workspace_id = $1
       and not exists (select 1 from workspace_clusters where workspace_id = $1)`,
    [workspaceId],
  );
}

export async function deleteCluster(q: Queryable, id: string): Promise<number> {
  return q.execute('delete from clusters where id = $1', [id]);
}

const workspaceSelect = `select w.*, coalesce(
    (select json_agg(wc.cluster_id order by wc.cluster_id) from workspace_clusters wc where wc.workspace_id = w.id),
    '[]'::json) as cluster_ids from workspaces w`;

export async function listWorkspaces(q: Queryable, projectId: string): Promise<WorkspaceRecord[]> {
  return (await q.query(`${workspaceSelect} where w.project_id = $1 order by w.name`, [projectId])).map(
    (row) => toRecord<WorkspaceRecord>(row),
  );
}

export async function findWorkspace(
  q: Queryable,
  projectId: string,
  idOrName: string,
): Promise<WorkspaceRecord | undefined> {
  const rows = await q.query(`${workspaceSelect} where w.project_id = $1 and (w.id = $2 or w.name = $2)`, [
    projectId,
    idOrName,
  ]);
  return rows[0] ? toRecord<WorkspaceRecord>(rows[0]) : undefined;
}

export async function workspaceById(q: Queryable, id: string): Promise<WorkspaceRecord | undefined> {
  const rows = await q.query(`${workspaceSelect} where w.id = $1`, [id]);
  return rows[0] ? toRecord<WorkspaceRecord>(rows[0]) : undefined;
}

/** Inserts or replaces a workspace and its member clusters. */
export async function saveWorkspace(q: Queryable, workspace: WorkspaceRecord): Promise<void> {
  await q.execute(
    `insert into workspaces (id, project_id, name, namespaces, created_at) values ($1, $2, $3, $4, $5)
     on conflict (id) do update set name = excluded.name, namespaces = excluded.namespaces`,
    [
      workspace.id,
      workspace.projectId,
      workspace.name,
      JSON.stringify(workspace.namespaces),
      workspace.createdAt,
    ],
  );
  await q.execute('delete from workspace_clusters where workspace_id = $1', [workspace.id]);
  for (const clusterId of workspace.clusterIds) {
    await q.execute('insert into workspace_clusters (workspace_id, cluster_id) values ($1, $2)', [
      workspace.id,
      clusterId,
    ]);
  }
}

export async function deleteWorkspace(q: Queryable, id: string): Promise<number> {
  return q.execute('delete from workspaces where id = $1', [id]);
}
