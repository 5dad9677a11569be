/** Backup locations and backup policies. */
import type { Queryable } from './database.ts';
import {
  type LocationRecord,
  type LocationStatus,
  type PolicyRecord,
  type SyncProblem,
  toRecord,
} from './records.ts';

export async function saveLocation(q: Queryable, location: LocationRecord): Promise<void> {
  await q.execute(
    `insert into locations (id, project_id, name, provider, config, secret, status, status_checks,
       status_problems, validated_at, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     on conflict (id) do update set name = excluded.name, provider = excluded.provider,
       config = excluded.config, secret = excluded.secret, status = excluded.status,
       status_checks = excluded.status_checks, status_problems = excluded.status_problems,
       validated_at = excluded.validated_at`,
    [
      location.id,
      location.projectId,
      location.name,
      location.provider,
      JSON.stringify(location.config),
      location.secret,
      location.status,
      JSON.stringify(location.statusChecks),
      JSON.stringify(location.statusProblems),
      location.validatedAt,
      location.createdAt,
    ],
  );
}

export async function setLocationStatus(
  q: Queryable,
  id: string,
  status: LocationStatus,
  checks: string[],
  problems: string[],
  at: Date,
): Promise<void> {
  await q.execute(
    'update locations set status = $2, status_checks = $3, status_problems = $4, validated_at = $5 where id = $1',
    [id, status, JSON.stringify(checks), JSON.stringify(problems), at],
  );
}

/** Records what the last sync of a location could not read (replacing the previous pass's list). */
export async function setSyncResult(
  q: Queryable,
  id: string,
  problems: readonly SyncProblem[],
  problemCount: number,
  at: Date,
): Promise<void> {
  await q.execute(
    'update locations set sync_problems = $2, sync_problem_count = $3, synced_at = $4 where id = $1',
    [id, JSON.stringify(problems), problemCount, at],
  );
}

export async function listLocations(q: Queryable, projectId?: string): Promise<LocationRecord[]> {
  const rows = projectId
    ? await q.query('select * from locations where project_id = $1 order by name', [projectId])
    : await q.query('select * from locations order by project_id, name');
  return rows.map((row) => toRecord<LocationRecord>(row));
}

export async function findLocation(
  q: Queryable,
  projectId: string,
  idOrName: string,
): Promise<LocationRecord | undefined> {
  const rows = await q.query('select * from locations where project_id = $1 and (id = $2 or name = $2)', [
    projectId,
    idOrName,
  ]);
  return rows[0] ? toRecord<LocationRecord>(rows[0]) : undefined;
}

export async function locationById(q: Queryable, id: string): Promise<LocationRecord | undefined> {
  const rows = await q.query('select * from locations where id = $1', [id]);
  return rows[0] ? toRecord<LocationRecord>(rows[0]) : undefined;
}

/** What still uses a location: policies by name of their cluster or workspace, and backup count. */
export async function locationUsers(
  q: Queryable,
  id: string,
): Promise<{ policies: string[]; backups: number }> {
  const policies = await q.query<{ owner: string }>(
    `select coalesce('cluster ' || c.name, 'workspace ' || w.name) as owner from policies p
     left join clusters c on c.id = p.cluster_id left join workspaces w on w.id = p.workspace_id
     where p.location_id = $1 order by 1`,
    [id],
  );
  const backups = await q.query<{ n: number }>(
    'select count(*)::int as n from backups where location_id = $1',
    [id],
  );
  return { policies: policies.map((row) => row.owner), backups: backups[0]?.n ?? 0 };
}

/**
 * Sets a location's sealed repository secret unless it has one; returns the one it has afterwards (of two
 * replicas racing, both get the winner's).
 */
export async function claimRepositorySecret(
  q: Queryable,
  id: string,
  sealed: string,
): Promise<string | null> {
  await q.execute('update locations set repository_secret = $2 where id = $1 and repository_secret is null', [
    id,
    sealed,
  ]);
  const [row] = await q.query<{ repository_secret: string | null }>(
    'select repository_secret from locations where id = $1',
    [id],
  );
  return row?.repository_secret ?? null;
}

export async function deleteLocation(q: Queryable, id: string): Promise<number> {
  return q.execute('delete from locations where id = $1', [id]);
}

export async function savePolicy(q: Queryable, policy: PolicyRecord): Promise<void> {
  await q.execute(
    `insert into policies (id, project_id, cluster_id, workspace_id, location_id, prefix, schedule, ttl_hours,
       include_disks, cluster_resources, namespaces, anchor_at, next_run_at, last_run_at, created_at,
       copy_volume_data, keep_volume_snapshots)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
     on conflict (id) do update set location_id = excluded.location_id, prefix = excluded.prefix,
       schedule = excluded.schedule, ttl_hours = excluded.ttl_hours, include_disks = excluded.include_disks,
       copy_volume_data = excluded.copy_volume_data, keep_volume_snapshots = excluded.keep_volume_snapshots,
       cluster_resources = excluded.cluster_resources, namespaces = excluded.namespaces,
       anchor_at = excluded.anchor_at, next_run_at = excluded.next_run_at`,
    [
      policy.id,
      policy.projectId,
      policy.clusterId,
      policy.workspaceId,
      policy.locationId,
      policy.prefix,
      JSON.stringify(policy.schedule),
      policy.ttlHours,
      policy.includeDisks,
      policy.clusterResources,
      JSON.stringify(policy.namespaces),
      policy.anchorAt,
      policy.nextRunAt,
      policy.lastRunAt,
      policy.createdAt,
      policy.copyVolumeData,
      policy.keepVolumeSnapshots,
    ],
  );
}

export async function findPolicy(
  q: Queryable,
  owner: { clusterId: string } | { workspaceId: string },
): Promise<PolicyRecord | undefined> {
  const rows =
    'clusterId' in owner
      ? await q.query('select * from policies where cluster_id = $1', [owner.clusterId])
      : await q.query('select * from policies where workspace_id = $1', [owner.workspaceId]);
  return rows[0] ? toRecord<PolicyRecord>(rows[0]) : undefined;
}

export async function listPolicies(q: Queryable, projectId: string): Promise<PolicyRecord[]> {
  return (await q.query('select * from policies where project_id = $1 order by created_at', [projectId])).map(
    (row) => toRecord<PolicyRecord>(row),
  );
}

export async function deletePolicy(q: Queryable, id: string): Promise<number> {
  return q.execute('delete from policies where id = $1', [id]);
}

/**
 * Locks the policies due at `now` (skipping those another replica holds) for the rest of the transaction.
 */
export async function claimDuePolicies(q: Queryable, now: Date, limit = 20): Promise<PolicyRecord[]> {
  return (
    await q.query(
      `select * from policies where next_run_at is not null and next_run_at <= $1
       order by next_run_at limit $2 for update skip locked`,
      [now, limit],
    )
  ).map((row) => toRecord<PolicyRecord>(row));
}

export async function setPolicyRun(
  q: Queryable,
  id: string,
  lastRunAt: Date,
  nextRunAt: Date | null,
): Promise<void> {
  await q.execute('update policies set last_run_at = $2, next_run_at = $3 where id = $1', [
    id,
    lastRunAt,
    nextRunAt,
  ]);
}
