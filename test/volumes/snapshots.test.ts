/**
 * CSI snapshots of PVCs against a real cluster with a node and csi-driver-host-path: the class is chosen as
 * Velero chooses it, snapshots are taken and retained beyond their VolumeSnapshot objects, a volume made from
 * the retained handle holds the same bytes, failures name the PVC, and deletion removes the snapshot in the
 * driver's storage (also when its content is gone), idempotently.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { KubeClient } from '../../src/kube/index.ts';
import {
  csiVolumeOf,
  deleteSnapshots,
  SnapshotClassError,
  type SnapshotProgress,
  type SnapshotRecord,
  snapshotClassFor,
  takeSnapshots,
  volumeSnapshotName,
} from '../../src/volumes/index.ts';
import { eventually, kubeClient, kubectl, uniqueName } from '../support/kube.ts';
import {
  applyIn,
  claimObject,
  driverHasSnapshot,
  hostPathClaim,
  type NodeCluster,
  nodeCluster,
  podObject,
  podOutput,
  writeClaim,
} from '../support/volumes.ts';
import { type TestbedEnv, useTestbedWithNodes } from '../testbed/index.ts';

let env: TestbedEnv;
let cluster: NodeCluster;
let kube: KubeClient;
const namespaces: string[] = [];
const classes: string[] = [];

before(async () => {
  env = await useTestbedWithNodes();
  cluster = nodeCluster(env);
  kube = await kubeClient(cluster);
});

after(async () => {
  for (const ns of namespaces) await kubectl(env, cluster, ['delete', 'namespace', ns, '--wait=false']);
  for (const name of classes)
    await kubectl(env, cluster, ['delete', 'volumesnapshotclass', name, '--ignore-not-found']);
  await kube?.close();
});

const getJson = async <T>(args: string[]) =>
  JSON.parse(await kubectl(env, cluster, [...args, '-o', 'json'])) as T;
const apply = (ns: string, objects: object[]) => applyIn(env, cluster, ns, objects);

/** A namespace with a PVC `data` written by a pod with `bytes` in /data/file. */
async function writtenClaim(prefix: string, bytes: string): Promise<string> {
  const ns = uniqueName(prefix);
  namespaces.push(ns);
  await kubectl(env, cluster, ['create', 'namespace', ns]);
  await writeClaim(env, cluster, ns, { file: bytes });
  return ns;
}

describe('CSI snapshots', () => {
  test('snapshotClassFor: the driver default; the labelled one among several; a clear error naming the driver when none or several', async () => {
    const found = await snapshotClassFor(kube, cluster.node.csiDriver);
    assert.equal(found.metadata.name, cluster.node.snapshotClass);

    const missing = `missing-${uniqueName('d')}.csi.example`;
    await assert.rejects(snapshotClassFor(kube, missing), (error: unknown) => {
      assert.ok(error instanceof SnapshotClassError);
      assert.equal(error.driver, missing);
      assert.deepEqual(error.candidates, []);
      assert.match(
        error.message,
        new RegExp(`no VolumeSnapshotClass for the CSI driver "${missing.replaceAll('.', '\\.')}"`),
      );
      assert.match(
        error.message,
        /create a VolumeSnapshotClass with driver .* labelled velero\.io\/csi-volumesnapshot-class=true/,
      );
      return true;
    });

    // A made-up driver with several classes (cluster-scoped; the real driver's choice is left alone).
    const driver = `${uniqueName('multi')}.csi.example`;
    const [plain, other, preferred] = ['plain', 'other', 'preferred'].map((n) => uniqueName(n)) as [
      string,
      string,
      string,
    ];
    const vsclass = (
      name: string,
      labels: Record<string, string> = {},
      annotations: Record<string, string> = {},
    ) => ({
      apiVersion: 'snapshot.storage.k8s.io/v1',
      kind: 'VolumeSnapshotClass',
      metadata: { name, labels, annotations },
      driver,
      deletionPolicy: 'Delete',
    });
    classes.push(plain, other, preferred);
    await apply('default', [vsclass(plain), vsclass(other)]);
    await assert.rejects(snapshotClassFor(kube, driver), (error: unknown) => {
      assert.ok(error instanceof SnapshotClassError);
      assert.deepEqual([...error.candidates].sort(), [other, plain].sort());
      assert.match(error.message, /none is labelled .* or marked default: label the one to use/);
      return true;
    });
    await apply('default', [
      vsclass(other, {}, { 'snapshot.storage.kubernetes.io/is-default-class': 'true' }),
    ]);
    assert.equal((await snapshotClassFor(kube, driver)).metadata.name, other);
    await apply('default', [vsclass(preferred, { 'lifeboat.io/csi-volumesnapshot-class': 'true' })]);
    assert.equal(
      (await snapshotClassFor(kube, driver)).metadata.name,
      preferred,
      'the labelled class wins over the default',
    );
    await apply('default', [vsclass(plain, { 'velero.io/csi-volumesnapshot-class': 'false' })]);
    assert.equal(
      (await snapshotClassFor(kube, driver)).metadata.name,
      preferred,
      'a label of "false" does not count',
    );
    await apply('default', [vsclass(plain, { 'velero.io/csi-volumesnapshot-class': '' })]);
    await assert.rejects(snapshotClassFor(kube, driver), /several VolumeSnapshotClasses .* are labelled/);
  });

  test('a PVC is snapshotted and retained: the VolumeSnapshot is gone, the content stays with Retain, a volume made from the handle holds the same bytes; deleting removes the snapshot in storage, twice without error', async () => {
    const bytes = `data ${Math.random().toString(36).slice(2)} ${Date.now()}`;
    const ns = await writtenClaim('vol-take', bytes);
    const backupName = uniqueName('backup');
    const progress: SnapshotProgress[] = [];
    const outcomes = await takeSnapshots(
      kube,
      [
        { namespace: ns, pvc: 'data' },
        { namespace: ns, pvc: 'no-such-claim' },
      ],
      { backupName, timeoutMs: 120_000, onProgress: (p) => progress.push(p) },
    );
    const [taken, missing] = outcomes;
    assert.ok(taken?.ok, `snapshot failed: ${JSON.stringify(taken)}`);
    assert.ok(missing && !missing.ok);
    assert.match(missing.reason, new RegExp(`the claim ${ns}/no-such-claim does not exist`));
    assert.deepEqual(progress.at(-1), { total: 2, ready: 1, failed: 1 });

    const record: SnapshotRecord = taken;
    assert.equal(record.driver, cluster.node.csiDriver);
    assert.equal(record.snapshotClass, cluster.node.snapshotClass);
    assert.equal(record.volumeSnapshotName, volumeSnapshotName(backupName, ns, 'data'));
    assert.ok(record.volumeSnapshotName.length <= 63);
    assert.equal(record.restoreSize, '10Mi');
    assert.ok(record.readyTime && !Number.isNaN(Date.parse(record.readyTime)));
    assert.equal(record.volumeSnapshot.metadata.labels?.['velero.io/backup-name'], backupName);
    assert.equal(record.volumeSnapshot.metadata.labels?.['lifeboat.io/backup-name'], backupName);
    assert.equal(record.volumeSnapshotClass.metadata.name, cluster.node.snapshotClass);
    assert.equal(record.volumeSnapshotContent.metadata.labels?.['velero.io/backup-name'], backupName);
    assert.equal(record.volumeSnapshotContent.metadata.name, record.volumeSnapshotContentName);
    assert.equal((record.volumeSnapshot.status as { readyToUse?: boolean }).readyToUse, true);
    assert.ok(await driverHasSnapshot(cluster, record.snapshotHandle), 'the driver holds the snapshot');

    const left = await getJson<{ items: unknown[] }>(['get', 'volumesnapshots', '-n', ns]);
    assert.deepEqual(left.items, [], 'no VolumeSnapshot is left in the namespace');
    const content = await getJson<{ spec: { deletionPolicy: string }; status: { snapshotHandle: string } }>([
      'get',
      'volumesnapshotcontent',
      record.volumeSnapshotContentName,
    ]);
    assert.equal(content.spec.deletionPolicy, 'Retain');
    assert.equal(content.status.snapshotHandle, record.snapshotHandle);

    // Restore by hand from the handle: a pre-provisioned content (Retain), a VolumeSnapshot bound to it, a PVC.
    const restoredContent = uniqueName('restored-content');
    await apply(ns, [
      {
        apiVersion: 'snapshot.storage.k8s.io/v1',
        kind: 'VolumeSnapshotContent',
        metadata: { name: restoredContent },
        spec: {
          deletionPolicy: 'Retain',
          driver: record.driver,
          source: { snapshotHandle: record.snapshotHandle },
          volumeSnapshotClassName: record.snapshotClass,
          volumeSnapshotRef: {
            apiVersion: 'snapshot.storage.k8s.io/v1',
            kind: 'VolumeSnapshot',
            namespace: ns,
            name: 'restored',
          },
        },
      },
      {
        apiVersion: 'snapshot.storage.k8s.io/v1',
        kind: 'VolumeSnapshot',
        metadata: { name: 'restored' },
        spec: { source: { volumeSnapshotContentName: restoredContent } },
      },
      claimObject('copy', {
        storageClassName: cluster.node.storageClasses[1],
        dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'restored' },
      }),
      podObject(env, 'reader', 'cat /data/file', 'copy'),
    ]);
    assert.equal(await podOutput(env, cluster, ns, 'reader'), bytes);
    // The hand-made restore objects go; their content is Retain, so the snapshot stays.
    await kubectl(env, cluster, [
      'delete',
      'volumesnapshot',
      'restored',
      '-n',
      ns,
      '--wait=true',
      '--timeout=60s',
    ]);
    await kubectl(env, cluster, [
      'delete',
      'volumesnapshotcontent',
      restoredContent,
      '--wait=true',
      '--timeout=60s',
    ]);
    assert.ok(
      await driverHasSnapshot(cluster, record.snapshotHandle),
      'the snapshot outlived the restore objects',
    );

    const [deleted] = await deleteSnapshots(kube, [record]);
    assert.deepEqual(deleted, { ok: true, snapshotHandle: record.snapshotHandle, via: 'content' });
    assert.equal(
      await driverHasSnapshot(cluster, record.snapshotHandle),
      false,
      'the driver no longer holds the snapshot',
    );
    await assert.rejects(
      kubectl(env, cluster, ['get', 'volumesnapshotcontent', record.volumeSnapshotContentName]),
      /NotFound/,
    );

    const [again] = await deleteSnapshots(kube, [record]);
    assert.deepEqual(again, { ok: true, snapshotHandle: record.snapshotHandle, via: 'recreated-content' });
    const contents = await getJson<{ items: { spec: { source: { snapshotHandle?: string } } }[] }>([
      'get',
      'volumesnapshotcontents',
    ]);
    assert.ok(
      contents.items.every((item) => item.spec.source.snapshotHandle !== record.snapshotHandle),
      'no content of the deleted handle is left behind',
    );
  });

  test('a snapshot whose content was removed from the cluster is deleted through a content made for its handle', async () => {
    const ns = await writtenClaim('vol-orphan', 'orphan');
    const [taken] = await takeSnapshots(kube, [{ namespace: ns, pvc: 'data' }], {
      backupName: uniqueName('orphan'),
    });
    assert.ok(taken?.ok, JSON.stringify(taken));
    // Someone removes the retained content (a cleaned-up cluster): the snapshot stays in storage.
    await kubectl(env, cluster, [
      'delete',
      'volumesnapshotcontent',
      taken.volumeSnapshotContentName,
      '--timeout=60s',
    ]);
    assert.ok(await driverHasSnapshot(cluster, taken.snapshotHandle));

    const [deleted] = await deleteSnapshots(kube, [taken]);
    assert.deepEqual(deleted, { ok: true, snapshotHandle: taken.snapshotHandle, via: 'recreated-content' });
    assert.equal(
      await driverHasSnapshot(cluster, taken.snapshotHandle),
      false,
      'the driver no longer holds the snapshot',
    );
  });

  test('several PVCs are snapshotted together, never more than `concurrency` at once, each reported as it ends', async () => {
    const ns = uniqueName('vol-many');
    namespaces.push(ns);
    await kubectl(env, cluster, ['create', 'namespace', ns]);
    const names = ['a', 'b', 'c', 'd', 'e'];
    await apply(
      ns,
      names.map((name) => claimObject(name)),
    );
    await eventually('the claims to be Bound', async () => {
      const list = await getJson<{ items: { status: { phase: string } }[] }>(['get', 'pvc', '-n', ns]);
      return list.items.length === names.length && list.items.every((item) => item.status.phase === 'Bound')
        ? true
        : undefined;
    });
    // A KubeClient that counts VolumeSnapshots created and not yet deleted (the snapshots in flight).
    let inFlight = 0;
    let peak = 0;
    const counting: KubeClient = {
      server: kube.server,
      close: () => Promise.resolve(),
      request: async (request) => {
        const snapshots = /\/volumesnapshots(\/|$)/.test(request.path);
        const response = await kube.request(request);
        if (snapshots && request.method === 'POST') peak = Math.max(peak, ++inFlight);
        if (snapshots && request.method === 'DELETE') inFlight--;
        return response;
      },
    };
    const progress: SnapshotProgress[] = [];
    const outcomes = await takeSnapshots(
      counting,
      names.map((pvc) => ({ namespace: ns, pvc })),
      { backupName: uniqueName('many'), concurrency: 2, onProgress: (p) => progress.push(p) },
    );
    assert.deepEqual(
      outcomes.map((outcome) => [outcome.pvc, outcome.ok]),
      names.map((name) => [name, true]),
    );
    assert.equal(peak, 2, 'two snapshots were in flight at once, never more');
    assert.deepEqual(
      progress.map((p) => p.ready),
      [1, 2, 3, 4, 5],
    );
    const handles = outcomes.map((outcome) => (outcome.ok ? outcome.snapshotHandle : ''));
    assert.equal(new Set(handles).size, names.length);
    const deletions = await deleteSnapshots(
      kube,
      outcomes.filter((outcome) => outcome.ok),
    );
    assert.ok(
      deletions.every((deletion) => deletion.ok && deletion.via === 'content'),
      JSON.stringify(deletions),
    );
    for (const handle of handles) assert.equal(await driverHasSnapshot(cluster, handle), false);
  });

  test('a snapshot that is not ready in time fails naming the PVC and leaves no VolumeSnapshot; a hostPath volume is not CSI', async () => {
    const ns = await writtenClaim('vol-slow', 'slow');
    const slowBackup = uniqueName('slow');
    const [late] = await takeSnapshots(kube, [{ namespace: ns, pvc: 'data' }], {
      backupName: slowBackup,
      timeoutMs: 1,
    });
    assert.ok(late && !late.ok);
    assert.equal(late.driver, cluster.node.csiDriver);
    assert.match(
      late.reason,
      new RegExp(
        `the snapshot of the claim ${ns}/data \\(driver ${cluster.node.csiDriver}\\) was not ready to use within`,
      ),
    );
    // Nothing of the failed snapshot is left: no VolumeSnapshot, no content, no snapshot in the driver's storage.
    const snapName = volumeSnapshotName(slowBackup, ns, 'data');
    const left = await getJson<{ items: unknown[] }>(['get', 'volumesnapshots', '-n', ns]);
    assert.deepEqual(left.items, []);
    await eventually("the failed snapshot's content to be removed", async () => {
      const contents = await getJson<{ items: { spec: { volumeSnapshotRef: { name: string } } }[] }>([
        'get',
        'volumesnapshotcontents',
      ]);
      return contents.items.some((item) => item.spec.volumeSnapshotRef.name === snapName) ? undefined : true;
    });

    // The driver is shared by every cluster and test: only snapshots of this claim's volume are looked for.
    const pvName = await kubectl(env, cluster, [
      'get',
      'pvc',
      'data',
      '-n',
      ns,
      '-o',
      'jsonpath={.spec.volumeName}',
    ]);
    const volumeHandle = await kubectl(env, cluster, [
      'get',
      'pv',
      pvName,
      '-o',
      'jsonpath={.spec.csi.volumeHandle}',
    ]);
    const snapshotsOfClaim = await eventually('the driver state to read', async () => {
      // The driver rewrites state.json in place: a read in the middle of a write is retried.
      const state = JSON.parse(await readFile(`${cluster.node.csiStateDir}/state.json`, 'utf8')) as {
        Snapshots?: { VolID: string }[] | null;
      };
      return (state.Snapshots ?? []).filter((snapshot) => snapshot.VolID === volumeHandle);
    });
    assert.deepEqual(snapshotsOfClaim, [], 'the driver holds no snapshot of the failed attempt');

    // A static hostPath PV bound to a claim: not snapshotted, with the reason.
    const pv = uniqueName('hostpath-pv');
    try {
      const bound = await hostPathClaim(env, cluster, ns, 'host', pv);
      const info = await csiVolumeOf(kube, bound);
      assert.equal(info.csi, false);
      assert.match(
        (info as { reason: string }).reason,
        new RegExp(`the volume ${pv} of the claim ${ns}/host is a hostPath volume, not a CSI volume`),
      );
      const [refused] = await takeSnapshots(kube, [{ namespace: ns, pvc: 'host' }], {
        backupName: uniqueName('host'),
      });
      assert.ok(refused && !refused.ok);
      assert.match(refused.reason, /is a hostPath volume, not a CSI volume/);
    } finally {
      await kubectl(env, cluster, ['delete', 'pv', pv, '--wait=false']);
    }
  });
});
