/** Backups: their rows, from queued to deleted (restores and their items are in restores.ts). */
import type { Queryable } from './database.ts';
import {
  type BackupPhase,
  type BackupRecord,
  type ResultMessages,
  toRecord,
  type VolumeCopyRecord,
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

/** A backup with the name of its location, as a choice between backups of one name is shown. */
export type BackupCandidate = BackupRecord & { locationName: string };

/**
 * The backups of a project `ref` may mean: the one with that id, else every one of that name (one per
 * location at most; the caller decides what several mean). Newest first.
 */
export async function findBackups(q: Queryable, projectId: string, ref: string): Promise<BackupCandidate[]> {
  const rows = await q.query(
    `select b.*, l.name as location_name from backups b join locations l on l.id = b.location_id
     where b.project_id = $1 and (b.id = $2 or b.name = $2) order by (b.id = $2) desc, b.created_at desc`,
    [projectId, ref],
  );
  return rows.map((row) => toRecord<BackupCandidate>(row));
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

/** The Completed and PartiallyFailed backups of a location: those whose files must be in it. */
export async function finishedBackupsIn(
  q: Queryable,
  locationId: string,
): Promise<{ id: string; name: string }[]> {
  return q.query<{ id: string; name: string }>(
    "select id, name from backups where location_id = $1 and phase in ('Completed', 'PartiallyFailed')",
    [locationId],
  );
}

/** Marks finished backups whose folder is gone from their location as Missing; resolves to how many. */
export async function markBackupsMissing(q: Queryable, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  return q.execute(
    "update backups set phase = 'Missing' where id = any($1::text[]) and phase in ('Completed', 'PartiallyFailed')",
    [ids],
  );
}

/**
 * Removes the row of a backup Lifeboat has nothing left to delete of: Missing (its folder is gone), or Failed
 * after a deletion that cannot succeed. False when the backup is in neither state.
 */
export async function forgetBackup(q: Queryable, id: string): Promise<boolean> {
  return (
    (await q.execute(
      `delete from backups where id = $1
         and (phase = 'Missing' or (phase = 'Failed' and delete_failed_at is not null))`,
      [id],
    )) === 1
  );
}

/** True when a backup of that name is recorded in the location. */
export async function backupNameTaken(q: Queryable, locationId: string, name: string): Promise<boolean> {
  const rows = await q.query('select 1 from backups where location_id = $1 and name = $2', [
    locationId,
    name,
  ]);
  return rows.length > 0;
}

/** Renames a backup that has not written anything yet; false when the name is taken in its location. */
export async function renameBackup(q: Queryable, id: string, name: string): Promise<boolean> {
  try {
    return (await q.execute('update backups set name = $2 where id = $1', [id, name])) === 1;
  } catch (error) {
    if ((error as { code?: string } | null)?.code === '23505') return false;
    throw error;
  }
}

/**
 * A deletion that cannot succeed: the backup is Failed with the reason (its other errors kept after it), so
 * it no longer looks like it is being deleted; `permanent` marks it for the next deletion to forget the row.
 */
export async function setBackupDeleteFailed(
  q: Queryable,
  id: string,
  reason: string,
  at: Date,
  permanent: boolean,
): Promise<void> {
  const rows = await q.query<{ errors: ResultMessages }>('select errors from backups where id = $1', [id]);
  const errors: ResultMessages = { ...(rows[0]?.errors ?? {}) };
  errors.velero = [reason, ...(errors.velero ?? [])];
  await q.execute(
    `update backups set phase = 'Failed', failure_reason = $2, errors = $3, error_count = error_count + 1,
       delete_failed_at = $4 where id = $1 and phase = 'Deleting'`,
    [id, reason, JSON.stringify(errors), permanent ? at : null],
  );
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

/** Saves each volume's copy to the location (the data mover's progress) of a running backup. */
export async function setBackupVolumeCopies(
  q: Queryable,
  id: string,
  copies: readonly VolumeCopyRecord[],
): Promise<void> {
  await q.execute('update backups set volume_copies = $2 where id = $1', [id, JSON.stringify(copies)]);
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

/**
 * Expired backups not yet being deleted, locked for this transaction. A backup whose deletion already failed
 * for good is left alone (it waits for someone to read why and delete it again).
 */
export async function claimExpiredBackups(q: Queryable, now: Date, limit = 50): Promise<BackupRecord[]> {
  return (
    await q.query(
      `select * from backups where expires_at <= $1 and phase in ('Completed', 'PartiallyFailed', 'Failed', 'Missing')
         and delete_failed_at is null
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
