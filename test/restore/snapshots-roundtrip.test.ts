/**
 * The whole round trip through Lifeboat's own engine, against a real cluster with a node and the CSI hostpath
 * driver and a real MinIO: a StatefulSet writes known files into its claim; a backup with disks snapshots
 * it; the namespace is deleted and the snapshot's content remains; the restore makes the claim from the
 * snapshot before the StatefulSet, whose pod reads the same files; deleting the backup deletes the snapshot.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { backupKeys, decodeVolumeInfo } from '../../src/archive/index.ts';
import { deleteBackupWithSnapshots, runBackup } from '../../src/backup/index.ts';
import type { KubeClient, KubeObject } from '../../src/kube/index.ts';
import { runRestore } from '../../src/restore/index.ts';
import type { ObjectStore } from '../../src/storage/index.ts';
import { retainedSnapshotsOf } from '../../src/volumes/index.ts';
import { eventually, kubeClient, kubectl, uniqueName } from '../support/kube.ts';
import {
  applyIn,
  checksumScript,
  driverHasSnapshot,
  type EngineBed,
  type NodeCluster,
  nodeCluster,
  openEngineBed,
  writeFilesScript,
} from '../support/volumes.ts';
import { type TestbedEnv, useTestbedWithNodes } from '../testbed/index.ts';

let env: TestbedEnv;
let bed: EngineBed<readonly [NodeCluster]>;
let cluster: NodeCluster;
let kube: KubeClient;
let store: ObjectStore;
const prefix = uniqueName('rtrip');
const ns = `${prefix}-db`;

before(async () => {
  env = await useTestbedWithNodes();
  bed = await openEngineBed(env, [nodeCluster(env)], prefix);
  ({
    clusters: [cluster],
    kubes: [kube],
    store,
  } = bed);
});

after(() => bed?.close([ns]));

/** A StatefulSet whose pod writes `files` into its claim on first start, and prints every file's checksum. */
function statefulSet(files: Record<string, string>): object {
  const script = `if [ -f /data/known.txt ]; then ${checksumScript}; else ${writeFilesScript(files)}; fi; sleep 3600`;
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db' },
    spec: {
      serviceName: 'db',
      replicas: 1,
      selector: { matchLabels: { app: 'db' } },
      template: {
        metadata: { labels: { app: 'db' } },
        spec: {
          terminationGracePeriodSeconds: 0,
          containers: [
            {
              name: 'main',
              image: env.images?.busybox,
              command: ['sh', '-c', script],
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Mi' } } },
        },
      ],
    },
  };
}

/** The checksums pod db-0 printed, once it printed them. */
const printed = () =>
  eventually(
    'pod db-0 to print its checksums',
    async () => {
      const logs = await kubectl(env, cluster, ['logs', 'db-0', '-n', ns]).catch(() => '');
      return logs.includes('known.txt') ? logs : undefined;
    },
    180_000,
  );

test('a StatefulSet backed up with disks comes back with the same files after its namespace was deleted; deleting the backup deletes the snapshot', async (t) => {
  const files = {
    'known.txt': `known ${Math.random().toString(36).slice(2)}`,
    'nested/dir/file': 'x'.repeat(5000),
    'empty-ish': '-',
  };
  await kubectl(env, cluster, ['create', 'namespace', ns]);
  await applyIn(env, cluster, ns, [statefulSet(files)]);
  const checksums = await printed();

  const backup = `${prefix}-backup`;
  let started = Date.now();
  const backedUp = await runBackup({
    name: backup,
    kube,
    store,
    includeNamespaces: [ns],
    includeDisks: true,
  });
  t.diagnostic(`backup with disks: ${Date.now() - started} ms`);
  assert.equal(backedUp.description.phase, 'Completed', JSON.stringify(backedUp.errors));
  const [snapshot] = retainedSnapshotsOf(
    await decodeVolumeInfo(await store.get(backupKeys(backup).volumeInfo)),
  );
  assert.ok(snapshot, 'the backup holds a snapshot');

  await kubectl(env, cluster, ['delete', 'namespace', ns, '--wait=true', '--timeout=180s']);
  const content = JSON.parse(
    await kubectl(env, cluster, [
      'get',
      'volumesnapshotcontent',
      snapshot.volumeSnapshotContentName,
      '-o',
      'json',
    ]),
  ) as KubeObject & { spec: { deletionPolicy: string } };
  assert.equal(content.spec.deletionPolicy, 'Retain', 'the snapshot content remains');

  started = Date.now();
  const restore = `${prefix}-restore`;
  const restored = await runRestore({ name: restore, backupName: backup, store, kube });
  t.diagnostic(`restore to every claim Bound: ${Date.now() - started} ms`);
  assert.equal(restored.phase, 'Completed', JSON.stringify(restored.errors));
  assert.deepEqual(
    restored.volumes.map((v) => [v.namespace, v.pvc, v.phase, v.snapshotHandle]),
    [[ns, 'data-db-0', 'Bound', snapshot.snapshotHandle]],
  );
  assert.equal(await printed(), checksums, 'the pod reads the same files');
  const left = JSON.parse(
    await kubectl(env, cluster, ['get', 'volumesnapshots', '-n', ns, '-o', 'json']),
  ) as {
    items: unknown[];
  };
  assert.deepEqual(left.items, [], 'no temporary VolumeSnapshot is left');

  const deletion = await deleteBackupWithSnapshots(store, backup, {
    openCluster: () => kubeClient(cluster),
    clusterDescription: `cluster ${cluster.name}`,
  });
  assert.deepEqual(deletion.left, []);
  assert.equal(await driverHasSnapshot(cluster, snapshot.snapshotHandle), false, 'the snapshot is deleted');
});
