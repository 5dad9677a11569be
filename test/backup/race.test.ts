/**
 * Two writers, one backup name. Two `runBackup` calls of one name at the same moment — from the two clusters
 * of the test bed, so their files can be told apart — on MinIO, fake-gcs-server, Azurite and file://: exactly
 * one completes, the other is refused with "a backup named X already exists", and everything in the folder
 * (description, tarball, index, claim) is the winner's. Also: what a leftover claim says, and that a removal
 * on behalf of a writer never touches another writer's backup.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { backupKeys, itemPath, readTarball } from '../../src/archive/index.ts';
import {
  BackupExistsError,
  type BackupOutcome,
  describeBackup,
  removeBackupFiles,
  runBackup,
} from '../../src/backup/index.ts';
import { HttpKubeClient, type KubeClient, loadConnection } from '../../src/kube/index.ts';
import { getBuffer, type ObjectStore, openObjectStore, parseLocation } from '../../src/storage/index.ts';
import { configMap } from '../support/hostile.ts';
import { apply, kubeClient, kubectl, uniqueName } from '../support/kube.ts';
import {
  type ClusterEnv,
  minioCredentials,
  minioLocationUrl,
  type TestbedEnv,
  useTestbed,
} from '../testbed/index.ts';

let env: TestbedEnv;
let clusters: [ClusterEnv, ClusterEnv];
let kubes: [KubeClient, KubeClient];
let fileDir: string;
const prefix = uniqueName('race');
/** One namespace of this name in each cluster, with a ConfigMap that says which cluster it is in. */
const ns = `${prefix}-app`;
const clusterLabel = 'lifeboat-test.example.com/cluster';
const sides = ['a', 'b'] as const;

interface StoreCase {
  name: string;
  open: () => ObjectStore;
}

const cases: StoreCase[] = [
  {
    name: 'MinIO',
    open: () =>
      openObjectStore(parseLocation(minioLocationUrl(env, prefix)), { s3Credentials: minioCredentials(env) }),
  },
  {
    name: 'fake-gcs-server',
    open: () =>
      openObjectStore(
        parseLocation(`gs://${env.gcs.bucket}/${prefix}?endpoint=${encodeURIComponent(env.gcs.endpoint)}`),
      ),
  },
  {
    name: 'Azurite',
    open: () =>
      openObjectStore(
        parseLocation(
          `azblob://${env.azure.account}/${env.azure.container}/${prefix}?endpoint=${encodeURIComponent(env.azure.endpoint)}`,
        ),
        { azureCredentials: { kind: 'sharedKey', accountKey: env.azure.accountKey } },
      ),
  },
  { name: 'file', open: () => openObjectStore(parseLocation(`file://${fileDir}`)) },
];

before(async () => {
  env = await useTestbed();
  clusters = [env.clusters[0] as ClusterEnv, env.clusters[1] as ClusterEnv];
  kubes = [await kubeClient(clusters[0]), await kubeClient(clusters[1])];
  fileDir = await mkdtemp(join(tmpdir(), 'lifeboat-race-'));
  await Promise.all(
    clusters.map((cluster, i) =>
      apply(env, cluster, [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
        configMap(ns, 'identity', { cluster: sides[i] as string }),
        ...Array.from({ length: 20 }, (_, n) =>
          configMap(ns, `filler-${n}`, { n: String(n), cluster: sides[i] as string }),
        ),
      ]),
    ),
  );
});

after(async () => {
  await Promise.all(
    clusters.map((cluster) =>
      kubectl(env, cluster, ['delete', 'namespace', ns, '--wait=false']).catch(() => ''),
    ),
  );
  await Promise.all(kubes.map((kube) => kube?.close()));
});

/** The backup of `ns` from cluster `side`, labelled with it. */
function backupFrom(side: 0 | 1, name: string, store: ObjectStore): Promise<BackupOutcome> {
  return runBackup({
    name,
    kube: kubes[side],
    store,
    includeNamespaces: [ns],
    clusterResources: 'never',
    labels: { [clusterLabel]: sides[side] },
    ttlMs: 3600_000,
  });
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

for (const c of cases) {
  describe(`two backups of one name at the same moment on ${c.name}`, () => {
    const stores: ObjectStore[] = [];
    after(async () => {
      await Promise.all(stores.map((store) => store.close()));
    });

    test("exactly one completes, the other is refused, and every file in the folder is the winner's", async () => {
      // Each writer has its own connection to the location, as two servers or CLIs would.
      stores.push(c.open(), c.open());
      const name = uniqueName('same');
      const settled = await Promise.allSettled([
        backupFrom(0, name, stores[0] as ObjectStore),
        backupFrom(1, name, stores[1] as ObjectStore),
      ]);
      const completed = settled.flatMap((s, i) =>
        s.status === 'fulfilled' && s.value.description.phase === 'Completed' ? [i] : [],
      );
      const refused = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
      assert.equal(
        completed.length,
        1,
        `exactly one completes: ${settled.map((s) => (s.status === 'fulfilled' ? s.value.description.phase : String(s.reason))).join(' | ')}`,
      );
      assert.equal(refused.length, 1, 'the other is refused');
      const error = refused[0];
      assert.ok(error instanceof BackupExistsError, String(error));
      assert.match(error.message, new RegExp(`a backup named "${name}" already exists`));
      const winner = sides[completed[0] as number] as string;

      // Read back through a third connection.
      const reader = c.open();
      stores.push(reader);
      const details = await describeBackup(reader, name, { details: true });
      assert.equal(details.description.phase, 'Completed');
      assert.equal(details.description.labels?.[clusterLabel], winner, "the description is the winner's");

      const entries = new Map<string, Buffer>();
      for await (const entry of readTarball(await reader.get(backupKeys(name).tarball))) {
        if (!('data' in entry)) throw new Error(`${entry.name} is over the tarball reader's entry limit`);
        entries.set(entry.name, entry.data);
      }
      const identity = entries.get(itemPath('configmaps', ns, 'identity'));
      assert.ok(identity, 'the tarball holds the identity ConfigMap');
      assert.equal(JSON.parse(identity.toString()).data.cluster, winner, "the tarball is the winner's");

      const items = details.index?.items ?? [];
      assert.equal(items.length, details.description.itemsBackedUp, "the index is the winner's run");
      assert.ok(items.length >= 22, `index items: ${items.length}`);
      for (const item of items) {
        const groupResource = item.group ? `${item.resource}.${item.group}` : item.resource;
        const data = entries.get(itemPath(groupResource, item.namespace, item.name));
        assert.ok(data, `${groupResource} ${item.name} of the index is in the tarball`);
        assert.equal(
          sha256(data),
          item.sha256,
          `${groupResource} ${item.name}: the index hash matches the tarball`,
        );
      }
      const claim = JSON.parse((await getBuffer(reader, backupKeys(name).claim)).toString());
      assert.equal(claim.labels[clusterLabel], winner, "the claim is the winner's");
      assert.equal(claim.backup, name);
    });
  });
}

describe('claims', () => {
  let store: ObjectStore;
  before(() => {
    store = openObjectStore(parseLocation(`file://${fileDir}/claims`));
  });

  test('a name claimed without a description is refused as being written or left unfinished, and says how to clean up', async () => {
    const name = uniqueName('leftover');
    const claim = {
      lifeboatClaimVersion: 1,
      backup: name,
      writerId: 'a-writer-that-died',
      startTimestamp: '2026-01-02T03:04:05.000Z',
      labels: {},
    };
    await store.put(backupKeys(name).claim, Buffer.from(JSON.stringify(claim)));
    await assert.rejects(backupFrom(0, name, store), (error: unknown) => {
      assert.ok(error instanceof BackupExistsError, String(error));
      assert.match(error.message, new RegExp(`a backup named "${name}" already exists`));
      assert.match(
        error.message,
        /being written \(started 2026-01-02T03:04:05\.000Z\) or was left unfinished/,
      );
      assert.match(error.message, new RegExp(`\`lifeboat backup delete ${name}\` removes the leftovers`));
      return true;
    });
    assert.deepEqual(
      await readdir(join(fileDir, 'claims', 'backups', name)),
      ['lifeboat-claim.json'],
      'nothing else was written',
    );
  });

  test("removing files on behalf of a writer leaves another writer's backup alone", async () => {
    const name = uniqueName('owned');
    const outcome = await backupFrom(1, name, store);
    assert.equal(outcome.description.phase, 'Completed');
    const before = (await readdir(join(fileDir, 'claims', 'backups', name))).sort();
    assert.ok(
      before.includes('velero-backup.json') && before.includes('lifeboat-claim.json'),
      before.join(', '),
    );

    assert.equal(await removeBackupFiles(store, name, { writerId: 'another-writer' }), false);
    assert.equal(await removeBackupFiles(store, name, { labels: { [clusterLabel]: 'a' } }), false);
    assert.deepEqual((await readdir(join(fileDir, 'claims', 'backups', name))).sort(), before, 'all kept');

    assert.equal(await removeBackupFiles(store, name, { labels: { [clusterLabel]: 'b' } }), true);
    assert.deepEqual(
      await readdir(join(fileDir, 'claims', 'backups')).then((names) => names.includes(name)),
      false,
    );
  });

  test('a failed backup removes its own files, claim included, so the name is free again', async () => {
    const name = uniqueName('failed');
    // A cluster that refuses connections: the run fails after it claimed the name and began the tarball.
    const connection = await loadConnection({ file: clusters[0].kubeconfig });
    const unreachable = new HttpKubeClient(
      { ...connection, server: 'https://127.0.0.1:9' },
      { maxAttempts: 1 },
    );
    const outcome = await runBackup({ name, kube: unreachable, store, includeNamespaces: [ns] });
    await unreachable.close();
    assert.equal(outcome.description.phase, 'Failed', JSON.stringify(outcome.errors));
    const left = await readdir(join(fileDir, 'claims', 'backups', name)).catch(() => [] as string[]);
    assert.deepEqual(left, []);
    const again = await backupFrom(0, name, store);
    assert.equal(again.description.phase, 'Completed');
  });
});
