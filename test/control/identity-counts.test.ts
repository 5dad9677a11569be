/**
 * A restore's counts stay exact when saving its progress fails (issue 11): its items done and its counts
 * always equal the items it records and shows, whether the save of its last objects fails a few times (a
 * retried save) or the database drops the job's connections mid-run (a lost connection).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { kubeconfigText, minioLocationBody, startTestPlane, type TestPlane } from '../support/control.ts';
import { configMap } from '../support/hostile.ts';
import { apply, eventually, kubectl, uniqueName } from '../support/kube.ts';
import { type TestbedEnv, useTestbed } from '../testbed/index.ts';

type Json = Record<string, unknown>;

describe('restore counts after failed saves (PostgreSQL)', () => {
  let env: TestbedEnv;
  let t: TestPlane;
  let backupId = '';
  const project = uniqueName('counts');
  const ns = uniqueName('counts');
  const objects = 150;
  const p = `/projects/${project}`;
  const call = <T = Json>(method: string, path: string, body?: unknown) =>
    t.api.call<T>(method, path, t.adminToken, body);

  before(async () => {
    env = await useTestbed();
    t = await startTestPlane('postgres');
    const [a] = env.clusters;
    assert.ok(a);
    await kubectl(env, a, ['create', 'namespace', ns]);
    await apply(
      env,
      a,
      Array.from({ length: objects }, (_, i) => configMap(ns, `item-${i}`, { i: String(i) })),
    );
    assert.equal((await call('POST', '/projects', { name: project })).status, 201);
    assert.equal(
      (await call('POST', `${p}/clusters`, { name: 'a', kubeconfig: kubeconfigText(a) })).body.health,
      'Healthy',
    );
    const location = await call(
      'POST',
      `${p}/locations`,
      minioLocationBody(env, 'minio', uniqueName('counts')),
    );
    assert.equal(location.status, 201, location.text);
    const started = await call('POST', `${p}/clusters/a/backups`, { location: 'minio', namespaces: [ns] });
    assert.equal(started.status, 202, started.text);
    backupId = String(started.body.id);
    const done = await eventually('the backup', async () => {
      const b = (await call('GET', `${p}/backups/${backupId}`)).body;
      return b.phase === 'Completed' || b.phase === 'Failed' ? b : undefined;
    });
    assert.equal(done.phase, 'Completed', JSON.stringify(done));
  });
  after(async () => {
    await t?.close();
  });

  /** What the restore shows against what it recorded (asked again while dropped connections are replaced). */
  const tally = (restoreId: string) => eventually('the restore figures', () => figures(restoreId), 10_000);

  /** What the restore shows against what it recorded: items done, the sum of its counts, its item rows. */
  async function figures(restoreId: string) {
    const restore = (await call('GET', `${p}/restores/${restoreId}`)).body;
    const counts = Object.values(restore.counts as Record<string, number>).reduce((x, y) => x + y, 0);
    const [rows] = await t.plane.ctx.db.query<{ n: number }>(
      'select count(*)::int as n from restore_items where restore_id = $1',
      [restoreId],
    );
    const items = (await call<Json[]>('GET', `${p}/restores/${restoreId}/items?limit=5000`)).body;
    return {
      phase: restore.phase,
      itemsDone: (restore.progress as Json).itemsDone,
      itemsTotal: (restore.progress as Json).itemsTotal,
      counts,
      rows: rows?.n,
      items: items.length,
    };
  }

  async function restoreInto(target: string): Promise<string> {
    const body = { backup: backupId, targetCluster: 'a', namespaceMappings: { [ns]: target } };
    const created = await call('POST', `${p}/restores`, body);
    assert.equal(created.status, 202, created.text);
    return String(created.body.id);
  }

  const ended = (restoreId: string) =>
    eventually(
      'the restore to end',
      async () => {
        const r = (await call('GET', `${p}/restores/${restoreId}`)).body;
        return ['Completed', 'PartiallyFailed', 'Failed'].includes(String(r.phase)) ? r : undefined;
      },
      120_000,
    );

  test('the save of the last objects fails three times: they are saved, and counted once', async () => {
    const target = uniqueName('copy');
    const plan = await call<{ items: unknown[] }>('POST', `${p}/restores/plan`, {
      backup: backupId,
      targetCluster: 'a',
      namespaceMappings: { [ns]: target },
    });
    assert.equal(plan.status, 200, plan.text);
    const last = plan.body.items.length;
    assert.ok(last >= objects, `${last} objects in the plan`);
    // The database refuses the insert of the restore's last object three times, as a save whose connection
    // drops would fail.
    const db = t.plane.ctx.db;
    await db.execute('create sequence test_save_failures');
    await db.execute(`create function test_fail_last_item() returns trigger language plpgsql as $$
      begin
        if new.seq >= ${last} and nextval('test_save_failures') <= 3 then
          raise exception 'connection lost (made by the test)';
        end if;
        return new;
      end $$`);
    await db.execute(
      'create trigger test_fail_last_item before insert on restore_items for each row execute function test_fail_last_item()',
    );
    try {
      const id = await restoreInto(target);
      const end = await ended(id);
      assert.equal(end.phase, 'Completed', JSON.stringify(end));
      const seen = await tally(id);
      assert.deepEqual(seen, {
        phase: 'Completed',
        itemsDone: last,
        itemsTotal: last,
        counts: last,
        rows: last,
        items: last,
      });
      const [failures] = await db.query<{ n: number }>('select last_value::int as n from test_save_failures');
      assert.ok((failures?.n ?? 0) >= 3, 'the failing save was tried (and refused) three times');
    } finally {
      await db.execute('drop trigger test_fail_last_item on restore_items');
      await db.execute('drop function test_fail_last_item');
      await db.execute('drop sequence test_save_failures');
    }
  });

  test("the database drops the job's connections while it restores: counts equal the items recorded", async () => {
    const target = uniqueName('copy');
    const id = await restoreInto(target);
    const db = t.plane.ctx.db;
    let kills = 0;
    // Once the restore runs, end every query connection of the server (not its liveness session) each 100 ms.
    for (;;) {
      const [row] = await db
        .query<{ phase: string }>('select phase from restores where id = $1', [id])
        .catch(() => [] as { phase: string }[]);
      if (row && row.phase !== 'Queued' && row.phase !== 'InProgress') break;
      if (row?.phase === 'InProgress') {
        const [killed] = await db
          .query<{ n: number }>(
            `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
             where datname = current_database() and application_name = 'lifeboat' and pid <> pg_backend_pid()`,
          )
          .catch(() => [] as { n: number }[]);
        kills += killed?.n ?? 0;
      }
      await sleep(100);
    }
    const end = await ended(id);
    const seen = await tally(id);
    assert.ok(kills > 0, 'connections were dropped while it ran');
    assert.equal(seen.itemsDone, seen.rows, `items done = items recorded (${JSON.stringify(seen)})`);
    assert.equal(seen.counts, seen.rows, `counts = items recorded (${JSON.stringify(seen)})`);
    assert.equal(seen.items, seen.rows);
    assert.equal(end.phase, 'Completed', JSON.stringify(end));
    assert.equal(seen.rows, seen.itemsTotal, 'every object recorded once');
  });
});
