/**
 * A location's volume repository checked and measured by the control plane (real PostgreSQL, the test bed's
 * MinIO): the API opens it with the secret in its vault — which no answer ever carries — for project admins
 * only; a check streams JSON lines ending in its result; a location without a repository, an unknown one and
 * a damaged pack each get their answer. Also: a location may keep snapshots by default only if it copies.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { repositoryKeys } from '../../src/archive/index.ts';
import { openStoredLocation, repositorySecret, runRepositoryCheck } from '../../src/control/index.ts';
import * as db from '../../src/db/index.ts';
import type { ObjectStore } from '../../src/storage/index.ts';
import { backupDirectory, openRepository } from '../../src/volumes/index.ts';
import { buildTree } from '../../src/volumes/repository/testing.ts';
import { minioLocationBody, startTestPlane, type TestPlane } from '../support/control.ts';
import { uniqueName } from '../support/kube.ts';
import { type TestbedEnv, useTestbed } from '../testbed/index.ts';

type Json = Record<string, unknown>;
const keys = repositoryKeys();
const MiB = 1024 * 1024;

describe("a location's volume repository through the API", () => {
  let env: TestbedEnv;
  let t: TestPlane;
  let store: ObjectStore | undefined;
  let work = '';
  let secretText = '';
  let operatorToken = '';
  const project = uniqueName('repo-api');
  const prefix = uniqueName('repo-api');
  const p = `/projects/${project}`;
  const call = <T = Json>(method: string, path: string, body?: unknown, token = t.adminToken) =>
    t.api.call<T>(method, path, token, body);
  /** The JSON lines of a streamed answer. */
  const lines = (text: string) =>
    text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Json);

  before(async () => {
    env = await useTestbed();
    t = await startTestPlane('postgres');
    assert.equal((await call('POST', '/projects', { name: project })).status, 201);
    for (const [name, folder] of [
      ['minio', prefix],
      ['empty', `${prefix}-empty`],
    ] as const)
      assert.equal((await call('POST', `${p}/locations`, minioLocationBody(env, name, folder))).status, 201);
    const name = uniqueName('operator');
    const user = await call<{ token: string }>('POST', '/users', { name });
    assert.equal(user.status, 201, user.text);
    operatorToken = user.body.token;
    const member = await call('PUT', `${p}/members/${name}`, { role: 'operator' });
    assert.equal(member.status, 204, member.text);
  });

  after(async () => {
    if (store) {
      const found: string[] = [];
      for await (const info of store.list(keys.dir)) found.push(info.key);
      if (found.length > 0) await store.delete(found);
      await store.close();
    }
    await t?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('a location without a repository yet is a 422 that says what makes one; an unknown location a 404', async () => {
    const stats = await call('GET', `${p}/locations/minio/repository/stats`);
    assert.equal(stats.status, 422, stats.text);
    assert.match(
      stats.text,
      /no volume repository yet: the first backup that copies volume data there makes it/,
    );
    const check = await call('POST', `${p}/locations/minio/repository/check`, {});
    assert.equal(check.status, 422, check.text);
    const unknown = await call<{ error: { message: string } }>(
      'POST',
      `${p}/locations/nowhere/repository/check`,
      { readData: true },
    );
    assert.equal(unknown.status, 404, unknown.text);
    assert.match(unknown.body.error.message, /location "nowhere" not found/);
  });

  test("with a repository made with the control plane's secret, stats and check answer (admins only)", async () => {
    const location = (
      await db.listLocations(t.plane.ctx.db, (await db.findProject(t.plane.ctx.db, project))?.id ?? '')
    ).find((row) => row.name === 'minio');
    assert.ok(location);
    const secret = await repositorySecret(t.plane.ctx, location);
    secretText = secret.toString('base64');
    store = openStoredLocation(t.plane.ctx, location);
    work = await mkdtemp(join(tmpdir(), 'lb-repo-api-'));
    await buildTree(join(work, 'source'), { bigBytes: 3 * MiB, smallFiles: 40 });
    const repo = await openRepository(store, secret, { create: true, kdf: { N: 1024, r: 8, p: 1 } });
    const made = await backupDirectory(repo, join(work, 'source'), {
      tags: { cluster: 'a', namespace: 'shop', pvc: 'data', backup: 'nightly' },
      uploader: { packSize: 1 * MiB },
    });

    const stats = await call<Json>('GET', `${p}/locations/minio/repository/stats`);
    assert.equal(stats.status, 200, stats.text);
    assert.equal(stats.body.location, 'minio');
    assert.equal(stats.body.snapshots, 1);
    assert.equal(stats.body.logicalBytes, made.manifest.stats.logicalBytes);
    assert.ok(Number(stats.body.storedBytes) > 0);

    const check = await call('POST', `${p}/locations/minio/repository/check`, { readData: true });
    assert.equal(check.status, 200, check.text);
    const events = lines(check.text);
    const started = events[0];
    const result = events.at(-1);
    assert.equal(started?.type, 'started');
    assert.equal(started?.readData, true);
    assert.equal(started?.storedBytes, stats.body.storedBytes, 'read-data says what it downloads');
    assert.equal(result?.type, 'result', check.text);
    assert.equal(result?.ok, true, check.text);
    assert.equal(result?.packsRead, result?.packs);
    assert.ok(Number(result?.packs) >= 2, 'the data spans several packs');

    const refused = await call('GET', `${p}/locations/minio/repository/stats`, undefined, operatorToken);
    assert.equal(refused.status, 403, refused.text);
    const refusedCheck = await call('POST', `${p}/locations/minio/repository/check`, {}, operatorToken);
    assert.equal(refusedCheck.status, 403, refusedCheck.text);
    for (const answer of t.api.answers) assert.ok(!answer.includes(secretText), 'no answer holds the secret');
  });

  test('one check per location at a time, on this replica and on another sharing the database (409)', async () => {
    assert.ok(t.databaseUrl);
    const other = await startTestPlane('postgres', { databaseUrl: t.databaseUrl });
    // A check held open after it started, as a slow --read-data one would be.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      let started = () => {};
      const running = new Promise<void>((resolve) => {
        started = resolve;
      });
      const root = { user: { id: 'x', name: 'root', isAdmin: true, createdAt: new Date() }, tokenId: 'x' };
      const first = runRepositoryCheck(
        t.plane.ctx,
        root,
        project,
        'minio',
        { readData: false },
        async (event) => {
          if (event.type !== 'started') return;
          started();
          await held;
        },
      );
      // A check that ends before it starts (it should not) fails the test here rather than hanging it.
      await Promise.race([running, first]);
      const here = await call('POST', `${p}/locations/minio/repository/check`, {});
      assert.equal(here.status, 409, here.text);
      assert.match(
        here.text,
        /a check of the volume repository of location \\"minio\\" is already running: wait/,
      );
      const there = await other.api.call('POST', `${p}/locations/minio/repository/check`, t.adminToken, {});
      assert.equal(there.status, 409, there.text);
      assert.match(
        there.text,
        /is already running on another replica of the control plane: wait for it to end/,
      );
      // Another location is not held up by it.
      const empty = await other.api.call('POST', `${p}/locations/empty/repository/check`, t.adminToken, {});
      assert.equal(empty.status, 422, empty.text);
      release();
      await first;
      const after = await other.api.call('POST', `${p}/locations/minio/repository/check`, t.adminToken, {});
      assert.equal(after.status, 200, after.text);
      assert.equal(lines(after.text).at(-1)?.ok, true, after.text);
    } finally {
      release();
      await other.close();
    }
  });

  test('a damaged pack makes the check end with ok false and names the pack', async () => {
    assert.ok(store);
    const packs: string[] = [];
    for await (const info of store.list(keys.dataDir)) packs.push(info.key);
    const victim = packs.sort()[0];
    assert.ok(victim);
    await store.delete([victim]);
    const check = await call('POST', `${p}/locations/minio/repository/check`, {});
    assert.equal(check.status, 200, check.text);
    const result = lines(check.text).at(-1);
    assert.equal(result?.type, 'result');
    assert.equal(result?.ok, false);
    assert.match(JSON.stringify(result?.errors), new RegExp(victim.split('/').at(-1) ?? victim));
  });

  test('a location keeps snapshots by default only if it copies volume data by default (400 otherwise)', async () => {
    const refused = await call('POST', `${p}/locations`, {
      ...minioLocationBody(env, 'keeps', `${prefix}-keeps`),
      keepVolumeSnapshots: true,
    });
    assert.equal(refused.status, 400, refused.text);
    assert.match(
      refused.text,
      /keepVolumeSnapshots keeps the snapshots whose data is copied: set copyVolumeData too/,
    );
    const changed = await call<{ config: Json }>('PATCH', `${p}/locations/empty`, {
      copyVolumeData: true,
      keepVolumeSnapshots: true,
    });
    assert.equal(changed.status, 200, changed.text);
    assert.equal(changed.body.config.keepVolumeSnapshots, true);
    const off = await call('PATCH', `${p}/locations/empty`, { copyVolumeData: false });
    assert.equal(off.status, 400, 'copying off while keeping on is refused');
  });
});
