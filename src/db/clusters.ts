/** Clusters and workspaces of a project. */
import type { Queryable } from './database.ts';
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

export async function updateClusterConfig(
  q: Queryable,
  id: string,
  fields: { name: string; kubeconfigSecret: string; context: string | null; server: string | null },
): Promise<void> {
  await q.execute(
    'update clusters set name = $2, kubeconfig_secret = $3, context = $4, server = $5 where id = $1',
    [id, fields.name, fields.kubeconfigSecret, fields.context, fields.server],
  );
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

/** Names of the backups and restores still queued or running on a cluster. */
export async function activeWorkOnCluster(q: Queryable, clusterId: string): Promise<string[]> {
  const rows = await q.query<{ name: string }>(
    `select name from backups where cluster_id = $1 and phase in ('Queued', 'InProgress')
     union all select name from restores where target_cluster_id = $1 and phase in ('Queued', 'InProgress')`,
    [clusterId],
  );
  return rows.map((row) => row.name);
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
