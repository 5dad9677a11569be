/**
 * What a Velero user sees of a backup Velero made, through the `lifeboat` command (a child process), local
 * and remote: a hand-built backup in Velero's layout (no Lifeboat content index, no size annotation,
 * snapshotVolumes unset) in the test bed's MinIO is listed with its tarball's size, described with its
 * objects from Velero's resource list (saying so), and its unset snapshotVolumes is shown as Velero's
 * default. A local-mode backup records the storage location named after the URL, or --storage-location.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../../src/api/index.ts';
import { backupKeys, isBackupName } from '../../src/archive/index.ts';
import { getBuffer, type ObjectStore, openObjectStore, parseLocation } from '../../src/storage/index.ts';
import { type CliRun, lifeboat, namespaceWithSettings, serveForCli } from '../support/cli.ts';
import { minioLocationBody } from '../support/control.ts';
import { kubectl, uniqueName } from '../support/kube.ts';
import { writeVeleroBackup } from '../support/velero-backup.ts';
import {
  type ClusterEnv,
  minioCredentials,
  minioLocationUrl,
  type TestbedEnv,
  useTestbed,
} from '../testbed/index.ts';

type Json = Record<string, unknown>;
const unsetText = "not set — Velero's default, snapshots where a snapshotter is configured";

describe('a backup Velero made, through the lifeboat command', () => {
  let env: TestbedEnv;
  let a: ClusterEnv;
  let store: ObjectStore;
  let url: string;
  let credentials: Record<string, string>;
  let tarballBytes = 0;
  const prefix = uniqueName('velero-cli');
  const ns = uniqueName('vshop');
  const veleroName = uniqueName('from-velero');
  const local = (args: string[]): Promise<CliRun> => lifeboat(args, credentials);
  const ok = (run: CliRun, what: string) => assert.equal(run.code, 0, `${what}: ${run.stderr}${run.stdout}`);

  before(async () => {
    env = await useTestbed();
    a = env.clusters[0] as ClusterEnv;
    url = minioLocationUrl(env, prefix);
    credentials = { AWS_ACCESS_KEY_ID: env.s3.accessKeyId, AWS_SECRET_ACCESS_KEY: env.s3.secretAccessKey };
    store = openObjectStore(parseLocation(url), { s3Credentials: minioCredentials(env) });
    ({ tarballBytes } = await writeVeleroBackup(store, veleroName, ns));
    assert.ok(tarballBytes > 0);
  });

  after(async () => {
    if (store) {
      const keys: string[] = [];
      for await (const object of store.list('')) keys.push(object.key);
      await store.delete(keys);
      await store.close();
    }
    if (env && a) await kubectl(env, a, ['delete', 'namespace', ns, '--ignore-not-found', '--wait=false']);
  });

  test('backup list shows its size read from the store, not 0 B', async () => {
    const listed = await local(['backup', 'list', '--location', url, '-o', 'json']);
    ok(listed, 'backup list -o json');
    const entry = (JSON.parse(listed.stdout) as Json[]).find((b) => b.name === veleroName);
    assert.equal(entry?.sizeBytes, tarballBytes, listed.stdout);
    const table = await local(['backup', 'list', '--location', url]);
    ok(table, 'backup list');
    const row = table.stdout.split('\n').find((line) => line.startsWith(veleroName)) ?? '';
    assert.match(row, /Completed/);
    assert.doesNotMatch(row, / 0 B /, row);
  });

  test('describe --details lists its objects from the resource list, says so, and its disks as Velero means', async () => {
    const described = await local(['backup', 'describe', veleroName, '--location', url, '--details']);
    ok(described, 'backup describe --details');
    const out = described.stdout;
    assert.match(out, new RegExp(`Include disks: +${unsetText}`));
    assert.match(out, /Volumes: +none recorded \(Velero snapshots only/);
    assert.doesNotMatch(out, /Size: +0 B/);
    assert.match(out, /Contents from Velero's resource list .*no per-object checksums/);
    assert.doesNotMatch(out, /no Lifeboat content index/);
    assert.match(out, new RegExp(`^apps/v1 +Deployment +${ns} +web +\\d`, 'm'));
    assert.match(out, new RegExp(`^v1 +ConfigMap +${ns} +settings `, 'm'));
    assert.match(out, new RegExp(`^v1 +Secret +${ns} +settings `, 'm'));
    assert.match(out, new RegExp(`^v1 +Namespace +${ns} `, 'm'));

    const json = await local([
      'backup',
      'describe',
      veleroName,
      '--location',
      url,
      '--details',
      '-o',
      'json',
    ]);
    ok(json, 'backup describe --details -o json');
    const view = JSON.parse(json.stdout) as Json & { items: Json[] };
    assert.equal(view.sizeBytes, tarballBytes);
    assert.equal(view.includeDisks, false);
    assert.equal(view.includeDisksSource, 'velero-unset');
    assert.equal(view.contentsSource, 'velero-resource-list');
    assert.deepEqual(
      view.items
        .map((i) => `${i.kind}/${i.resource}/${i.namespace ?? ''}/${i.name}/${i.sha256 ?? '-'}`)
        .sort(),
      [
        `ConfigMap/configmaps/${ns}/settings/-`,
        `Deployment/deployments/${ns}/web/-`,
        `Namespace/namespaces//${ns}/-`,
        `Secret/secrets/${ns}/settings/-`,
      ],
    );
    assert.ok(
      view.items.every((i) => typeof i.size === 'number' && i.size > 0),
      'sizes from the tarball',
    );
  });

  test('a local-mode backup records the storage location named after the URL, or --storage-location', async () => {
    await namespaceWithSettings(env, a, ns, { a: '1' });
    const recorded = async (name: string) =>
      JSON.parse((await getBuffer(store, backupKeys(name).metadata)).toString()) as {
        metadata: { labels: Record<string, string> };
        spec: { storageLocation: string };
      };
    const derived = uniqueName('named-by-url');
    const create = (name: string, extra: string[] = []) =>
      local([
        'backup',
        'create',
        name,
        '--location',
        url,
        '--kubeconfig',
        a.kubeconfig,
        '--include-namespaces',
        ns,
        ...extra,
        '-o',
        'json',
      ]);
    const first = await create(derived);
    ok(first, 'backup create');
    const expected = `${env.s3.bucket}-${prefix}`;
    assert.ok(isBackupName(expected), expected);
    assert.equal((JSON.parse(first.stdout) as Json).storageLocation, expected);
    const description = await recorded(derived);
    assert.equal(description.spec.storageLocation, expected);
    assert.equal(description.metadata.labels['velero.io/storage-location'], expected);

    const explicit = uniqueName('named');
    ok(await create(explicit, ['--storage-location', 'primary']), 'backup create --storage-location');
    assert.equal((await recorded(explicit)).spec.storageLocation, 'primary');
    const described = await local(['backup', 'describe', explicit, '--location', url]);
    assert.match(described.stdout, /Storage location: primary/);

    const bad = await create(uniqueName('bad'), ['--storage-location', 'Not A Name']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--storage-location "Not A Name" is not a valid location name/);
  });

  describe('through the control plane (--server)', () => {
    let server: RunningServer;
    let dir: string;
    const project = uniqueName('velero-cli');
    const remote = (args: string[]): Promise<CliRun> =>
      lifeboat(args, {
        LIFEBOAT_SERVER: server.url,
        LIFEBOAT_TOKEN: server.plane.firstAdminToken ?? '',
        LIFEBOAT_PROJECT: project,
      });
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${server.url}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${server.plane.firstAdminToken ?? ''}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, text: await response.text() };
    };

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'lifeboat-velero-cli-'));
      server = await serveForCli(dir);
      assert.equal((await call('POST', '/projects', { name: project })).status, 201);
      const location = await call(
        'POST',
        `/projects/${project}/locations`,
        minioLocationBody(env, 'minio', prefix),
      );
      assert.equal(location.status, 201, location.text);
      const synced = await call('POST', `/projects/${project}/locations/minio/sync`);
      assert.equal(synced.status, 200, synced.text);
      assert.ok((JSON.parse(synced.text) as { added: string[] }).added.includes(veleroName), synced.text);
    });

    after(async () => {
      await server?.close(5000);
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('describe --details shows the objects from the resource list, its size and Velero’s default disks', async () => {
      const described = await remote(['backup', 'describe', veleroName, '--details']);
      ok(described, 'remote backup describe --details');
      const out = described.stdout;
      assert.match(out, new RegExp(`Include disks: +${unsetText}`));
      assert.doesNotMatch(out, /Size: +0 B/);
      assert.match(out, /Contents from Velero's resource list .*no per-object checksums/);
      assert.match(out, new RegExp(`^${ns} +Deployment\\.apps +web$`, 'm'));
      assert.match(out, new RegExp(`^${ns} +Secret +settings$`, 'm'));
      const json = await remote(['backup', 'describe', veleroName, '--details', '-o', 'json']);
      ok(json, 'remote backup describe -o json');
      const view = JSON.parse(json.stdout) as {
        bytes: number;
        options: Json;
        contents: { source: string; totalItems: number };
      };
      assert.equal(view.bytes, tarballBytes);
      assert.equal(view.options.includeDisksSource, 'velero-unset');
      assert.deepEqual([view.contents.source, view.contents.totalItems], ['velero-resource-list', 4]);
    });
  });
});
