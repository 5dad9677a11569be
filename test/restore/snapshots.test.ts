/**
 * Restoring claims from CSI snapshots against a real cluster with a node and csi-driver-host-path, from a
 * backup written by hand in Velero 1.18's layout (the PVC annotated with its VolumeSnapshot, the
 * VolumeSnapshot, content and class items, `-volumeinfo.json.gz`): the claim comes back Bound with the same
 * bytes and no temporary VolumeSnapshot is left; a class of another driver is refused in the plan (naming
 * the data mover) and fails the claim; a snapshot the storage does not have fails within the timeout.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { backupKeys, TarballWriter } from '../../src/archive/index.ts';
import type { KubeClient, KubeObject } from '../../src/kube/index.ts';
import { planRestore, runRestore } from '../../src/restore/index.ts';
import type { ObjectStore } from '../../src/storage/index.ts';
import { deleteSnapshots, type SnapshotRecord, takeSnapshots } from '../../src/volumes/index.ts';
import { kubectl, uniqueName } from '../support/kube.ts';
import {
  applyIn,
  claimObject,
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
let bed: EngineBed<readonly [NodeCluster]>;
let cluster: NodeCluster;
let kube: KubeClient;
let store: ObjectStore;
let record: SnapshotRecord;
/** What the writer printed: `sha256sum` of every file it wrote. */
let checksums: string;
const prefix = uniqueName('rsnap');
const ns = `${prefix}-app`;
const namespaces = [ns];
const storageClasses: string[] = [];
const known = `known ${Math.random().toString(36).slice(2)}`;
const files = 'known.txt random.bin dir/nested';

const getJson = async <T>(args: string[]) =>
  JSON.parse(await kubectl(env, cluster, [...args, '-o', 'json'])) as T;
/** A pod that runs `script` with claim `data` mounted at /data, in the workload's namespace. */
const pod = (name: string, script: string) => {
  const object = podObject(env, name, script, 'data') as { metadata: object };
  return { ...object, metadata: { ...object.metadata, namespace: ns } };
};

/**
 * A backup in Velero 1.18's layout, written the way Velero writes it: the claim annotated with its
 * VolumeSnapshot, the VolumeSnapshot with Velero's annotations and bound content, the content, the class,
 * the PV (Retain here, so only the volume info keeps it from being restored as it was), a pod that mounts
 * the claim, and the volume info. `handle` replaces the snapshot's real handle (a snapshot the storage
 * does not have).
 */
async function writeVeleroBackup(
  name: string,
  live: Record<string, KubeObject>,
  handle = record.snapshotHandle,
): Promise<void> {
  const vsName = `velero-data-${createHash('sha256').update(name).digest('hex').slice(0, 5)}`;
  const pvName = live.pv?.metadata.name as string;
  const labels = { 'velero.io/backup-name': name };
  const pvc = structuredClone(live.pvc as KubeObject);
  pvc.metadata.annotations = { ...pvc.metadata.annotations, 'velero.io/volume-snapshot-name': vsName };
  pvc.metadata.labels = { ...pvc.metadata.labels, ...labels, 'velero.io/volume-snapshot-name': vsName };
  const pv = structuredClone(live.pv as KubeObject);
  (pv.spec as Record<string, unknown>).persistentVolumeReclaimPolicy = 'Retain';
  const vs = structuredClone(record.volumeSnapshot);
  vs.metadata = {
    ...vs.metadata,
    name: vsName,
    labels,
    annotations: {
      'velero.io/csi-volumesnapshot-handle': handle,
      'velero.io/csi-driver-name': record.driver,
      'velero.io/csi-volumesnapshot-restore-size': record.restoreSize ?? '10Mi',
      'velero.io/csi-vsc-deletion-policy': 'Delete',
    },
  };
  const vsc = structuredClone(record.volumeSnapshotContent);
  vsc.metadata.labels = labels;
  (vsc.spec as { volumeSnapshotRef: { name: string } }).volumeSnapshotRef.name = vsName;
  (vsc.status as { snapshotHandle: string }).snapshotHandle = handle;
  const reader = { ...pod('reader', `cd /data && sha256sum ${files}`), status: { phase: 'Running' } };

  const writer = new TarballWriter({ mtime: new Date() });
  const upload = store.put(backupKeys(name).tarball, writer.stream);
  await writer.writeVersion();
  const add = async (resource: string, object: object, namespace?: string) => {
    const meta = (object as KubeObject).metadata;
    const where = namespace ? `namespaces/${namespace}` : 'cluster';
    const body = Buffer.from(JSON.stringify(object));
    await writer.add(`resources/${resource}/${where}/${meta.name}.json`, body);
    await writer.add(`resources/${resource}/v1-preferredversion/${where}/${meta.name}.json`, body);
  };
  await add('namespaces', live.namespace as KubeObject);
  await add('persistentvolumeclaims', pvc, ns);
  await add('persistentvolumes', pv);
  await add('pods', reader, ns);
  await add('volumesnapshots.snapshot.storage.k8s.io', vs, ns);
  await add('volumesnapshotcontents.snapshot.storage.k8s.io', vsc);
  await add('volumesnapshotclasses.snapshot.storage.k8s.io', record.volumeSnapshotClass);
  writer.finish();
  await upload;
  const volumeInfo = [
    {
      pvcName: 'data',
      pvcNamespace: ns,
      pvName,
      backupMethod: 'CSISnapshot',
      snapshotDataMoved: false,
      preserveLocalSnapshot: true,
      skipped: false,
      startTimestamp: record.readyTime,
      completionTimestamp: new Date().toISOString(),
      result: 'succeeded',
      csiSnapshotInfo: {
        snapshotHandle: handle,
        size: 10485760,
        driver: record.driver,
        vscName: vsc.metadata.name,
        operationID: `${ns}/${vsName}/2026-01-01T00:00:00Z`,
        ReadyToUse: true,
      },
      pvInfo: { reclaimPolicy: 'Delete', labels: null },
    },
  ];
  await store.put(backupKeys(name).volumeInfo, gzipSync(`${JSON.stringify(volumeInfo)}\n`));
  const backup = {
    kind: 'Backup',
    apiVersion: 'velero.io/v1',
    metadata: { name, namespace: 'velero', uid: 'u', labels: { 'velero.io/storage-location': 'default' } },
    spec: {
      includedNamespaces: [ns],
      ttl: '720h0m0s',
      storageLocation: 'default',
      csiSnapshotTimeout: '10m0s',
    },
    status: {
      version: 1,
      formatVersion: '1.1.0',
      expiration: '2099-01-31T00:00:00Z',
      phase: 'Completed',
      startTimestamp: '2026-01-01T00:00:00Z',
      completionTimestamp: '2026-01-01T00:00:05Z',
      progress: { totalItems: 7, itemsBackedUp: 7 },
      csiVolumeSnapshotsAttempted: 1,
      csiVolumeSnapshotsCompleted: 1,
    },
  };
  await store.put(backupKeys(name).metadata, Buffer.from(JSON.stringify(backup, null, 2)));
}

const backup = `${prefix}-velero`;
const lostBackup = `${prefix}-lost`;

before(async () => {
  env = await useTestbedWithNodes();
  bed = await openEngineBed(env, [nodeCluster(env)], prefix);
  ({
    clusters: [cluster],
    kubes: [kube],
    store,
  } = bed);

  await kubectl(env, cluster, ['create', 'namespace', ns]);
  await applyIn(env, cluster, ns, [
    claimObject('data'),
    pod(
      'writer',
      `printf '%s' '${known}' > /data/known.txt && dd if=/dev/urandom of=/data/random.bin bs=1024 count=512 2>/dev/null && mkdir /data/dir && printf 'nested' > /data/dir/nested && sync && cd /data && sha256sum ${files}`,
    ),
  ]);
  checksums = await podOutput(env, cluster, ns, 'writer', 180_000);
  const [taken] = await takeSnapshots(kube, [{ namespace: ns, pvc: 'data' }], {
    backupName: backup,
    timeoutMs: 120_000,
  });
  assert.ok(taken?.ok, `the snapshot failed: ${JSON.stringify(taken)}`);
  record = taken;
  const live = {
    namespace: await getJson<KubeObject>(['get', 'namespace', ns]),
    pvc: await getJson<KubeObject>(['get', 'pvc', 'data', '-n', ns]),
    pv: record.persistentVolume,
  };
  await writeVeleroBackup(backup, live);
  await writeVeleroBackup(lostBackup, live, `${record.snapshotHandle.slice(0, -6)}000000`);
  // The workload is lost: its namespace goes, and with it the claim and (reclaim policy Delete) the volume.
  await kubectl(env, cluster, ['delete', 'namespace', ns, '--wait=true', '--timeout=120s']);
});

after(() =>
  bed?.close(namespaces, async () => {
    for (const name of storageClasses)
      await kubectl(env, cluster, ['delete', 'storageclass', name, '--ignore-not-found']);
    if (record) await deleteSnapshots(kube, [record]);
  }),
);

/** VolumeSnapshots in a namespace, and contents a restore made (by its label). */
async function leftovers(namespace: string, restore: string): Promise<string[]> {
  const snapshots = await getJson<{ items: KubeObject[] }>(['get', 'volumesnapshots', '-n', namespace]);
  const contents = await getJson<{ items: KubeObject[] }>([
    'get',
    'volumesnapshotcontents',
    '-l',
    `lifeboat.io/restore-name=${restore}`,
  ]);
  return [...snapshots.items, ...contents.items].map((item) => `${item.kind}/${item.metadata.name}`);
}

describe('restoring claims from CSI snapshots', () => {
  test('a Velero 1.18 CSI backup: the claim is made from the snapshot and Bound, the pod reads the same bytes, no temporary VolumeSnapshot is left, the snapshotted PV is not restored', async (t) => {
    const name = `${prefix}-same`;
    const plan = await planRestore({ name, backupName: backup, store, kube });
    assert.equal(plan.volumes.length, 1);
    const [planned] = plan.volumes;
    assert.equal(planned?.verdict, 'restore', JSON.stringify(planned));
    assert.equal(planned?.snapshotHandle, record.snapshotHandle);
    assert.equal(planned?.driver, cluster.node.csiDriver);
    assert.equal(planned?.storageClass, cluster.node.storageClasses[0]);
    assert.equal(planned?.driverInstalled, true);
    assert.equal(planned?.matchingClass, true);
    assert.equal(planned?.size, '10Mi');

    const started = Date.now();
    const phases: string[] = [];
    const outcome = await runRestore({
      name,
      backupName: backup,
      store,
      kube,
      onVolume: (v) => phases.push(v.phase),
    });
    t.diagnostic(`restore to Bound: ${Date.now() - started} ms`);
    assert.equal(outcome.phase, 'Completed', JSON.stringify(outcome.errors));
    assert.equal(outcome.volumes.length, 1);
    assert.equal(outcome.volumes[0]?.phase, 'Bound', JSON.stringify(outcome.volumes));
    assert.equal(outcome.volumes[0]?.snapshotHandle, record.snapshotHandle);
    assert.deepEqual(phases.slice(-1), ['Bound']);
    const item = (resource: string) => outcome.items.find((i) => i.groupResource === resource);
    assert.equal(item('persistentvolumeclaims')?.action, 'created');
    assert.equal(item('persistentvolumes')?.action, 'skipped');
    assert.match(item('persistentvolumes')?.detail ?? '', /snapshotted \(CSI\)/);
    assert.equal(item('volumesnapshots.snapshot.storage.k8s.io')?.action, 'skipped');
    assert.equal(item('volumesnapshotcontents.snapshot.storage.k8s.io')?.action, 'skipped');
    assert.ok(
      ['unchanged', 'skipped'].includes(item('volumesnapshotclasses.snapshot.storage.k8s.io')?.action ?? ''),
    );

    const pvc = await getJson<KubeObject & { spec: { volumeName: string; dataSource: { name: string } } }>([
      'get',
      'pvc',
      'data',
      '-n',
      ns,
    ]);
    assert.notEqual(
      pvc.spec.volumeName,
      record.persistentVolume.metadata.name,
      'a new volume was provisioned',
    );
    assert.match(pvc.spec.dataSource.name, /^lb-r-/);
    await assert.rejects(
      kubectl(env, cluster, ['get', 'pv', record.persistentVolume.metadata.name]),
      /NotFound/,
    );
    assert.equal(await podOutput(env, cluster, ns, 'reader', 180_000), checksums, 'the same bytes');
    assert.match(checksums, new RegExp(`${createHash('sha256').update(known).digest('hex')}  known.txt`));
    assert.deepEqual(await leftovers(ns, name), [], 'no temporary VolumeSnapshot or content is left');
    assert.ok(await driverHasSnapshot(cluster, record.snapshotHandle), 'the snapshot survives');
  });

  test('a storage class of another driver is refused in the plan, naming the data mover, and the restore fails the claim by name without creating it', async () => {
    const otherClass = uniqueName('elsewhere');
    storageClasses.push(otherClass);
    await applyIn(env, cluster, 'default', [
      {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: { name: otherClass },
        provisioner: 'elsewhere.example.com',
      },
    ]);
    const target = `${prefix}-other`;
    namespaces.push(target);
    const options = {
      backupName: backup,
      store,
      kube,
      namespaceMappings: { [ns]: target },
      storageClassMappings: { [cluster.node.storageClasses[0] as string]: otherClass },
    };
    const plan = await planRestore({ name: `${prefix}-plan`, ...options });
    const [volume] = plan.volumes;
    assert.equal(volume?.verdict, 'fail');
    assert.equal(volume?.namespace, target);
    assert.equal(volume?.mappedFrom, ns);
    assert.equal(volume?.storageClass, otherClass);
    assert.equal(volume?.storageClassMappedFrom, cluster.node.storageClasses[0]);
    assert.equal(volume?.classDriver, 'elsewhere.example.com');
    assert.equal(volume?.matchingClass, false);
    assert.match(volume?.reason ?? '', /a snapshot becomes a volume only through its own driver/);
    assert.match(volume?.reason ?? '', /"copy volume data to the backup location" \(the data mover\)/);
    const row = plan.items.find((i) => i.groupResource === 'persistentvolumeclaims');
    assert.match(row?.serverVerdict ?? '', /^rejected by Lifeboat: .*driver "elsewhere.example.com"/);
    assert.ok(plan.counts.rejected >= 1);

    const outcome = await runRestore({ name: `${prefix}-run-other`, ...options });
    assert.equal(outcome.phase, 'PartiallyFailed');
    const claim = outcome.items.find((i) => i.groupResource === 'persistentvolumeclaims');
    assert.equal(claim?.action, 'failed');
    assert.equal(outcome.volumes[0]?.phase, 'Failed');
    assert.ok(
      outcome.errors.namespaces?.[target]?.some(
        (e) => e.includes(`${target}/data`) && e.includes('data mover'),
      ),
    );
    await assert.rejects(kubectl(env, cluster, ['get', 'pvc', 'data', '-n', target]), /NotFound/);
    assert.deepEqual(await leftovers(target, `${prefix}-run-other`), []);
  });

  test('a snapshot the storage does not have: the claim fails with the reason within the timeout, and nothing is left', async (t) => {
    const target = `${prefix}-lost`;
    namespaces.push(target);
    const name = `${prefix}-run-lost`;
    const started = Date.now();
    const outcome = await runRestore({
      name,
      backupName: lostBackup,
      store,
      kube,
      namespaceMappings: { [ns]: target },
      volumeTimeoutMs: 20_000,
    });
    const took = Date.now() - started;
    t.diagnostic(`failed after ${took} ms`);
    assert.ok(took < 60_000, `took ${took} ms`);
    assert.equal(outcome.phase, 'PartiallyFailed');
    const [volume] = outcome.volumes;
    assert.equal(volume?.phase, 'Failed');
    assert.match(volume?.reason ?? '', new RegExp(`of the claim ${target}/data`));
    t.diagnostic(`reason: ${volume?.reason}`);
    assert.equal(outcome.items.find((i) => i.groupResource === 'persistentvolumeclaims')?.action, 'failed');
    await assert.rejects(kubectl(env, cluster, ['get', 'pvc', 'data', '-n', target]), /NotFound/);
    assert.deepEqual(await leftovers(target, name), []);
  });
});
