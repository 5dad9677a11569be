/**
 * "Include all disks" in the backup engine, against a real cluster with a node and the CSI hostpath driver
 * and a real MinIO: claims that are CSI volumes are snapshotted and recorded as Velero 1.18 records them;
 * other volumes are listed as not snapshotted with the reason; a snapshot that cannot be taken fails its
 * claim alone; a backup that fails deletes the snapshots it took.
 */
import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import {
  backupKeys,
  decodeIndex,
  decodeVolumeInfo,
  itemPath,
  readTarball,
  type VolumeInfo,
} from '../../src/archive/index.ts';
import { runBackup } from '../../src/backup/index.ts';
import type { KubeClient, KubeObject } from '../../src/kube/index.ts';
import { getBuffer, type ObjectStore, type PutOptions } from '../../src/storage/index.ts';
import { veleroSnapshot } from '../../src/volumes/index.ts';
import { kubectl, uniqueName } from '../support/kube.ts';
import {
  claimWithFiles,
  driverHasSnapshot,
  type EngineBed,
  hostPathClaim,
  type NodeCluster,
  nodeCluster,
  openEngineBed,
  staticCsiClaim,
} from '../support/volumes.ts';
import { type TestbedEnv, useTestbedWithNodes } from '../testbed/index.ts';

let env: TestbedEnv;
let bed: EngineBed<readonly [NodeCluster]>;
let cluster: NodeCluster;
let kube: KubeClient;
let minio: ObjectStore;
const namespaces: string[] = [];
const clusterObjects: string[][] = [];

before(async () => {
  env = await useTestbedWithNodes();
  bed = await openEngineBed(env, [nodeCluster(env)], uniqueName('disks'));
  ({
    clusters: [cluster],
    kubes: [kube],
    store: minio,
  } = bed);
});

after(() =>
  bed?.close(namespaces, async () => {
    for (const args of clusterObjects) await kubectl(env, cluster, ['delete', ...args, '--ignore-not-found']);
  }),
);

async function tarballItems(store: ObjectStore, name: string): Promise<Map<string, KubeObject>> {
  const items = new Map<string, KubeObject>();
  for await (const entry of readTarball(await store.get(backupKeys(name).tarball))) {
    if (!('data' in entry)) throw new Error(`${entry.name} is over the entry limit`);
    if (entry.name.endsWith('.json')) items.set(entry.name, JSON.parse(entry.data.toString('utf8')));
  }
  return items;
}

async function volumeInfo(store: ObjectStore, name: string): Promise<VolumeInfo[]> {
  return decodeVolumeInfo(await store.get(backupKeys(name).volumeInfo));
}

describe('include all disks', () => {
  test('a CSI claim is snapshotted and recorded as Velero 1.18 records it; a hostPath claim is listed as not snapshotted, with the reason', async () => {
    const { ns } = await claimWithFiles(env, cluster, 'disks', { 'a.txt': 'alpha', 'sub/b.txt': 'beta' });
    namespaces.push(ns);
    clusterObjects.push(['pv', `${ns}-local`]);
    await hostPathClaim(env, cluster, ns, 'local', `${ns}-local`);
    const name = uniqueName('withdisks');
    const seen: number[] = [];
    const outcome = await runBackup({
      name,
      kube,
      store: minio,
      includeNamespaces: [ns],
      includeDisks: true,
      onProgress: (progress) => {
        if (progress.volumes) seen.push(progress.volumes.total);
      },
    });
    const { description } = outcome;
    assert.equal(description.phase, 'Completed', JSON.stringify(outcome.errors));
    assert.equal(description.volumeSnapshotsAttempted, 1);
    assert.equal(description.volumeSnapshotsCompleted, 1);
    assert.ok(seen.includes(1), 'progress said how many volumes were being snapshotted');
    const warnings = JSON.stringify(outcome.warnings);
    assert.match(warnings, new RegExp(`${ns}/local`));
    assert.match(warnings, /hostPath volume, not a CSI volume/);

    // The volume info: the CSI volume with its handle, the hostPath one skipped with Velero's wording.
    const info = await volumeInfo(minio, name);
    const csi = info.find((entry) => entry.backupMethod === 'CSISnapshot');
    const skipped = info.find((entry) => entry.skipped);
    assert.ok(csi?.csiSnapshotInfo && skipped, JSON.stringify(info));
    assert.equal(csi.pvcNamespace, ns);
    assert.equal(csi.pvcName, 'data');
    assert.equal(csi.csiSnapshotInfo.driver, cluster.node.csiDriver);
    assert.equal(csi.csiSnapshotInfo.size, 10 * 1024 * 1024);
    assert.equal(skipped.pvcName, 'local');
    assert.equal(skipped.pvName, `${ns}-local`);
    assert.match(skipped.skippedReason ?? '', /^csiSnapshot: .*not a CSI volume.*;$/);
    const handle = csi.csiSnapshotInfo.snapshotHandle;
    assert.ok(await driverHasSnapshot(cluster, handle), 'the snapshot is in the driver storage');

    // The tarball: the claim names its snapshot; the snapshot, its content and its class are items.
    const items = await tarballItems(minio, name);
    const claim = items.get(itemPath('persistentvolumeclaims', ns, 'data'));
    const snapshotName = claim?.metadata.annotations?.[veleroSnapshot.volumeSnapshotName];
    assert.ok(snapshotName, 'the claim item carries velero.io/volume-snapshot-name');
    assert.equal(claim?.metadata.labels?.['velero.io/backup-name'], name);
    const snapshot = items.get(itemPath('volumesnapshots.snapshot.storage.k8s.io', ns, snapshotName)) as
      | (KubeObject & { status?: { boundVolumeSnapshotContentName?: string; readyToUse?: boolean } })
      | undefined;
    assert.ok(snapshot, 'the VolumeSnapshot is an item');
    assert.equal(snapshot.status?.readyToUse, true);
    const contentName = snapshot.status?.boundVolumeSnapshotContentName;
    assert.equal(contentName, csi.csiSnapshotInfo.vscName);
    assert.equal(snapshot.metadata.annotations?.[veleroSnapshot.handle], handle);
    assert.equal(snapshot.metadata.annotations?.[veleroSnapshot.driver], cluster.node.csiDriver);
    assert.equal(snapshot.metadata.annotations?.[veleroSnapshot.restoreSize], '10Mi');
    assert.equal(snapshot.metadata.annotations?.[veleroSnapshot.deletionPolicy], 'Retain');
    const content = items.get(
      itemPath('volumesnapshotcontents.snapshot.storage.k8s.io', undefined, contentName as string),
    ) as (KubeObject & { status?: { snapshotHandle?: string } }) | undefined;
    assert.equal(content?.status?.snapshotHandle, handle);
    assert.equal(content?.metadata.labels?.['velero.io/backup-name'], name);
    assert.ok(
      items.has(
        itemPath('volumesnapshotclasses.snapshot.storage.k8s.io', undefined, cluster.node.snapshotClass),
      ),
      'the VolumeSnapshotClass is an item',
    );
    // Velero's older lists are there too, and the content index covers the snapshot items.
    const oldList = JSON.parse(
      gunzipSync(await getBuffer(minio, backupKeys(name).csiVolumeSnapshots)).toString('utf8'),
    ) as KubeObject[];
    assert.deepEqual(
      oldList.map((object) => object.metadata.name),
      [snapshotName],
    );
    const index = await decodeIndex(await minio.get(backupKeys(name).index), { backup: name });
    assert.ok(index.items.some((entry) => entry.kind === 'VolumeSnapshot' && entry.name === snapshotName));

    // In the cluster: no VolumeSnapshot left in the workload's namespace; the content stays, retained.
    const left = await kubectl(env, cluster, ['get', 'volumesnapshots', '-n', ns, '-o', 'name']);
    assert.equal(left.trim(), '');
    const policy = await kubectl(env, cluster, [
      'get',
      'volumesnapshotcontent',
      contentName as string,
      '-o',
      'jsonpath={.spec.deletionPolicy}',
    ]);
    assert.equal(policy, 'Retain');
    clusterObjects.push(['volumesnapshotcontent', contentName as string]);
  });

  test('without include-disks nothing is snapshotted and the claim is stored as it is', async () => {
    const { ns } = await claimWithFiles(env, cluster, 'nodisks', { 'a.txt': 'alpha' });
    namespaces.push(ns);
    const name = uniqueName('nodisks');
    const outcome = await runBackup({ name, kube, store: minio, includeNamespaces: [ns] });
    assert.equal(outcome.description.phase, 'Completed');
    assert.equal(outcome.description.volumeSnapshotsAttempted, undefined);
    assert.equal(await minio.head(backupKeys(name).volumeInfo), undefined);
    const claim = (await tarballItems(minio, name)).get(itemPath('persistentvolumeclaims', ns, 'data'));
    assert.equal(claim?.metadata.annotations?.[veleroSnapshot.volumeSnapshotName], undefined);
  });

  test('a claim whose driver has no VolumeSnapshotClass fails alone, named (PartiallyFailed); a namespace without claims says so', async () => {
    const { ns } = await claimWithFiles(env, cluster, 'noclass', { 'a.txt': 'alpha' });
    namespaces.push(ns);
    // A CSI volume of a driver this cluster has no snapshot class for.
    const driver = 'no-snapshots.csi.example';
    const pv = `${ns}-foreign`;
    clusterObjects.push(['pv', pv]);
    await staticCsiClaim(env, cluster, ns, 'foreign', pv, driver);
    const name = uniqueName('noclass');
    const outcome = await runBackup({
      name,
      kube,
      store: minio,
      includeNamespaces: [ns],
      includeDisks: true,
    });
    assert.equal(outcome.description.phase, 'PartiallyFailed');
    const errors = outcome.errors.namespaces?.[ns] ?? [];
    assert.equal(errors.length, 1, JSON.stringify(outcome.errors));
    assert.match(errors[0] as string, new RegExp(`${ns}/foreign`));
    assert.match(errors[0] as string, new RegExp(driver.replaceAll('.', '\\.')));
    // The other claim was snapshotted all the same.
    const info = await volumeInfo(minio, name);
    assert.deepEqual(
      info.filter((entry) => entry.backupMethod === 'CSISnapshot').map((entry) => entry.pvcName),
      ['data'],
    );
    for (const entry of info) {
      if (entry.csiSnapshotInfo) {
        clusterObjects.push(['volumesnapshotcontent', entry.csiSnapshotInfo.vscName]);
      }
    }

    const empty = uniqueName('empty');
    namespaces.push(empty);
    await kubectl(env, cluster, ['create', 'namespace', empty]);
    const none = await runBackup({
      name: uniqueName('noclaims'),
      kube,
      store: minio,
      includeNamespaces: [empty],
      includeDisks: true,
    });
    assert.equal(none.description.phase, 'Completed');
    assert.match(JSON.stringify(none.warnings), /holds no PersistentVolumeClaims/);
  });

  test('a backup that fails after its snapshots were taken deletes them', async () => {
    const { ns } = await claimWithFiles(env, cluster, 'failing', { 'a.txt': 'alpha' });
    namespaces.push(ns);
    const name = uniqueName('failing');
    // The location refuses the tarball (a store that implements the port over MinIO and fails that write).
    const failing: ObjectStore = {
      description: minio.description,
      put: async (key: string, body: Buffer | Readable, options?: PutOptions) => {
        if (key === backupKeys(name).tarball) {
          // Consumed and its end awaited as a real store's upload does (the engine aborts it with the error).
          if (!Buffer.isBuffer(body)) body.on('error', () => {}).resume();
          throw new Error('the location refused the write (test)');
        }
        return minio.put(key, body, options);
      },
      get: (key) => minio.get(key),
      head: (key) => minio.head(key),
      list: (prefix) => minio.list(prefix),
      listPrefixes: (prefix) => minio.listPrefixes(prefix),
      delete: (keys) => minio.delete(keys),
      close: async () => {},
    };
    const labelled = () =>
      kubectl(env, cluster, [
        'get',
        'volumesnapshotcontents',
        '-l',
        `lifeboat.io/backup-name=${name}`,
        '-o',
        'jsonpath={.items[*].status.snapshotHandle}',
      ]);
    const logLines: string[] = [];
    const outcome = await runBackup({
      name,
      kube,
      store: failing,
      includeNamespaces: [ns],
      includeDisks: true,
      onLog: (line) => logLines.push(line),
    });
    assert.equal(outcome.description.phase, 'Failed');
    assert.match(outcome.description.failureReason ?? '', /refused the write/);
    assert.equal((await labelled()).trim(), '', 'no content of the failed backup is left');
    const log = await kubectl(env, cluster, ['get', 'volumesnapshots', '-n', ns, '-o', 'name']);
    assert.equal(log.trim(), '');
    // Nothing of it in the location either.
    const left: string[] = [];
    for await (const object of minio.list(backupKeys(name).dir)) left.push(object.key);
    assert.deepEqual(left, []);
    // The snapshot was taken, then deleted from the driver's storage.
    const handle = /volume snapshotted.*snapshotHandle=(\S+)/.exec(logLines.join('\n'))?.[1];
    assert.ok(handle, 'the log names the snapshot taken');
    assert.equal(await driverHasSnapshot(cluster, handle), false, 'the snapshot is gone from the storage');
  });
});
