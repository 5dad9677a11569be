/**
 * The job queue: backups, restores and deletions run as jobs a replica claims with
 * `FOR UPDATE SKIP LOCKED`, so two replicas never run the same one. Each replica holds an advisory lock
 * for as long as it lives; a running job whose replica's lock can be taken belongs to a dead replica.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from './database.ts';
import { type JobKind, type JobRecord, toRecord } from './records.ts';

export async function enqueueJob(q: Queryable, kind: JobKind, subjectId: string, now: Date): Promise<string> {
  const id = randomUUID();
  await q.execute(
    "insert into jobs (id, kind, subject_id, state, created_at) values ($1, $2, $3, 'queued', $4)",
    [id, kind, subjectId, now],
  );
  return id;
}

/**
 * Claims a queued job for `replicaId` — restores first (someone is waiting on them; a midnight burst of
 * scheduled backups must not hold up a recovery), then the oldest — or returns undefined.
 */
export async function claimJob(q: Queryable, replicaId: string, now: Date): Promise<JobRecord | undefined> {
  const rows = await q.query(
    `update jobs set state = 'running', replica_id = $1, claimed_at = $2, heartbeat_at = $2
     where id = (select id from jobs where state = 'queued'
       order by (kind = 'restore') desc, created_at limit 1 for update skip locked)
     returning *`,
    [replicaId, now],
  );
  return rows[0] ? toRecord<JobRecord>(rows[0]) : undefined;
}

export async function heartbeatJobs(q: Queryable, replicaId: string, now: Date): Promise<void> {
  await q.execute("update jobs set heartbeat_at = $2 where replica_id = $1 and state = 'running'", [
    replicaId,
    now,
  ]);
}

/** Records the end of a job — only if `replicaId` still holds it (another may have taken it over). */
export async function finishJob(
  q: Queryable,
  id: string,
  replicaId: string,
  outcome: string,
  now: Date,
): Promise<void> {
  await q.execute(
    "update jobs set state = 'finished', outcome = $3, finished_at = $4 where id = $1 and replica_id = $2",
    [id, replicaId, outcome, now],
  );
}

/** True when a job for this subject is queued or running. */
export async function hasOpenJob(q: Queryable, kind: JobKind, subjectId: string): Promise<boolean> {
  const rows = await q.query(
    "select 1 from jobs where kind = $1 and subject_id = $2 and state in ('queued', 'running') limit 1",
    [kind, subjectId],
  );
  return rows.length > 0;
}

export async function registerReplica(q: Queryable, now: Date): Promise<{ id: string; lockKey: number }> {
  const id = randomUUID();
  const rows = await q.query<{ lock_key: number }>(
    `insert into replicas (id, lock_key, started_at, seen_at) values ($1, nextval('replica_lock_keys')::int, $2, $2)
     returning lock_key`,
    [id, now],
  );
  const lockKey = Number(rows[0]?.lock_key);
  return { id, lockKey };
}

export async function touchReplica(q: Queryable, id: string, now: Date): Promise<void> {
  await q.execute('update replicas set seen_at = $2 where id = $1', [id, now]);
}

/** Replicas other than `selfId` that have running jobs, with their lock keys. */
export async function replicasWithRunningJobs(
  q: Queryable,
  selfId: string,
): Promise<{ id: string; lockKey: number | null }[]> {
  const rows = await q.query<{ id: string; lock_key: number | null }>(
    `select distinct j.replica_id as id, r.lock_key from jobs j left join replicas r on r.id = j.replica_id
     where j.state = 'running' and j.replica_id is not null and j.replica_id <> $1`,
    [selfId],
  );
  return rows.map((row) => ({ id: row.id, lockKey: row.lock_key === null ? null : Number(row.lock_key) }));
}

/** Running jobs of a replica, locked for this transaction. */
export async function runningJobsOf(q: Queryable, replicaId: string): Promise<JobRecord[]> {
  return (
    await q.query("select * from jobs where replica_id = $1 and state = 'running' for update", [replicaId])
  ).map((row) => toRecord<JobRecord>(row));
}

/** Moves a dead replica's running jobs to `replicaId` (one conditional update: one winner per job). */
export async function takeOverJobs(
  q: Queryable,
  deadId: string,
  replicaId: string,
  now: Date,
): Promise<JobRecord[]> {
  const rows = await q.query(
    `update jobs set replica_id = $2, heartbeat_at = $3 where replica_id = $1 and state = 'running' returning *`,
    [deadId, replicaId, now],
  );
  return rows.map((row) => toRecord<JobRecord>(row));
}

export async function deleteReplica(q: Queryable, id: string): Promise<void> {
  await q.execute('delete from replicas where id = $1', [id]);
}

export async function findJobs(q: Queryable, subjectId: string): Promise<JobRecord[]> {
  return (await q.query('select * from jobs where subject_id = $1 order by created_at', [subjectId])).map(
    (row) => toRecord<JobRecord>(row),
  );
}
