/**
 * "Copy volume data to the backup location" through the control plane, against the test bed (two clusters
 * with a node and CSI storage each, MinIO): a location that copies by default and names the address pods
 * reach MinIO at; a backup with disks copies its volume (progress per volume in bytes, the volume listed as
 * copied, its CSI snapshot gone); a backup may opt out, or keep its CSI snapshot beside the copy
 * (keepVolumeSnapshots: both recorded, the content kept until the backup is deleted); the copy restores into the other cluster under its
 * own storage class with the same files; deleting the backup forgets its repository snapshot and frees its
 * data; bad input is refused with a sentence.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { repositorySecret } from '../../src/control/index.ts';
import * as db from '../../src/db/index.ts';
import { type ObjectStore, openObjectStore, parseLocation } from '../../src/storage/index.ts';
import { checkRepository, openRepository } from '../../src/volumes/index.ts';
import { lifeboat } from '../support/cli.ts';
import {
  minioLocationBody,
  registerClusters,
  startTestPlane,
  type TestPlane,
  testMasterKey,
  untilFinished,
} from '../support/control.ts';
import { eventually, kubectl, uniqueName } from '../support/kube.ts';
import {
  applyIn,
  checksumScript,
  claimWithFiles,
  type NodeCluster,
  nodeCluster,
  podObject,
  podOutput,
} from '../support/volumes.ts';
import {
  minioCredentials,
  minioLocationUrl,
  type TestbedEnv,
  useTestbedWithNodes,
} from '../testbed/index.ts';

type Json = Record<string, unknown>;
interface Copy {
  namespace: string;
  pvc: string;
  phase: string;
  bytesDone: number;
  bytesTotal?: number;
  bytesUploaded?: number;
  reason?: string;
}
interface Detail extends Json {
  id: string;
  name: string;
  phase: string;
  errors: Json;
  volumeCopies: Copy[];
  volumes: {
    items: { pvc: string | null; state: string; detail: string | null; snapshotHandle: string | null }[];
  };
}

describe('copy volume data through the control plane', () => {
  let env: TestbedEnv;
  let a: NodeCluster;
  let b: NodeCluster;
  let t: TestPlane;
  let store: ObjectStore;
  let ns = '';
  let checksums = '';
  let copied: Detail | undefined;
  const project = uniqueName('copy-data');
  const prefix = uniqueName('copy-data');
  const target = uniqueName('copied');
  const p = `/projects/${project}`;
  const call = <T = Json>(method: string, path: string, body?: unknown) =>
    t.api.call<T>(method, path, t.adminToken, body);
  const finished = (id: string) => untilFinished<Detail>(t, `${p}/backups/${id}`);

  before(async () => {
    env = await useTestbedWithNodes();
    a = nodeCluster(env, 0);
    b = nodeCluster(env, 1);
    assert.ok(env.images && env.s3.podEndpoint);
    // PostgreSQL: `lifeboat admin repository-secret` reads the store while the server runs.
    t = await startTestPlane('postgres', { env: { LIFEBOAT_MOVER_IMAGE: env.images.lifeboat } });
    store = openObjectStore(parseLocation(minioLocationUrl(env, prefix)), {
      s3Credentials: minioCredentials(env),
    });
    assert.equal((await call('POST', '/projects', { name: project })).status, 201);
    const location = await call('POST', `${p}/locations`, {
      ...minioLocationBody(env, 'minio', prefix),
      copyVolumeData: true,
      moverEndpoint: env.s3.podEndpoint,
    });
    assert.equal(location.status, 201, location.text);
    await registerClusters(t, project, { a, b });
    ({ ns, checksums } = await claimWithFiles(env, a, 'copy', {
      'a.txt': 'copied through the control plane',
      'd/b.txt': 'b',
    }));
  });

  after(async () => {
    await t?.close();
    await store?.close();
    if (env) {
      await kubectl(env, a, ['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
      await kubectl(env, b, ['delete', 'namespace', target, '--wait=false', '--ignore-not-found']);
    }
  });

  test('copyVolumeData without includeDisks is refused with a sentence', async () => {
    const answer = await call('POST', `${p}/clusters/a/backups`, { location: 'minio', copyVolumeData: true });
    assert.equal(answer.status, 400);
    assert.match(answer.text, /set includeDisks too/);
  });

  test("a backup with disks copies its volume by the location's default: progress in bytes, listed as copied, no CSI snapshot left", async () => {
    const started = await call<Detail>('POST', `${p}/clusters/a/backups`, {
      name: uniqueName('copied'),
      location: 'minio',
      namespaces: [ns],
      includeDisks: true,
    });
    assert.equal(started.status, 202, started.text);
    copied = await finished(started.body.id);
    assert.equal(copied.phase, 'Completed', JSON.stringify(copied.errors));
    const [copy] = copied.volumeCopies;
    assert.equal(copy?.phase, 'Completed', JSON.stringify(copied.volumeCopies));
    assert.equal(copy?.pvc, 'data');
    assert.ok((copy?.bytesUploaded ?? 0) > 0, JSON.stringify(copy));
    const volume = copied.volumes.items.find((item) => item.pvc === 'data');
    assert.equal(volume?.state, 'copied', JSON.stringify(copied.volumes));
    assert.match(String(volume?.detail), /repository snapshot [0-9a-f]{12}/);
    assert.equal(volume?.snapshotHandle, null, 'the CSI snapshot was deleted');
    const contents = await kubectl(env, a, [
      'get',
      'volumesnapshotcontents',
      '-l',
      `lifeboat.io/backup-name=${copied.name}`,
      '-o',
      'name',
    ]);
    assert.equal(contents.trim(), '');
  });

  test('a backup may keep its data in the storage only (copyVolumeData false)', async () => {
    const started = await call<Detail>('POST', `${p}/clusters/a/backups`, {
      name: uniqueName('snapshot-only'),
      location: 'minio',
      namespaces: [ns],
      includeDisks: true,
      copyVolumeData: false,
    });
    const done = await finished(started.body.id);
    assert.equal(done.phase, 'Completed', JSON.stringify(done.errors));
    assert.deepEqual(done.volumeCopies, []);
    assert.equal(done.volumes.items.find((item) => item.pvc === 'data')?.state, 'snapshotted');
    assert.equal((await call('DELETE', `${p}/backups/${done.id}`)).status, 202);
  });

  test('keepVolumeSnapshots is refused (400, on that field) unless the data is copied; a policy keeps it', async () => {
    const backups = `${p}/clusters/a/backups`;
    const noDisks = await call('POST', backups, { location: 'minio', keepVolumeSnapshots: true });
    assert.equal(noDisks.status, 400, noDisks.text);
    assert.match(
      noDisks.text,
      /keepVolumeSnapshots keeps the CSI snapshots whose data is copied: set includeDisks/,
    );
    const noCopy = await call('POST', backups, {
      location: 'minio',
      includeDisks: true,
      copyVolumeData: false,
      keepVolumeSnapshots: true,
    });
    assert.equal(noCopy.status, 400, noCopy.text);
    assert.match(noCopy.text, /copyVolumeData is false: set copyVolumeData to true/);
    const issues = (noCopy.body as { error: { issues?: { path: string }[] } }).error.issues;
    assert.deepEqual(
      issues?.map((issue) => issue.path),
      ['keepVolumeSnapshots'],
    );
    const policyPath = `${p}/clusters/b/policy`;
    const policy = { prefix: uniqueName('keep'), location: 'minio', schedule: { kind: 'never' } };
    const refused = await call('PUT', policyPath, {
      ...policy,
      includeDisks: true,
      copyVolumeData: false,
      keepVolumeSnapshots: true,
    });
    assert.equal(refused.status, 400, refused.text);
    // The location copies by default: keeping needs no copyVolumeData of its own.
    const saved = await call<Json>('PUT', policyPath, {
      ...policy,
      includeDisks: true,
      keepVolumeSnapshots: true,
    });
    assert.equal(saved.status, 200, saved.text);
    assert.deepEqual([saved.body.copyVolumeData, saved.body.keepVolumeSnapshots], [null, true]);
    assert.equal((await call('DELETE', policyPath)).status, 204);
  });

  test('a backup with keepVolumeSnapshots keeps its VolumeSnapshotContent beside the copy and records both; deleting the backup deletes it', async () => {
    const started = await call<Detail>('POST', `${p}/clusters/a/backups`, {
      name: uniqueName('kept'),
      location: 'minio',
      namespaces: [ns],
      includeDisks: true,
      keepVolumeSnapshots: true,
    });
    assert.equal(started.status, 202, started.text);
    const done = await finished(started.body.id);
    assert.equal(done.phase, 'Completed', JSON.stringify(done.errors));
    assert.equal(done.volumeCopies[0]?.phase, 'Completed', JSON.stringify(done.volumeCopies));
    const volume = done.volumes.items.find((item) => item.pvc === 'data');
    assert.equal(volume?.state, 'copied', JSON.stringify(done.volumes));
    assert.match(String(volume?.detail), /its CSI snapshot is kept too/);
    assert.ok(volume?.snapshotHandle, 'the volume info still names the CSI snapshot');
    const contents = () =>
      kubectl(env, a, [
        'get',
        'volumesnapshotcontents',
        '-l',
        `lifeboat.io/backup-name=${done.name}`,
        '-o',
        'name',
      ]);
    assert.equal(
      (await contents()).trim().split('\n').filter(Boolean).length,
      1,
      'its VolumeSnapshotContent is kept',
    );
    assert.equal((await call('DELETE', `${p}/backups/${done.id}`)).status, 202);
    await eventually(
      'the kept snapshot to go with its backup',
      async () => ((await contents()).trim() === '' ? true : undefined),
      120_000,
    );
  });

  test("the copy restores into the other cluster under that cluster's storage class, with the same files", async () => {
    assert.ok(copied);
    const created = await call<Json & { id: string }>('POST', `${p}/restores`, {
      backup: copied.id,
      targetCluster: 'b',
      namespaceMappings: { [ns]: target },
    });
    assert.equal(created.status, 202, created.text);
    const done = await eventually(
      'the restore to finish',
      async () => {
        const view = await call<Json & { phase: string }>('GET', `${p}/restores/${created.body.id}`);
        return ['Completed', 'PartiallyFailed', 'Failed'].includes(view.body.phase) ? view.body : undefined;
      },
      240_000,
    );
    assert.equal(done.phase, 'Completed', JSON.stringify(done));
    const storageClass = (
      await kubectl(env, b, ['get', 'pvc', 'data', '-n', target, '-o', 'jsonpath={.spec.storageClassName}'])
    ).trim();
    assert.ok(b.node.storageClasses.includes(storageClass), `${storageClass} is one of cluster b's classes`);
    await applyIn(env, b, target, [podObject(env, 'reader', checksumScript, 'data')]);
    assert.equal(await podOutput(env, b, target, 'reader'), checksums);
  });

  test('deleting the backup forgets its repository snapshot and frees its data; the repository checks clean', async () => {
    assert.ok(copied);
    const location = (
      await db.listLocations(t.plane.ctx.db, (await db.findProject(t.plane.ctx.db, project))?.id ?? '')
    ).find((row) => row.name === 'minio');
    assert.ok(location?.repositorySecret, 'the location has a sealed repository secret');
    const secret = await repositorySecret(t.plane.ctx, location);
    // Whoever has the store and the master key can take the secret out, for restoring without the server.
    const exported = await lifeboat(
      [
        'admin',
        'repository-secret',
        '--project',
        project,
        '--location',
        'minio',
        '--database-url',
        String(t.databaseUrl),
        '-o',
        'json',
      ],
      { LIFEBOAT_MASTER_KEY: testMasterKey },
    );
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(JSON.parse(exported.stdout).secret, secret.toString('base64'));
    const repo = await openRepository(store, secret);
    const tagged = async () =>
      (await repo.snapshots()).filter((entry) => entry.manifest.tags.backup === copied?.name).length;
    assert.equal(await tagged(), 1);
    assert.equal((await call('DELETE', `${p}/backups/${copied.id}`)).status, 202);
    await eventually(
      'the backup to be deleted',
      async () => ((await call('GET', `${p}/backups/${copied?.id}`)).status === 404 ? true : undefined),
      120_000,
    );
    assert.equal(await tagged(), 0);
    let packs = 0;
    for await (const _ of store.list('plugins/lifeboat/repository/data/')) packs++;
    assert.equal(packs, 0, 'no pack is left: no snapshot needs one');
    const check = await checkRepository(repo);
    assert.deepEqual(check.errors, []);
  });
});
