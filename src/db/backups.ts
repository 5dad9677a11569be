/** Backups, restores and the per-item progress of restores. */
import type { Queryable } from './database.ts';
import {
  type BackupPhase,
  type BackupRecord,
  type RestoreItemRecord,
  type RestorePhase,
  type RestoreRecord,
  type ResultMessages,
  toRecord,
} from './records.ts';

/** Inserts a backup unless one of that name is already in its location; true when inserted. */
export async function insertBackup(q: Queryable, backup: BackupRecord): Promise<boolean> {
  const changed = await q.execute(
    `insert into backups (id, project_id, location_id, cluster_id, cluster_name, workspace_id, group_id, policy_id,
       name, trigger, phase, options, items_done, items_total, bytes, error_count, warning_count, errors, warnings,
       failure_reason, expires_at, created_at, started_at, completed_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
       $23, $24)
     on conflict (location_id, name) do nothing`,
    [
      backup.id,
      backup.projectId,
      backup.locationId,
      backup.clusterId,
      backup.clusterName,
      backup.workspaceId,
      backup.groupId,
      backup.policyId,
      backup.name,
      backup.trigger,
      backup.phase,
      JSON.stringify(backup.options),
      backup.itemsDone,
      backup.itemsTotal,
      backup.bytes,
      backup.errorCount,
      backup.warningCount,
      JSON.stringify(backup.errors),
      JSON.stringify(backup.warnings),
      backup.failureReason,
      backup.expiresAt,
      backup.createdAt,
      backup.startedAt,
      backup.completedAt,
    ],
  );
  return changed === 1;
}

export interface BackupFilter {
  clusterId?: string;
  workspaceId?: string;
  groupId?: string;
  locationId?: string;
  phase?: BackupPhase;
}

export async function listBackupRecords(
  q: Queryable,
  projectId: string,
  filter: BackupFilter = {},
): Promise<BackupRecord[]> {
  const where = ['project_id = $1'];
  const params: unknown[] = [projectId];
  const add = (column: string, value: string | undefined) => {
    if (value === undefined) return;
    params.push(value);
    where.push(`${column} = $${params.length}`);
  };
  add('cluster_id', filter.clusterId);
  add('workspace_id', filter.workspaceId);
  add('group_id', filter.groupId);
  add('location_id', filter.locationId);
  add('phase', filter.phase);
  return (
    await q.query(`select * from backups where ${where.join(' and ')} order by created_at desc, name`, params)
  ).map((row) => toRecord<BackupRecord>(row));
}

export async function findBackup(
  q: Queryable,
  projectId: string,
  idOrName: string,
): Promise<BackupRecord | undefined> {
  const rows = await q.query(
    // An id wins over a name; among backups of one name (in several locations) the newest.
    'select * from backups where project_id = $1 and (id = $2 or name = $2) order by (id = $2) desc, created_at desc limit 1',
    [projectId, idOrName],
  );
  return rows[0] ? toRecord<BackupRecord>(rows[0]) : undefined;
}

export async function backupById(q: Queryable, id: string): Promise<BackupRecord | undefined> {
  const rows = await q.query('select * from backups where id = $1', [id]);
  return rows[0] ? toRecord<BackupRecord>(rows[0]) : undefined;
}

export async function backupNamesIn(q: Queryable, locationId: string): Promise<Set<string>> {
  const rows = await q.query<{ name: string }>('select name from backups where location_id = $1', [
    locationId,
  ]);
  return new Set(rows.map((row) => row.name));
}

export async function setBackupProgress(
  q: Queryable,
  id: string,
  progress: { itemsDone: number; itemsTotal: number; bytes: number },
): Promise<void> {
  await q.execute(
    "update backups set items_done = $2, items_total = $3, bytes = $4 where id = $1 and phase = 'InProgress'",
    [id, progress.itemsDone, progress.itemsTotal, progress.bytes],
  );
}

export async function setBackupStarted(q: Queryable, id: string, at: Date): Promise<void> {
  await q.execute("update backups set phase = 'InProgress', started_at = $2 where id = $1", [id, at]);
}

export interface BackupEnd {
  phase: BackupPhase;
  itemsDone: number;
  itemsTotal: number;
  bytes: number;
  errors: ResultMessages;
  warnings: ResultMessages;
  errorCount: number;
  warningCount: number;
  failureReason: string | null;
  completedAt: Date;
  expiresAt?: Date | null;
  startedAt?: Date | null;
}

export async function setBackupEnded(q: Queryable, id: string, end: BackupEnd): Promise<void> {
  await q.execute(
    `update backups set phase = $2, items_done = $3, items_total = $4, bytes = $5, errors = $6, warnings = $7,
       error_count = $8, warning_count = $9, failure_reason = $10, completed_at = $11,
       expires_at = coalesce($12, expires_at), started_at = coalesce(started_at, $13)
     where id = $1`,
    [
      id,
      end.phase,
      end.itemsDone,
      end.itemsTotal,
      end.bytes,
      JSON.stringify(end.errors),
      JSON.stringify(end.warnings),
      end.errorCount,
      end.warningCount,
      end.failureReason,
      end.completedAt,
      end.expiresAt ?? null,
      end.startedAt ?? null,
    ],
  );
}

/** Marks a finished backup for deletion; false when it is not in a phase that can be deleted. */
export async function markBackupDeleting(q: Queryable, id: string): Promise<boolean> {
  return (
    (await q.execute(
      "update backups set phase = 'Deleting' where id = $1 and phase in ('Completed', 'PartiallyFailed', 'Failed', 'Deleting')",
      [id],
    )) === 1
  );
}

/** Expired backups not yet being deleted, locked for this transaction. */
export async function claimExpiredBackups(q: Queryable, now: Date, limit = 50): Promise<BackupRecord[]> {
  return (
    await q.query(
      `select * from backups where expires_at <= $1 and phase in ('Completed', 'PartiallyFailed', 'Failed')
       order by expires_at limit $2 for update skip locked`,
      [now, limit],
    )
  ).map((row) => toRecord<BackupRecord>(row));
}

/** Restores still queued or running from a backup. */
export async function activeRestoresOf(q: Queryable, backupId: string): Promise<string[]> {
  const rows = await q.query<{ name: string }>(
    "select name from restores where backup_id = $1 and phase in ('Queued', 'InProgress')",
    [backupId],
  );
  return rows.map((row) => row.name);
}

export async function deleteBackupRecord(q: Queryable, id: string): Promise<number> {
  return q.execute('delete from backups where id = $1', [id]);
}

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

export async function findRestore(
  q: Queryable,
  projectId: string,
  idOrName: string,
): Promise<RestoreRecord | undefined> {
  const rows = await q.query('select * from restores where project_id = $1 and (id = $2 or name = $2)', [
    projectId,
    idOrName,
  ]);
  return rows[0] ? toRecord<RestoreRecord>(rows[0]) : undefined;
}

export async function restoreById(q: Queryable, id: string): Promise<RestoreRecord | undefined> {
  const rows = await q.query('select * from restores where id = $1', [id]);
  return rows[0] ? toRecord<RestoreRecord>(rows[0]) : undefined;
}

export async function setRestoreStarted(q: Queryable, id: string, at: Date): Promise<void> {
  await q.execute("update restores set phase = 'InProgress', started_at = $2 where id = $1", [id, at]);
}

/** Appends items and the progress counters in one statement pair (called at most a few times a second). */
export async function saveRestoreProgress(
  q: Queryable,
  id: string,
  progress: { itemsDone: number; itemsTotal: number; counts: Record<string, number> },
  items: RestoreItemRecord[],
): Promise<void> {
  // In chunks: one statement takes at most 65,535 parameters (7 per item).
  for (let start = 0; start < items.length; start += 1000) {
    const values: string[] = [];
    const params: unknown[] = [id];
    for (const item of items.slice(start, start + 1000)) {
      const base = params.length;
      values.push(`($1, $${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}, $${base + 5}, $${base + 6})`);
      params.push(item.seq, item.groupResource, item.namespace, item.name, item.action, item.detail);
    }
    await q.execute(
      `insert into restore_items (restore_id, seq, group_resource, namespace, name, action, detail)
       values ${values.join(', ')} on conflict do nothing`,
      params,
    );
  }
  await q.execute(
    "update restores set items_done = $2, items_total = $3, counts = $4 where id = $1 and phase = 'InProgress'",
    [id, progress.itemsDone, progress.itemsTotal, JSON.stringify(progress.counts)],
  );
}

export async function setRestoreEnded(
  q: Queryable,
  id: string,
  end: {
    phase: RestorePhase;
    itemsDone: number;
    itemsTotal: number;
    counts: Record<string, number>;
    errors: ResultMessages;
    warnings: ResultMessages;
    errorCount: number;
    warningCount: number;
    failureReason: string | null;
    completedAt: Date;
  },
): Promise<void> {
  await q.execute(
    `update restores set phase = $2, items_done = $3, items_total = $4, counts = $5, errors = $6, warnings = $7,
       error_count = $8, warning_count = $9, failure_reason = $10, completed_at = $11 where id = $1`,
    [
      id,
      end.phase,
      end.itemsDone,
      end.itemsTotal,
      JSON.stringify(end.counts),
      JSON.stringify(end.errors),
      JSON.stringify(end.warnings),
      end.errorCount,
      end.warningCount,
      end.failureReason,
      end.completedAt,
    ],
  );
}

export async function listRestoreItems(
  q: Queryable,
  restoreId: string,
  afterSeq: number,
  limit: number,
): Promise<RestoreItemRecord[]> {
  return (
    await q.query(
      `select seq, group_resource, namespace, name, action, detail from restore_items
       where restore_id = $1 and seq > $2 order by seq limit $3`,
      [restoreId, afterSeq, limit],
    )
  ).map((row) => toRecord<RestoreItemRecord>(row));
}
