/**
 * Two replicas on one PostgreSQL database: jobs are claimed once, a schedule fires once per slot (and once
 * after downtime, not once per missed slot), and expired backups are deleted from the location and then
 * from the database. The clock is injected, so a week passes in a moment.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { listBackups } from '../../src/backup/index.ts';
import { createUser, ManualClock } from '../../src/control/index.ts';
import {
  type BackupRecord,
  backupById,
  claimJob,
  enqueueJob,
  findJobs,
  insertBackup,
  leaderLockKey,
  listLocations,
  registerReplica,
  replicaLockSpace,
} from '../../src/db/index.ts';
import { openObjectStore, parseLocation } from '../../src/storage/index.ts';
import {
  freshDatabase,
  kubeconfigText,
  minioLocationBody,
  startTestPlane,
  type TestPlane,
} from '../support/control.ts';
import { apply, eventually, kubectl, uniqueName } from '../support/kube.ts';
import { minioCredentials, minioLocationUrl, type TestbedEnv, useTestbed } from '../testbed/index.ts';

type Json = Record<string, unknown>;

describe('two replicas on one PostgreSQL database', () => {
  let env: TestbedEnv;
  let database: { url: string; drop: () => Promise<void> };
  let one: TestPlane;
  let two: TestPlane;
  const clock = new ManualClock(new Date());
  const project = uniqueName('shared');
  const ns = uniqueName('sched');
  const prefix = uniqueName('replicas');

  before(async () => {
    env = await useTestbed();
    database = await freshDatabase();
    one = await startTestPlane('postgres', { clock, databaseUrl: database.url });
    two = await startTestPlane('postgres', { clock, databaseUrl: database.url });
    const [a] = env.clusters;
    assert.ok(a);
    await kubectl(env, a, ['create', 'namespace', ns]);
    await apply(env, a, [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: ns }, data: { k: 'v' } },
    ]);
  });
  after(async () => {
    await one?.close();
    await two?.close();
    await database?.drop();
  });

  test('only one first administrator is created for the shared database', () => {
    assert.ok(one.adminToken.startsWith('lbt_'));
    assert.equal(two.adminToken, '', 'the second replica found the administrator already there');
  });

  test('concurrent claims never hand the same job to both replicas', async () => {
    const ctx = one.plane.ctx;
    await one.plane.runner.stop(0);
    await two.plane.runner.stop(0);
    const ids = new Set<string>();
    for (let i = 0; i < 60; i++)
      ids.add(await enqueueJob(ctx.db, 'delete-backup', randomUUID(), clock.now()));
    const claimAll = async (plane: TestPlane) => {
      const got: string[] = [];
      for (;;) {
        const job = await claimJob(plane.plane.ctx.db, plane.plane.runner.replicaId ?? '', clock.now());
        if (!job) return got;
        got.push(job.id);
      }
    };
    const [a, b] = await Promise.all([claimAll(one), claimAll(two)]);
    assert.equal(new Set([...a, ...b]).size, a.length + b.length, 'no job claimed twice');
    assert.deepEqual(new Set([...a, ...b]), ids);
    assert.ok(a.length > 0 && b.length > 0, `both replicas claimed (${a.length} and ${b.length})`);
    await ctx.db.execute("update jobs set state = 'finished', outcome = 'test' where kind = 'delete-backup'");
  });

  test('a weekly schedule fires once per slot across both replicas, once after downtime, and its backups expire', async () => {
    // Fresh runners (the previous test stopped them).
    await one.close();
    await two.close();
    one = await startTestPlane('postgres', { clock, databaseUrl: database.url });
    two = await startTestPlane('postgres', { clock, databaseUrl: database.url });
    // The first start's token was shown once, to replica one's first run: make another administrator.
    const admin = await adminToken(one);
    const call = (plane: TestPlane, method: string, path: string, body?: unknown) =>
      plane.api.call<Json>(method, path, admin, body);
    assert.equal((await call(one, 'POST', '/projects', { name: project })).status, 201);
    const [a] = env.clusters;
    assert.ok(a);
    assert.equal(
      (await call(two, 'POST', `/projects/${project}/clusters`, { name: 'a', kubeconfig: kubeconfigText(a) }))
        .body.health,
      'Healthy',
    );
    assert.equal(
      (await call(one, 'POST', `/projects/${project}/locations`, minioLocationBody(env, 'minio', prefix)))
        .status,
      201,
    );
    const policy = await call(two, 'PUT', `/projects/${project}/clusters/a/policy`, {
      prefix: 'weekly',
      location: 'minio',
      schedule: { kind: 'weekly' },
      expiryHours: 1,
      namespaces: [ns],
    });
    assert.equal(policy.status, 200, JSON.stringify(policy.body));
    const firstSlot = new Date(String(policy.body.nextRunAt));
    assert.equal(firstSlot.getUTCDay(), 0, 'Sunday');
    assert.equal(firstSlot.getUTCHours(), 0, 'midnight');

    // Before the slot nothing happens; at the slot both replicas race and one backup is recorded.
    assert.equal((await one.plane.runDuePolicies()) + (await two.plane.runDuePolicies()), 0);
    clock.set(new Date(firstSlot.getTime() + 1000));
    const started = await Promise.all([
      one.plane.runDuePolicies(),
      two.plane.runDuePolicies(),
      one.plane.runDuePolicies(),
    ]);
    assert.equal(
      started.reduce((x, y) => x + y, 0),
      1,
      `started: ${started.join(', ')}`,
    );

    // Down for three weeks: one run, not three.
    clock.set(new Date(firstSlot.getTime() + 3 * 7 * 86_400_000 + 3_600_000));
    const afterDowntime = await Promise.all([one.plane.runDuePolicies(), two.plane.runDuePolicies()]);
    assert.equal(
      afterDowntime.reduce((x, y) => x + y, 0),
      1,
    );
    const scheduled = (await call(one, 'GET', `/projects/${project}/backups?cluster=a`))
      .body as unknown as Json[];
    assert.deepEqual(
      scheduled.map((b) => b.trigger),
      ['schedule', 'schedule'],
    );
    const names = scheduled.map((b) => String(b.name)).sort();
    assert.equal(names[0], `weekly-${firstSlot.toISOString().replace(/[-:T]/g, '').slice(0, 14)}`);
    const next = (await call(one, 'GET', `/projects/${project}/clusters/a/policy`)).body;
    assert.equal(new Date(String(next.nextRunAt)).getTime(), firstSlot.getTime() + 4 * 7 * 86_400_000);

    for (const name of names) {
      const done = await eventually(`backup ${name}`, async () => {
        const b = (await call(two, 'GET', `/projects/${project}/backups/${name}`)).body;
        return b.phase === 'Completed' || b.phase === 'Failed' ? b : undefined;
      });
      assert.equal(done.phase, 'Completed', JSON.stringify(done));
    }
    const rows = await one.plane.ctx.db.query<{ n: number; replicas: number }>(
      "select count(*)::int as n, count(distinct replica_id)::int as replicas from jobs where kind = 'backup'",
    );
    assert.equal(rows[0]?.n, 2, 'one job per backup');

    // Expiry: an hour after they were taken (by the injected clock) both go, from the bucket first.
    clock.set(new Date(Date.now() + 30 * 86_400_000));
    const expired = await Promise.all([one.plane.expireBackups(), two.plane.expireBackups()]);
    assert.equal(
      expired.reduce((x, y) => x + y, 0),
      2,
    );
    await eventually('expired backups to be gone', async () => {
      const left = (await call(one, 'GET', `/projects/${project}/backups`)).body as unknown as Json[];
      return left.length === 0 ? true : undefined;
    });
    const store = openObjectStore(parseLocation(minioLocationUrl(env, prefix)), {
      s3Credentials: minioCredentials(env),
    });
    try {
      assert.deepEqual(
        (await listBackups(store)).map((b) => b.name),
        [],
      );
    } finally {
      await store.close();
    }
    // Deleting again (another replica's expiry pass) is harmless.
    assert.equal(await one.plane.expireBackups(), 0);
  });

  test("a dead replica's running job is recovered by another replica; a live one's is left alone", async () => {
    const ctx = one.plane.ctx;
    const [location] = await listLocations(ctx.db);
    assert.ok(location);
    const now = new Date();
    const backup: BackupRecord = {
      id: randomUUID(),
      projectId: location.projectId,
      locationId: location.id,
      clusterId: null,
      clusterName: null,
      workspaceId: null,
      groupId: null,
      policyId: null,
      name: uniqueName('orphan'),
      trigger: 'manual',
      phase: 'InProgress',
      options: {
        includeNamespaces: [],
        excludeNamespaces: [],
        includeResources: [],
        excludeResources: [],
        clusterResources: 'auto',
        includeDisks: false,
        ttlHours: 1,
      },
      itemsDone: 3,
      itemsTotal: 10,
      bytes: 0,
      errorCount: 0,
      warningCount: 0,
      errors: {},
      warnings: {},
      failureReason: null,
      expiresAt: null,
      createdAt: now,
      startedAt: now,
      completedAt: null,
    };
    assert.ok(await insertBackup(ctx.db, backup));
    // A third replica, alive while its session holds its lock.
    const other = await registerReplica(ctx.db, now);
    const session = new pg.Client({ connectionString: database.url });
    await session.connect();
    await session.query('select pg_advisory_lock($1::int, $2::int)', [replicaLockSpace, other.lockKey]);
    const jobId = await enqueueJob(ctx.db, 'backup', backup.id, now);
    await ctx.db.execute("update jobs set state = 'running', replica_id = $2 where id = $1", [
      jobId,
      other.id,
    ]);
    assert.equal(await one.plane.runner.sweep(), 0, 'a live replica keeps its job');
    assert.equal((await backupById(ctx.db, backup.id))?.phase, 'InProgress');
    await session.end(); // the replica dies: PostgreSQL releases its lock with its connection
    const swept = await Promise.all([one.plane.runner.sweep(), two.plane.runner.sweep()]);
    assert.equal(swept[0] + swept[1], 1, 'recovered once, by one replica');
    const recovered = await backupById(ctx.db, backup.id);
    assert.equal(recovered?.phase, 'Failed');
    assert.match(String(recovered?.failureReason), /^interrupted/);
    const [job] = await findJobs(ctx.db, backup.id);
    assert.equal(job?.state, 'finished');
    assert.match(String(job?.outcome), /^interrupted; Failed \(interrupted\)/);
  });
});

describe('fleet-wide loops on replicas sharing a database', () => {
  test('sync and health checks run on one replica at a time, and move on when it stops', async () => {
    await useTestbed();
    const database = await freshDatabase();
    const loops = { sync: 100, health: 100 };
    const first = await startTestPlane('postgres', { databaseUrl: database.url, loops });
    const holders = async (plane: TestPlane) =>
      (
        await plane.plane.ctx.db.query<{ pid: number }>(
          "select pid from pg_locks where locktype = 'advisory' and classid = $1 and objid = $2 and granted and database = (select oid from pg_database where datname = current_database())",
          [replicaLockSpace, leaderLockKey],
        )
      ).map((row) => row.pid);
    // The first replica alone takes the role...
    const [leader] = await eventually('a leader', async () => {
      const found = await holders(first);
      return found.length > 0 ? found : undefined;
    });
    const second = await startTestPlane('postgres', { databaseUrl: database.url, loops });
    try {
      // ...keeps it while a second replica runs the same loops...
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.deepEqual(await holders(second), [leader], 'one holder, the first');
      // ...and the second takes it over when the first stops.
      await first.close();
      const [next] = await eventually('the second replica to lead', async () => {
        const found = await holders(second);
        return found.length === 1 && found[0] !== leader ? found : undefined;
      });
      assert.ok(next);
    } finally {
      await second.close();
      await database.drop();
    }
  });
});

/** A token for the shared database's administrator (the first start printed it on replica one). */
async function adminToken(plane: TestPlane): Promise<string> {
  const users = await plane.plane.ctx.db.query<{
    id: string;
    name: string;
    is_admin: boolean;
    created_at: Date;
  }>("select * from users where name = 'admin'");
  const row = users[0];
  assert.ok(row);
  const caller = {
    user: { id: row.id, name: row.name, isAdmin: row.is_admin, createdAt: row.created_at },
    tokenId: 'test',
  };
  return (await createUser(plane.plane.ctx, caller, { name: uniqueName('root'), isAdmin: true })).token;
}
