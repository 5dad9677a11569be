import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { backupKeys, TarballWriter } from '../archive/index.ts';
import { FileObjectStore } from '../storage/index.ts';
import { describeBackup, listBackups } from './catalog.ts';

let dir: string;
let store: FileObjectStore;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-catalog-'));
  store = new FileObjectStore(dir);
});
after(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** A backup folder as Velero leaves one: its description (no Lifeboat annotation), tarball and (maybe) list. */
async function veleroBackup(name: string, options: { list?: boolean; snapshotVolumes?: boolean } = {}) {
  const keys = backupKeys(name);
  const writer = new TarballWriter({ mtime: new Date() });
  const upload = store.put(keys.tarball, writer.stream);
  await writer.writeVersion();
  await writer.add('resources/configmaps/namespaces/shop/settings.json', Buffer.from('{"kind":"ConfigMap"}'));
  await writer.add(
    'resources/deployments.apps/namespaces/shop/web.json',
    Buffer.from('{"kind":"Deployment"}'),
  );
  writer.finish();
  await upload;
  const spec: Record<string, unknown> = { ttl: '720h0m0s', storageLocation: 'default' };
  if (options.snapshotVolumes !== undefined) spec.snapshotVolumes = options.snapshotVolumes;
  const description = {
    kind: 'Backup',
    apiVersion: 'velero.io/v1',
    metadata: { name, namespace: 'velero' },
    spec,
    status: { phase: 'Completed', startTimestamp: '2024-01-01T00:00:00Z', progress: { totalItems: 2 } },
  };
  await store.put(keys.metadata, Buffer.from(JSON.stringify(description, null, 2)));
  if (options.list !== false)
    await store.put(
      keys.resourceList,
      gzipSync('{"apps/v1/Deployment":["shop/web"],"v1/ConfigMap":["shop/settings"]}\n'),
    );
  return (await store.head(keys.tarball))?.size ?? 0;
}

test("a Velero backup's size is its tarball's, in the list and the description", async () => {
  const size = await veleroBackup('sized');
  assert.ok(size > 0);
  const [listed] = await listBackups(store, (name) => name === 'sized');
  assert.ok(listed && 'description' in listed);
  assert.equal(listed.description.sizeBytes, size);
  assert.equal((await describeBackup(store, 'sized')).description.sizeBytes, size);
  assert.equal(listed.description.includeDisksSource, 'velero-unset');
});

test("a Velero backup's contents come from its resource list, completed with the tarball's resources and sizes", async () => {
  await veleroBackup('listed');
  const details = await describeBackup(store, 'listed', { details: true });
  assert.equal(details.index, undefined, 'no Lifeboat index is made up');
  assert.equal(details.contents?.source, 'velero-resource-list');
  assert.deepEqual(details.contents?.items, [
    {
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      namespace: 'shop',
      name: 'web',
      resource: 'deployments',
      size: 21,
    },
    {
      group: '',
      version: 'v1',
      kind: 'ConfigMap',
      namespace: 'shop',
      name: 'settings',
      resource: 'configmaps',
      size: 20,
    },
  ]);
  assert.equal((await describeBackup(store, 'listed')).contents, undefined, 'only with details');
});

test("without a resource list, the tarball's paths alone; without a tarball either, no contents", async () => {
  await veleroBackup('paths-only', { list: false });
  const details = await describeBackup(store, 'paths-only', { details: true });
  assert.equal(details.contents?.source, 'tarball');
  assert.deepEqual(
    details.contents?.items.map((i) => `${i.resource}/${i.namespace}/${i.name}`),
    ['configmaps/shop/settings', 'deployments/shop/web'],
  );
  await store.delete([backupKeys('paths-only').tarball]);
  assert.equal((await describeBackup(store, 'paths-only', { details: true })).contents, undefined);
});

test('a resource list without its tarball is shown with a warning', async () => {
  await veleroBackup('no-tarball');
  await store.delete([backupKeys('no-tarball').tarball]);
  const details = await describeBackup(store, 'no-tarball', { details: true });
  assert.equal(details.contents?.source, 'velero-resource-list');
  assert.equal(details.contents?.items.length, 2);
  assert.match(details.contents?.warning ?? '', /no-tarball\.tar\.gz is missing/);
  assert.equal(details.description.sizeBytes, 0);
});
