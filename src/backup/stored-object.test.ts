import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  BackupMetadataError,
  backupKeys,
  encodeIndex,
  type IndexEntry,
  itemPath,
  TarballWriter,
} from '../archive/index.ts';
import { FileObjectStore } from '../storage/index.ts';
import { BackupNotFoundError } from './errors.ts';
import { readStoredObject, storedObjectRefProblem } from './stored-object.ts';

const backup = 'b1';

/** A location in a temporary folder, removed after `body`. */
async function withStore(body: (store: FileObjectStore) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'stored-object-'));
  try {
    await body(new FileObjectStore(dir));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function putTarball(store: FileObjectStore, entries: [string, string][]): Promise<void> {
  const writer = new TarballWriter({ mtime: new Date() });
  const stored = store.put(backupKeys(backup).tarball, writer.stream);
  await writer.writeVersion();
  for (const [path, body] of entries) await writer.add(path, Buffer.from(body));
  writer.finish();
  await stored;
}

/** A Deployment whose number past 2^53 only a lossless parse keeps. */
const deployment =
  '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop"},"spec":{"replicas":3,"big":9007199254740993}}';

function indexEntry(body: string, overrides: Partial<IndexEntry> = {}): IndexEntry {
  return {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    resource: 'deployments',
    namespace: 'shop',
    name: 'web',
    sha256: createHash('sha256').update(body).digest('hex'),
    size: Buffer.byteLength(body),
    ...overrides,
  };
}

const web = { group: 'apps', resource: 'deployments', namespace: 'shop', name: 'web' };

test('an object is read from its tarball path, numbers as written, and checked against the index', async () => {
  await withStore(async (store) => {
    await putTarball(store, [
      [itemPath('configmaps', 'shop', 'web'), '{"kind":"ConfigMap"}'],
      [itemPath('deployments.apps', 'shop', 'web'), deployment],
      [itemPath('deployments.apps', 'shop', 'web', 'v1'), deployment],
    ]);
    const noIndex = await readStoredObject(store, backup, web);
    assert.equal(noIndex?.integrity, 'no-index');
    assert.equal(noIndex?.path, 'resources/deployments.apps/namespaces/shop/web.json');
    assert.equal(JSON.stringify(noIndex?.object), deployment, 'the number past 2^53 is kept as written');

    await store.put(
      backupKeys(backup).index,
      encodeIndex({ lifeboatIndexVersion: 1, backup, items: [indexEntry(deployment)] }),
    );
    assert.equal((await readStoredObject(store, backup, web))?.integrity, 'verified');
    await store.put(
      backupKeys(backup).index,
      encodeIndex({
        lifeboatIndexVersion: 1,
        backup,
        items: [indexEntry(deployment, { sha256: 'a'.repeat(64) })],
      }),
    );
    assert.equal((await readStoredObject(store, backup, web))?.integrity, 'differs');
    await store.put(
      backupKeys(backup).index,
      encodeIndex({ lifeboatIndexVersion: 1, backup, items: [indexEntry(deployment, { name: 'other' })] }),
    );
    assert.equal((await readStoredObject(store, backup, web))?.integrity, 'not-indexed');

    assert.equal(await readStoredObject(store, backup, { ...web, name: 'api' }), undefined);
    assert.equal(await readStoredObject(store, backup, { ...web, namespace: 'other' }), undefined);
    await store.put(
      backupKeys(backup).index,
      encodeIndex({ lifeboatIndexVersion: 1, backup: 'other', items: [indexEntry(deployment)] }),
    );
    await assert.rejects(readStoredObject(store, backup, web), /index of backup "other", not of "b1"/);
  });
});

test("a preferred-version copy is read when there is no plain path; another version's copy is not", async () => {
  await withStore(async (store) => {
    const other = deployment.replace('apps/v1', 'apps/v1beta1');
    await putTarball(store, [
      [itemPath('deployments.apps', 'shop', 'web', 'v1beta1').replace('-preferredversion', ''), other],
      [itemPath('deployments.apps', 'shop', 'web', 'v1'), deployment],
    ]);
    const found = await readStoredObject(store, backup, web);
    assert.equal(found?.path, 'resources/deployments.apps/v1-preferredversion/namespaces/shop/web.json');
    assert.equal(found?.object.apiVersion, 'apps/v1');
  });
});

test('a backup without a tarball is not found; an entry that is not the object its path names is refused', async () => {
  await withStore(async (store) => {
    await assert.rejects(readStoredObject(store, backup, web), BackupNotFoundError);
    const refused = async (body: string, pattern: RegExp) => {
      await putTarball(store, [[itemPath('deployments.apps', 'shop', 'web'), body]]);
      await assert.rejects(readStoredObject(store, backup, web), (error: unknown) => {
        assert.ok(error instanceof BackupMetadataError);
        assert.match(error.message, /resources\/deployments\.apps\/namespaces\/shop\/web\.json/);
        assert.match(error.message, pattern);
        return true;
      });
    };
    await refused('{"apiVersion": "apps/v1", "metadata": {"name": "web"', /is not valid JSON/);
    await refused('[1]', /is not a JSON object/);
    await refused(deployment.replace('"name":"web"', '"name":"api"'), /names another object/);
    await refused(deployment.replace('"namespace":"shop"', '"namespace":"kube-system"'), /names another/);
    await refused(deployment.replace('apps/v1', 'batch/v1'), /not of the group "apps"/);
  });
});

test('a reference that cannot name a tarball path is refused before any key is built', () => {
  assert.equal(storedObjectRefProblem(web), undefined);
  assert.equal(storedObjectRefProblem({ ...web, group: '', name: 'system:controller:x' }), undefined);
  assert.match(storedObjectRefProblem({ ...web, name: '../etc' }) ?? '', /not a valid name/);
  assert.match(storedObjectRefProblem({ ...web, namespace: '..' }) ?? '', /not a valid namespace/);
  assert.match(storedObjectRefProblem({ ...web, resource: 'Deployments' }) ?? '', /not a resource/);
  assert.match(storedObjectRefProblem({ ...web, group: 'apps/' }) ?? '', /not an API group/);
});
