/**
 * The restore half of the data mover on the test bed, without its backup half: a backup with disks of
 * cluster a whose volume info is then rewritten as the backup side records moved data (dataMover lifeboat,
 * the id of a snapshot written into the location's repository by the library, the CSI snapshot not kept).
 * The repository holds other files than the CSI snapshot, so the restored files say where they came from.
 * Restored into cluster b under another class: the claim is made without a data source, a real mover pod
 * (the test bed's Lifeboat image) fills it before the pod that reads it is created, and the snapshot's
 * records are skipped. Without mover settings the claim fails by name; with a wrong secret it fails, named,
 * and is removed.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { KubeClient } from '../../src/kube/index.ts';
import { planRestore, runRestore, type VolumeProgress } from '../../src/restore/index.ts';
import type { ObjectStore } from '../../src/storage/index.ts';
import type { MoverSettings } from '../../src/volumes/index.ts';
import { kubectl, uniqueName } from '../support/kube.ts';
import { backupWithMovedData, checksumsOf, readerLog } from '../support/moved-data.ts';
import {
  type EngineBed,
  type NodeCluster,
  nodeCluster,
  openEngineBed,
  podStoreInput,
} from '../support/volumes.ts';
import { type TestbedEnv, useTestbedWithNodes } from '../testbed/index.ts';

let env: TestbedEnv;
let bed: EngineBed<readonly [NodeCluster, NodeCluster]>;
let source: NodeCluster;
let target: NodeCluster;
let sourceKube: KubeClient;
let targetKube: KubeClient;
let store: ObjectStore;
let work: string;
const prefix = uniqueName('fill');
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
  work = await mkdtemp(join(tmpdir(), 'lb-fill-'));
});

after(async () => {
  await bed?.close(namespaces);
  if (work) await rm(work, { recursive: true, force: true });
});

test('a claim whose data was moved is made empty in the target class and filled from the repository before its pod', async (t) => {
  // The repository's copy: other files than the snapshot's, so the restored files show their source.
  const files = {
    'known.txt': `moved data ${randomBytes(6).toString('hex')}`,
    'deep/er/file': 'z'.repeat(100_000),
    'empty.txt': '',
  };
  const secret = randomBytes(32);
  const backup = `${prefix}-b`;
  const { ns, snapshotId, logicalBytes } = await backupWithMovedData({
    env,
    source,
    kube: sourceKube,
    store,
    prefix,
    backup,
    work,
    files,
    secret,
  });
  namespaces.push(ns);

  const [sourceClass] = source.node.storageClasses as [string];
  const otherClass = target.node.storageClasses[1] as string;
  const mover: MoverSettings = {
    image: env.images?.lifeboat ?? '',
    store: await podStoreInput(env, prefix),
    secret,
    timeoutMs: 120_000,
    pollIntervalMs: 250,
  };
  const options = (name: string, targetNs: string) => {
    namespaces.push(targetNs);
    return {
      name: `${backup}-${name}`,
      backupName: backup,
      kube: targetKube,
      store,
      namespaceMappings: { [ns]: targetNs },
      storageClassMappings: { [sourceClass]: otherClass },
    };
  };

  // The plan: from the repository, with the short id and the size; without the control plane it would fail.
  const planned = await planRestore({ ...options('plan', `${ns}-p`), moverAvailable: true });
  assert.equal(planned.volumes[0]?.verdict, 'restore', JSON.stringify(planned.volumes));
  assert.equal(planned.volumes[0]?.repositorySnapshot, snapshotId);
  assert.match(planned.volumes[0]?.reason ?? '', new RegExp(`snapshot ${snapshotId.slice(0, 8)}`));
  // The snapshot's records are not restored (its class either: only this claim's snapshot used it).
  const records = planned.items.filter((item) => item.groupResource.startsWith('volumesnapshot'));
  assert.deepEqual(
    records.map((item) => item.kind).sort(),
    ['VolumeSnapshot', 'VolumeSnapshotClass', 'VolumeSnapshotContent'],
    JSON.stringify(records),
  );
  for (const item of records) assert.equal(item.action, 'skip', JSON.stringify(item));
  for (const item of records.filter((record) => record.kind !== 'VolumeSnapshotClass'))
    assert.match(item.reason ?? '', /restored from the location's volume repository/, JSON.stringify(item));

  // Without mover settings: the claim fails by name and is not created.
  const plain = await runRestore(options('plain', `${ns}-x`));
  assert.equal(plain.phase, 'PartiallyFailed');
  const claimItem = plain.items.find((item) => item.groupResource === 'persistentvolumeclaims');
  assert.equal(claimItem?.action, 'failed');
  assert.match(claimItem?.detail ?? '', /the data of claim .*\/data is in the location's volume repository/);

  // With them: made without a data source, filled, then the reader pod sees the repository's files.
  const seen: VolumeProgress[] = [];
  const started = Date.now();
  const restored = await runRestore({
    ...options('r', `${ns}-r`),
    mover,
    onVolume: (volume) => seen.push(volume),
  });
  t.diagnostic(`restore with a mover pod filling ${logicalBytes} bytes: ${Date.now() - started} ms`);
  assert.equal(restored.phase, 'Completed', JSON.stringify(restored.errors));
  const [volume] = restored.volumes;
  assert.equal(volume?.phase, 'Bound', JSON.stringify(restored.volumes));
  assert.equal(volume?.storageClass, otherClass);
  assert.equal(volume?.repositorySnapshot, snapshotId);
  assert.equal(volume?.bytesDone, logicalBytes);
  assert.ok(
    seen.some((change) => change.filling),
    'the progress showed the claim being filled',
  );
  const claim = JSON.parse(
    await kubectl(env, target, ['get', 'pvc', 'data', '-n', `${ns}-r`, '-o', 'json']),
  ) as {
    spec: { dataSource?: unknown; dataSourceRef?: unknown; storageClassName?: string };
    metadata: { annotations?: Record<string, string> };
  };
  assert.equal(claim.spec.dataSource, undefined);
  assert.equal(claim.spec.dataSourceRef, undefined);
  assert.equal(claim.spec.storageClassName, otherClass);
  assert.equal(claim.metadata.annotations?.['velero.io/volume-snapshot-name'], undefined);
  assert.equal(await readerLog(env, target, `${ns}-r`), checksumsOf(files));
  const left = await kubectl(env, target, [
    'get',
    'pods,secrets,volumesnapshots',
    '-n',
    `${ns}-r`,
    '-l',
    'lifeboat.io/mover',
    '-o',
    'name',
  ]);
  assert.equal(left.trim(), '', 'no mover pod or Secret is left');

  // A wrong secret: the mover fails, the claim is Failed with the reason and removed.
  const wrong = await runRestore({
    ...options('w', `${ns}-w`),
    mover: { ...mover, secret: randomBytes(32) },
  });
  assert.equal(wrong.phase, 'PartiallyFailed');
  assert.equal(wrong.volumes[0]?.phase, 'Failed');
  assert.match(wrong.volumes[0]?.reason ?? '', /was not filled with its data: .*the claim was removed/);
  const gone = await kubectl(env, target, ['get', 'pvc', '-n', `${ns}-w`, '-o', 'name']);
  assert.equal(gone.trim(), '');
});
