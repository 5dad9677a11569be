/**
 * Backups keep their identity (issue 11): a backup is its location and folder, never the name another
 * writer put in its description, and the control plane addresses backups by id.
 * - Two locations each holding a backup of one name: a name is refused (409 naming both), an id acts on one.
 * - Two locations of a project may not cover one bucket folder (create and edit refused, naming the other).
 * - A decoy folder whose description names the genuine backup (expired), and a copied folder, are refused by
 *   sync as problems of the location; expiry and deletion leave the genuine backup's files alone.
 * - A backup whose folder is gone becomes Missing; deleting or expiring it removes only its row.
 * - A scheduled backup whose name another writer took in the bucket is taken under `<name>-2`; an on-demand
 *   one fails saying the name is taken.
 * - A deletion that cannot succeed ends Failed with the reason; deleting again forgets the row, and the
 *   location can then be deleted.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ManualClock } from '../../src/control/index.ts';
import { type BackupRecord, insertBackup } from '../../src/db/index.ts';
import { type ObjectStore, openObjectStore, parseLocation } from '../../src/storage/index.ts';
import { kubeconfigText, minioLocationBody, startTestPlane, type TestPlane } from '../support/control.ts';
import { backupDocument, configMap, type Json, tarball, writeRawBackup } from '../support/hostile.ts';
import { apply, eventually, kubectl, uniqueName } from '../support/kube.ts';
import { minioCredentials, minioLocationUrl, type TestbedEnv, useTestbed } from '../testbed/index.ts';

const iso = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;
const hour = 3600_000;

/** A Completed `velero-backup.json` naming `name`, started `startAgoHours` ago, kept `ttlHours`. */
function description(name: string, startAgoHours: number, ttlHours: number, labels?: Record<string, string>) {
  const doc = backupDocument(name, labels ? { labels } : {});
  const start = new Date(Date.now() - startAgoHours * hour);
  (doc.spec as Json).ttl = `${ttlHours}h0m0s`;
  Object.assign(doc.status as Json, {
    startTimestamp: iso(start),
    completionTimestamp: iso(new Date(start.getTime() + 60_000)),
    expiration: iso(new Date(start.getTime() + ttlHours * hour)),
  });
  (doc.metadata as Json).creationTimestamp = iso(start);
  return doc;
}

/** A small but whole backup folder, as another writer (the CLI, another server) would leave it. */
async function writeForeignBackup(store: ObjectStore, folder: string, doc: Json): Promise<void> {
  await writeRawBackup(store, folder, {
    description: doc,
    tarball: tarball([
      {
        name: 'resources/configmaps/namespaces/app/settings.json',
        data: JSON.stringify(configMap('app', 'settings')),
      },
    ]),
    logs: gzipSync('time="2026-01-01T00:00:00Z" level=info msg="backup done"\n'),
  });
}

async function keysUnder(store: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of store.list(prefix)) keys.push(object.key);
  return keys.sort();
}

describe('backups keep their identity', () => {
  let env: TestbedEnv;
  let t: TestPlane;
  let admin: string;
  const clock = new ManualClock(new Date());
  const project = uniqueName('ident');
  const ns = uniqueName('ident');
  const base = uniqueName('identity');
  const prefixes = { one: `${base}-one`, two: `${base}-two`, three: `${base}-three`, four: `${base}-four` };
  const stores: Record<string, ObjectStore> = {};
  type Json2 = Record<string, unknown>;
  const call = <T = Json2>(method: string, path: string, body?: unknown) =>
    t.api.call<T>(method, path, admin, body);
  const p = `/projects/${project}`;
  const message = (answer: { body: Json2 }) => String((answer.body.error as Json2 | undefined)?.message);
  const waitPhase = (ref: string, phases: string[]) =>
    eventually(
      `backup ${ref} to reach ${phases.join(' or ')}`,
      async () => {
        const answer = await call('GET', `${p}/backups/${ref}`);
        return phases.includes(String(answer.body.phase)) ? answer.body : undefined;
      },
      120_000,
    );

  before(async () => {
    env = await useTestbed();
    t = await startTestPlane('embedded', { clock });
    admin = t.adminToken;
    const [a, b] = env.clusters;
    assert.ok(a && b);
    for (const cluster of [a, b]) {
      await kubectl(env, cluster, ['create', 'namespace', ns]);
      await apply(env, cluster, [configMap(ns, 'settings', { color: cluster === a ? 'teal' : 'plum' })]);
    }
    assert.equal((await call('POST', '/projects', { name: project })).status, 201);
    for (const [name, cluster] of [
      ['a', a],
      ['b', b],
    ] as const) {
      const created = await call('POST', `${p}/clusters`, { name, kubeconfig: kubeconfigText(cluster) });
      assert.equal(created.body.health, 'Healthy', created.text);
    }
    for (const [name, prefix] of Object.entries(prefixes)) {
      stores[name] = openObjectStore(parseLocation(minioLocationUrl(env, prefix)), {
        s3Credentials: minioCredentials(env),
      });
      if (name === 'three') continue; // created by the overlap test
      const created = await call('POST', `${p}/locations`, minioLocationBody(env, name, prefix));
      assert.equal(created.status, 201, created.text);
    }
  });
  after(async () => {
    for (const store of Object.values(stores)) await store.close();
    await t?.close();
  });

  test('a name two locations hold is refused with both named; an id deletes the right one', async () => {
    const name = uniqueName('nightly');
    const made: Json2[] = [];
    for (const [cluster, location] of [
      ['a', 'one'],
      ['b', 'two'],
    ]) {
      const started = await call('POST', `${p}/clusters/${cluster}/backups`, {
        name,
        location,
        namespaces: [ns],
      });
      assert.equal(started.status, 202, started.text);
      made.push(started.body);
    }
    const [fromA, fromB] = made.map((b) => String(b.id));
    assert.ok(fromA && fromB && fromA !== fromB);
    for (const id of [fromA, fromB])
      assert.equal((await waitPhase(id, ['Completed', 'Failed'])).phase, 'Completed');

    // By name: ambiguous, so refused — naming both locations, clusters and ids — and nothing is deleted.
    const refused = await call('DELETE', `${p}/backups/${name}`);
    assert.equal(refused.status, 409, refused.text);
    for (const part of ['location "one"', 'location "two"', 'cluster "a"', 'cluster "b"', fromA, fromB])
      assert.ok(message(refused).includes(part), `the refusal names ${part}: ${message(refused)}`);
    assert.equal((await call('GET', `${p}/backups/${name}`)).status, 409);
    const plan = await call('POST', `${p}/restores/plan`, { backup: name, targetCluster: 'b' });
    assert.equal(plan.status, 409, plan.text);
    assert.match(message(plan), /names 2 backups/);
    const restore = await call('POST', `${p}/restores`, { backup: name, targetCluster: 'b' });
    assert.equal(restore.status, 409, restore.text);
    for (const id of [fromA, fromB])
      assert.equal((await call('GET', `${p}/backups/${id}`)).body.phase, 'Completed');
    assert.ok((await keysUnder(stores.one as ObjectStore, `backups/${name}/`)).length > 0);
    assert.ok((await keysUnder(stores.two as ObjectStore, `backups/${name}/`)).length > 0);

    // By id: the plan is of cluster b's backup, and deleting location two's removes only that one.
    const byId = await call<{ backupName: string; items: { namespace?: string }[] }>(
      'POST',
      `${p}/restores/plan`,
      { backup: fromB, targetCluster: 'b', namespaceMappings: { [ns]: `${ns}-copy` } },
    );
    assert.equal(byId.status, 200, byId.text);
    const deleting = await call('DELETE', `${p}/backups/${fromB}`);
    assert.equal(deleting.status, 202, deleting.text);
    await eventually('location two\u2019s backup to go', async () =>
      (await call('GET', `${p}/backups/${fromB}`)).status === 404 ? true : undefined,
    );
    assert.deepEqual(await keysUnder(stores.two as ObjectStore, `backups/${name}/`), []);
    assert.ok(
      (await keysUnder(stores.one as ObjectStore, `backups/${name}/`)).length > 0,
      'location one\u2019s kept',
    );
    // Now the name is unambiguous again: it means location one's backup.
    const one = await call('GET', `${p}/backups/${name}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.id, fromA);
  });

  test('two locations of a project may not cover one bucket folder', async () => {
    const cases: [string, string, RegExp][] = [
      [prefixes.one, 'the same prefix', /location "one"/],
      [`${prefixes.one}/inner`, 'a prefix inside it', /location "one"/],
      ['', 'the whole bucket, around them all', /location "(four|one|two)"/],
    ];
    for (const [prefix, what, other] of cases) {
      const refused = await call('POST', `${p}/locations`, minioLocationBody(env, 'three', prefix));
      assert.equal(refused.status, 409, `${what}: ${refused.text}`);
      assert.match(message(refused), other);
      assert.match(message(refused), /already covers .*may not share a bucket folder/);
    }
    assert.equal((await call('GET', `${p}/locations/three`)).status, 404, 'nothing saved');
    // Beside it is fine; moving it inside another is refused on edit, naming that one.
    const created = await call('POST', `${p}/locations`, minioLocationBody(env, 'three', prefixes.three));
    assert.equal(created.status, 201, created.text);
    const moved = await call('PATCH', `${p}/locations/three`, { prefix: `${prefixes.two}/nested` });
    assert.equal(moved.status, 409, moved.text);
    assert.match(message(moved), /location "two" already covers/);
    const kept = await call('GET', `${p}/locations/three`);
    assert.equal((kept.body.config as Json2).prefix, prefixes.three);
    assert.equal((await call('DELETE', `${p}/locations/three`)).status, 204);
  });

  test('a decoy or copied folder naming the genuine backup is a location problem; its files stay', async () => {
    const store = stores.one as ObjectStore;
    const genuine = uniqueName('genuine');
    const decoy = uniqueName('decoy');
    const copy = uniqueName('copy');
    // The genuine backup, by another writer (unknown to Lifeboat until sync); kept 90 days, taken 40 ago.
    await writeForeignBackup(store, genuine, description(genuine, 40 * 24, 90 * 24));
    const genuineFiles = await keysUnder(store, `backups/${genuine}/`);
    assert.equal(genuineFiles.length, 3);
    // A small decoy naming it, newer, already expired; and a whole copy of it under another folder.
    await writeRawBackup(store, decoy, { description: description(genuine, 31 * 24, 30 * 24) });
    for (const key of genuineFiles) {
      const chunks: Buffer[] = [];
      for await (const chunk of await store.get(key)) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      await store.put(key.replace(`backups/${genuine}/`, `backups/${copy}/`), body);
    }

    const sync = await call<{ added: string[]; problems: { folder: string; reason: string }[] }>(
      'POST',
      `${p}/locations/one/sync`,
    );
    assert.equal(sync.status, 200, sync.text);
    assert.deepEqual(sync.body.added, [genuine]);
    assert.deepEqual(sync.body.problems.map((x) => x.folder).sort(), [copy, decoy].sort());
    for (const problem of sync.body.problems) assert.match(problem.reason, new RegExp(genuine));
    const location = await call('GET', `${p}/locations/one`);
    const problems = location.body.syncProblems as {
      total: number;
      folders: { folder: string; seenAt: string }[];
    };
    assert.equal(problems.total, 2);
    assert.ok(problems.folders.every((x) => !Number.isNaN(Date.parse(x.seenAt))));
    const row = await call('GET', `${p}/backups/${genuine}`);
    assert.equal(row.body.trigger, 'sync');
    assert.equal(row.body.phase, 'Completed');
    assert.ok(
      Date.parse(String(row.body.expiresAt)) > Date.now(),
      'the genuine expiry, not the decoy\u2019s',
    );

    // Expiry passes: nothing of the genuine backup goes.
    await t.plane.expireBackups();
    await t.plane.runner.idle();
    assert.deepEqual(await keysUnder(store, `backups/${genuine}/`), genuineFiles);
    assert.equal((await call('GET', `${p}/backups/${genuine}`)).body.phase, 'Completed');

    // Deleting the synced row deletes its own folder only: the decoy's and the copy's files stay.
    const decoyFiles = await keysUnder(store, `backups/${decoy}/`);
    const copyFiles = await keysUnder(store, `backups/${copy}/`);
    assert.equal((await call('DELETE', `${p}/backups/${String(row.body.id)}`)).status, 202);
    await eventually('the genuine row to go', async () =>
      (await call('GET', `${p}/backups/${String(row.body.id)}`)).status === 404 ? true : undefined,
    );
    assert.deepEqual(await keysUnder(store, `backups/${genuine}/`), []);
    assert.deepEqual(await keysUnder(store, `backups/${decoy}/`), decoyFiles);
    assert.deepEqual(await keysUnder(store, `backups/${copy}/`), copyFiles);

    // A problem is cleared once its folder is gone.
    await store.delete(decoyFiles);
    const again = await call<{ added: string[]; problems: { folder: string }[] }>(
      'POST',
      `${p}/locations/one/sync`,
    );
    assert.deepEqual(again.body.added, [], 'neither the copy nor a decoy is ever recorded');
    assert.deepEqual(
      again.body.problems.map((x) => x.folder),
      [copy],
    );
    await store.delete(copyFiles);
    await call('POST', `${p}/locations/one/sync`);
    assert.equal(((await call('GET', `${p}/locations/one`)).body.syncProblems as { total: number }).total, 0);
  });

  test('a backup whose folder is gone becomes Missing; deleting or expiring it removes only its row', async () => {
    const store = stores.two as ObjectStore;
    const lost = uniqueName('lost');
    const expiring = uniqueName('lost');
    await writeForeignBackup(store, lost, description(lost, 1, 720));
    await writeForeignBackup(store, expiring, description(expiring, 1, 2));
    const synced = await call<{ added: string[] }>('POST', `${p}/locations/two/sync`);
    assert.deepEqual(synced.body.added.sort(), [expiring, lost].sort());
    for (const name of [lost, expiring]) await store.delete(await keysUnder(store, `backups/${name}/`));

    const sync = await call<{ missing: string[] }>('POST', `${p}/locations/two/sync`);
    assert.deepEqual(sync.body.missing.sort(), [expiring, lost].sort());
    const missing = await call('GET', `${p}/backups/${lost}`);
    assert.equal(missing.body.phase, 'Missing');
    // Another writer reuses the name meanwhile: deleting the Missing row must not touch that.
    await writeForeignBackup(store, lost, description(lost, 0, 720));
    const theirs = await keysUnder(store, `backups/${lost}/`);
    const deleted = await call('DELETE', `${p}/backups/${String(missing.body.id)}`);
    assert.equal(deleted.status, 202, deleted.text);
    assert.equal((await call('GET', `${p}/backups/${String(missing.body.id)}`)).status, 404, 'gone at once');
    await t.plane.runner.idle();
    assert.deepEqual(await keysUnder(store, `backups/${lost}/`), theirs);

    // Expiry of a Missing backup: the row goes, no job touches the location.
    clock.set(new Date(Date.now() + 3 * hour));
    assert.equal(await t.plane.expireBackups(), 1);
    assert.equal((await call('GET', `${p}/backups/${expiring}`)).status, 404);
    clock.set(new Date());
    await store.delete(theirs);
  });

  test('a scheduled backup whose name another writer took is taken as <name>-2; an on-demand one fails', async () => {
    const store = stores.one as ObjectStore;
    clock.set(new Date());
    const policy = await call('PUT', `${p}/clusters/a/policy`, {
      prefix: 'sched',
      location: 'one',
      schedule: { kind: 'weekly' },
      expiryHours: 168,
      namespaces: [ns],
    });
    assert.equal(policy.status, 200, policy.text);
    const slot = new Date(String(policy.body.nextRunAt));
    const slotName = `sched-${slot.toISOString().replace(/[-:T]/g, '').slice(0, 14)}`;
    // Another writer's backup under the slot's name, not synced: only the bucket knows it.
    await writeForeignBackup(store, slotName, description(slotName, 0, 720));
    const theirs = await keysUnder(store, `backups/${slotName}/`);
    clock.set(new Date(slot.getTime() + 1000));
    assert.equal(await t.plane.runDuePolicies(), 1);
    const taken = await waitPhase(`${slotName}-2`, ['Completed', 'PartiallyFailed', 'Failed']);
    assert.equal(taken.phase, 'Completed', JSON.stringify(taken));
    assert.equal(taken.trigger, 'schedule');
    assert.match(
      JSON.stringify(taken.warnings),
      new RegExp(
        `a backup named \\\\"${slotName}\\\\" already exists in location \\\\"one\\\\".*taken as \\\\"${slotName}-2\\\\"`,
      ),
    );
    assert.deepEqual(await keysUnder(store, `backups/${slotName}/`), theirs, 'theirs untouched');
    const ours = await keysUnder(store, `backups/${slotName}-2/`);
    assert.ok(ours.some((key) => key.endsWith('velero-backup.json')));
    clock.set(new Date());
    assert.equal((await call('DELETE', `${p}/clusters/a/policy`)).status, 204);

    // On demand, the same clash fails visibly, naming the location.
    const manual = await call('POST', `${p}/clusters/a/backups`, {
      name: slotName,
      location: 'one',
      namespaces: [ns],
    });
    assert.equal(manual.status, 202, manual.text);
    const failed = await waitPhase(String(manual.body.id), ['Completed', 'Failed']);
    assert.equal(failed.phase, 'Failed');
    assert.match(
      String(failed.failureReason),
      new RegExp(`a backup named "${slotName}" already exists in location "one"`),
    );
    assert.deepEqual(await keysUnder(store, `backups/${slotName}/`), theirs);
    await store.delete(theirs);
  });

  test('a deletion that cannot succeed ends Failed with the reason; deleting again forgets the row', async () => {
    const store = stores.four as ObjectStore;
    const ctx = t.plane.ctx;
    const [location] = await ctx.db.query<{ id: string; project_id: string }>(
      "select id, project_id from locations where name = 'four' and project_id = (select id from projects where name = $1)",
      [project],
    );
    assert.ok(location);
    const now = new Date();
    const row = (name: string): BackupRecord => ({
      id: randomUUID(),
      projectId: location.project_id,
      locationId: location.id,
      clusterId: null,
      clusterName: null,
      workspaceId: null,
      groupId: null,
      policyId: null,
      name,
      trigger: 'sync',
      phase: 'Completed',
      options: {
        includeNamespaces: [],
        excludeNamespaces: [],
        includeResources: [],
        excludeResources: [],
        clusterResources: 'auto',
        includeDisks: false,
        ttlHours: 720,
      },
      itemsDone: 0,
      itemsTotal: 0,
      bytes: 0,
      errorCount: 0,
      warningCount: 0,
      errors: {},
      warnings: {},
      failureReason: null,
      expiresAt: new Date(now.getTime() + 720 * hour),
      createdAt: now,
      startedAt: now,
      completedAt: now,
    });
    const endsFailed = async (id: string, reason: RegExp) => {
      assert.equal((await call('DELETE', `${p}/backups/${id}`)).status, 202);
      const failed = await waitPhase(id, ['Failed']);
      assert.match(String(failed.failureReason), reason);
      assert.match(String(failed.failureReason), /deleting it again removes it from Lifeboat only/);
      assert.ok(failed.deleteFailedAt, 'marked as failed for good');
      // Deleting again forgets the row at once; nothing waits in Deleting.
      assert.equal((await call('DELETE', `${p}/backups/${id}`)).status, 202);
      assert.equal((await call('GET', `${p}/backups/${id}`)).status, 404);
    };

    // A row whose name is no valid key (a legacy or hand-made row).
    const invalid = row('Not_A..Key');
    assert.ok(await insertBackup(ctx.db, invalid));
    await endsFailed(invalid.id, /invalid backup name/);

    // A location that refuses: its credentials no longer work.
    const refused = uniqueName('refused');
    await writeForeignBackup(store, refused, description(refused, 1, 720));
    assert.deepEqual((await call<{ added: string[] }>('POST', `${p}/locations/four/sync`)).body.added, [
      refused,
    ]);
    const synced = await call('GET', `${p}/backups/${refused}`);
    await ctx.db.execute('update locations set secret = $2 where id = $1', [
      location.id,
      ctx.vault.seal(JSON.stringify({ secretAccessKey: 'not-the-secret' }), `location:${location.id}`),
    ]);
    await endsFailed(String(synced.body.id), /could not be deleted from its location/);
    assert.ok((await keysUnder(store, `backups/${refused}/`)).length > 0, 'its files are left as they are');
    // Nothing blocks the location's deletion now.
    assert.equal((await call('DELETE', `${p}/locations/four`)).status, 204);
    await store.delete(await keysUnder(store, `backups/${refused}/`));
  });
});
