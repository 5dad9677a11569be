/** Restores and the per-item progress of restores. */
import type { Database, Queryable } from './database.ts';
import {
  type RestoreItemRecord,
  type RestorePhase,
  type RestoreRecord,
  type RestoreVolumeRecord,
  type ResultMessages,
  toRecord,
} from './records.ts';

export async function insertRestore(q: Queryable, restore: RestoreRecord): Promise<void> {
  await q.execute(
    `insert into restores (id, project_id, backup_id, backup_name, location_id, source_cluster_id,
       target_cluster_id, target_cluster_name, name, options, phase, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      restore.id,
      restore.projectId,
      restore.backupId,
      restore.backupName,
      restore.locationId,
      restore.sourceClusterId,
      restore.targetClusterId,
      restore.targetClusterName,
      restore.name,
      JSON.stringify(restore.options),
      restore.phase,
      restore.createdAt,
    ],
  );
}

export async function listRestoreRecords(
  q: Queryable,
  projectId: string,
  filter: { clusterId?: string; backupId?: string } = {},
): Promise<RestoreRecord[]> {
  const where = ['project_id = $1'];
  const params: unknown[] = [projectId];
  if (filter.clusterId) {
    params.push(filter.clusterId);
    where.push(`(target_cluster_id = $${params.length} or source_cluster_id = $${params.length})`);
  }
  if (filter.backupId) {
    params.push(filter.backupId);
    where.push(`backup_id = $${params.length}`);
  }
  return (
    await q.query(
      `select * from restores where ${where.join(' and ')} order by created_at desc, name`,
      params,
    )
  ).map((row) => toRecord<RestoreRecord>(row));
}

/** The restores of a project `ref` may mean: the one with that id first, then those of that name. */
export async function findRestores(q: Queryable, projectId: string, ref: string): Promise<RestoreRecord[]> {
  const rows = await q.query(
    'select * from restores where project_id = $1 and (id = $2 or name = $2) order by (id = $2) desc, created_at desc',
    [projectId, ref],
  );
  return rows.map((row) => toRecord<RestoreRecord>(row));
}

export async function restoreById(q: Queryable, id: string): Promise<RestoreRecord | undefined> {
  const rows = await q.query('select * from restores where id = $1', [id]);
  return rows[0] ? toRecord<RestoreRecord>(rows[0]) : undefined;
}

export async function setRestoreStarted(q: Queryable, id: string, at: Date): Promise<void> {
  await q.execute("update restores set phase = 'InProgress', started_at = $2 where id = $1", [id, at]);
}

/**
 * Records items of a running restore and counts them, in one transaction: the counts grow by the items this
 * call actually inserted, so a save retried after a lost connection (whose first try may have committed)
 * counts nothing twice, and counts always equal the items recorded. `volumes`, when given, replaces the
 * claims made from snapshots as they are now. Nothing is recorded once the restore has ended (another
 * replica may have ended it). Called a few times a second.
 */
export async function saveRestoreProgress(
  db: Database,
  id: string,
  itemsTotal: number,
  items: readonly RestoreItemRecord[],
  volumes?: readonly RestoreVolumeRecord[],
): Promise<void> {
  await db.transaction(async (tx) => {
    const [restore] = await tx.query<{ phase: string; counts: Record<string, number> }>(
      'select phase, counts from restores where id = $1 for update',
      [id],
    );
    if (restore?.phase !== 'InProgress') return;
    const counts = { ...restore.counts };
    let added = 0;
    // In chunks: one statement takes at most 65,535 parameters (8 per item).
    for (let start = 0; start < items.length; start += 1000) {
      const values: string[] = [];
      const params: unknown[] = [id];
      for (const item of items.slice(start, start + 1000)) {
        const base = params.length;
        values.push(
          `($1, $${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}, $${base + 5}, $${base + 6}, $${base + 7})`,
        );
        params.push(
          item.seq,
          item.groupResource,
          item.kind,
          item.namespace,
          item.name,
          item.action,
          item.detail,
        );
      }
      const inserted = await tx.query<{ action: string }>(
        `insert into restore_items (restore_id, seq, group_resource, kind, namespace, name, action, detail)
         values ${values.join(', ')} on conflict do nothing returning action`,
        params,
      );
      for (const row of inserted) counts[row.action] = (counts[row.action] ?? 0) + 1;
      added += inserted.length;
    }
    await tx.execute(
      'update restores set items_done = items_done + $2, items_total = $3, counts = $4, volumes = coalesce($5::jsonb, volumes) where id = $1',
      [id, added, itemsTotal, JSON.stringify(counts), volumes ? JSON.stringify(volumes) : null],
    );
  });
}

/** How a restore ended. Its item count and counts are not given: they are those of the items recorded. */
export interface RestoreEnd {
  phase: RestorePhase;
  itemsTotal: number;
  errors: ResultMessages;
  warnings: ResultMessages;
  errorCount: number;
  warningCount: number;
  failureReason: string | null;
  completedAt: Date;
  /** The claims made from snapshots as the restore ended; absent: those last saved stay. */
  volumes?: readonly RestoreVolumeRecord[];
}

/**
 * Ends a queued or running restore; false when it had already ended (the first end stands: a replica that
 * lost its database session must not overwrite the recovery another replica recorded). Its items done and
 * counts are counted from the items recorded, so they equal what its item list shows.
 */
export async function setRestoreEnded(q: Queryable, id: string, end: RestoreEnd): Promise<boolean> {
  const changed = await q.execute(
    `update restores set phase = $2, items_total = greatest($3, items_total), errors = $4, warnings = $5,
       error_count = $6, warning_count = $7, failure_reason = $8, completed_at = $9,
       volumes = coalesce($10::jsonb, volumes),
       items_done = (select count(*) from restore_items where restore_id = $1),
       counts = coalesce((select jsonb_object_agg(action, n) from (select action, count(*)::int as n
         from restore_items where restore_id = $1 group by action) as c), '{}'::jsonb)
     where id = $1 and phase in ('Queued', 'InProgress')`,
    [
      id,
      end.phase,
      end.itemsTotal,
      JSON.stringify(end.errors),
      JSON.stringify(end.warnings),
      end.errorCount,
      end.warningCount,
      end.failureReason,
      end.completedAt,
      end.volumes ? JSON.stringify(end.volumes) : null,
    ],
  );
  return changed === 1;
}

export async function listRestoreItems(
  q: Queryable,
  restoreId: string,
  afterSeq: number,
  limit: number,
): Promise<RestoreItemRecord[]> {
  return (
    await q.query(
      `select seq, group_resource, kind, namespace, name, action, detail from restore_items
       where restore_id = $1 and seq > $2 order by seq limit $3`,
      [restoreId, afterSeq, limit],
    )
  ).map((row) => toRecord<RestoreItemRecord>(row));
}

/**
 * The member restores of a group restore `ref` names (its id, else its name), oldest first. The group is
 * recorded on each member (`options.groupRestore`), so it needs no table of its own.
 */
export async function groupRestoreMembers(
  q: Queryable,
  projectId: string,
  ref: string,
): Promise<RestoreRecord[]> {
  const [found] = await q.query<{ id: string }>(
    `select options->'groupRestore'->>'id' as id from restores where project_id = $1
       and (options->'groupRestore'->>'id' = $2 or options->'groupRestore'->>'name' = $2)
     order by (options->'groupRestore'->>'id' = $2) desc, created_at desc limit 1`,
    [projectId, ref],
  );
  if (!found) return [];
  const rows = await q.query(
    `select * from restores where project_id = $1 and options->'groupRestore'->>'id' = $2
     order by created_at, name`,
    [projectId, found.id],
  );
  return rows.map((row) => toRecord<RestoreRecord>(row));
}

/** Whether a group restore of that name exists in the project. */
export async function groupRestoreNameTaken(q: Queryable, projectId: string, name: string): Promise<boolean> {
  const rows = await q.query(
    "select 1 from restores where project_id = $1 and options->'groupRestore'->>'name' = $2 limit 1",
    [projectId, name],
  );
  return rows.length > 0;
}

/** The member restores of every group restore of a project (or of one backup group), newest first. */
export async function listGroupRestoreMembers(
  q: Queryable,
  projectId: string,
  filter: { groupId?: string; workspaceId?: string } = {},
): Promise<RestoreRecord[]> {
  const where = ['project_id = $1', "options ? 'groupRestore'"];
  const params: unknown[] = [projectId];
  if (filter.groupId) {
    params.push(filter.groupId);
    where.push(`options->'groupRestore'->>'groupId' = $${params.length}`);
  }
  if (filter.workspaceId) {
    params.push(filter.workspaceId);
    where.push(`options->'groupRestore'->>'workspaceId' = $${params.length}`);
  }
  const rows = await q.query(
    `select * from restores where ${where.join(' and ')} order by created_at desc, name`,
    params,
  );
  return rows.map((row) => toRecord<RestoreRecord>(row));
}
