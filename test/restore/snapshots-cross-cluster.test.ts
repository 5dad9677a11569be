/**
 * A backup with disks of cluster a restored into cluster b (the test bed's clusters share one CSI driver, as
 * clusters of one cloud account share its disks' snapshots) under a storage-class mapping to b's class of the
 * same driver: the claim comes back from the snapshot with the same files; a mapping onto a class of another
 * driver is refused in the plan; the backup's VolumeSnapshotClass is not copied into b, which has its own.
 * Deleting the backup then deletes the snapshot, through cluster a.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { deleteBackupWithSnapshots, runBackup } from '../../src/backup/index.ts';
import type { KubeClient } from '../../src/kube/index.ts';
import { planRestore, runRestore } from '../../src/restore/index.ts';
import type { ObjectStore } from '../../src/storage/index.ts';
import { kubeClient, kubectl, uniqueName } from '../support/kube.ts';
import {
  applyIn,
  checksumScript,
  claimWithFiles,
  driverHasSnapshot,
  type EngineBed,
  type NodeCluster,
  nodeCluster,
  openEngineBed,
  podObject,
  podOutput,
} from '../support/volumes.ts';
import { type TestbedEnv, useTestbedWithNodes } from '../testbed/index.ts';

let env: TestbedEnv;
let bed: EngineBed<readonly [NodeCluster, NodeCluster]>;
let source: NodeCluster;
let target: NodeCluster;
let sourceKube: KubeClient;
let targetKube: KubeClient;
let store: ObjectStore;
const prefix = uniqueName('xcl');
/** Deleted from both clusters afterwards. */
const namespaces: string[] = [];

before(async () => {
  env = await useTestbedWithNodes();
  bed = await openEngineBed(env, [nodeCluster(env, 0), nodeCluster(env, 1)], prefix);
  ({
    clusters: [source, target],
    kubes: [sourceKube, targetKube],
    store,
  } = bed);
  assert.equal(source.node.csiStateDir, target.node.csiStateDir, 'the clusters share one CSI driver');
});

after(() => bed?.close(namespaces));

test('restored into the other cluster under a storage-class mapping, the claim holds the same files', async (t) => {
  const files = {
    'known.txt': `known ${Math.random().toString(36).slice(2)}`,
    'deep/er/file': 'y'.repeat(4096),
  };
  const { ns, checksums } = await claimWithFiles(env, source, prefix, files);
  namespaces.push(ns);
  const [sourceClass] = source.node.storageClasses as [string];
  const sameDriverClass = target.node.storageClasses[1] as string;

  const backup = `${prefix}-b`;
  const backedUp = await runBackup({
    name: backup,
    kube: sourceKube,
    store,
    includeNamespaces: [ns],
    includeResources: ['persistentvolumeclaims', 'persistentvolumes'],
    includeDisks: true,
  });
  assert.equal(backedUp.description.phase, 'Completed', JSON.stringify(backedUp.errors));
  assert.equal(backedUp.description.volumeSnapshotsCompleted, 1);

  // Onto a class of a driver the snapshot is not of: refused in the plan, naming the data mover.
  const otherDriver = `${prefix}-other`;
  await kubectl(
    env,
    target,
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: otherDriver },
      provisioner: 'elsewhere.csi.example',
    }),
  );
  try {
    const refused = await planRestore({
      name: `${backup}-plan`,
      backupName: backup,
      kube: targetKube,
      store,
      storageClassMappings: { [sourceClass]: otherDriver },
    });
    const [volume] = refused.volumes;
    assert.equal(volume?.verdict, 'fail');
    assert.match(volume?.reason ?? '', /copy volume data to the backup location/);
  } finally {
    await kubectl(env, target, ['delete', 'storageclass', otherDriver, '--ignore-not-found']);
  }

  const started = Date.now();
  const restored = await runRestore({
    name: `${backup}-r`,
    backupName: backup,
    kube: targetKube,
    store,
    storageClassMappings: { [sourceClass]: sameDriverClass },
  });
  t.diagnostic(`restore into cluster b to Bound: ${Date.now() - started} ms`);
  assert.equal(restored.phase, 'Completed', JSON.stringify(restored.errors));
  assert.deepEqual(
    restored.volumes.map((volume) => [volume.pvc, volume.phase, volume.storageClass]),
    [['data', 'Bound', sameDriverClass]],
  );
  await applyIn(env, target, ns, [podObject(env, 'reader', checksumScript, 'data')]);
  assert.equal(await podOutput(env, target, ns, 'reader'), checksums);
  const left = await kubectl(env, target, ['get', 'volumesnapshots', '-n', ns, '-o', 'name']);
  assert.equal(left.trim(), '', 'no temporary VolumeSnapshot is left in the target');
  // The backup's class (a's default for the driver) is not copied into b, which has its own: two defaults
  // would fail every VolumeSnapshot in b that names no class.
  const classItem = restored.items.find(
    (item) => item.groupResource === 'volumesnapshotclasses.snapshot.storage.k8s.io',
  );
  assert.equal(classItem?.action, 'skipped', JSON.stringify(classItem));
  assert.match(classItem?.detail ?? '', /the target has its own VolumeSnapshotClass for the CSI driver/);
  const classes = await kubectl(env, target, ['get', 'volumesnapshotclasses', '-o', 'name']);
  assert.equal(classes.trim(), `volumesnapshotclass.snapshot.storage.k8s.io/${target.node.snapshotClass}`);

  // Deleting the backup deletes the snapshot, through the cluster it was taken in.
  const handle = restored.volumes[0]?.snapshotHandle as string;
  assert.ok(await driverHasSnapshot(source, handle));
  const deletion = await deleteBackupWithSnapshots(store, backup, {
    openCluster: () => kubeClient(source),
    clusterDescription: 'cluster a',
  });
  assert.equal(deletion.snapshots.length, 1);
  assert.deepEqual(deletion.left, []);
  assert.equal(await driverHasSnapshot(source, handle), false, 'the snapshot is gone from the storage');
});
