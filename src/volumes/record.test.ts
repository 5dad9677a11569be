import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../kube/index.ts';
import {
  annotateClaim,
  quantityBytes,
  retainedSnapshotsOf,
  snapshotItems,
  veleroSnapshot,
  volumeInfoOf,
} from './record.ts';
import type { SnapshotRecord } from './take.ts';

const pv: KubeObject = {
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name: 'pvc-1', labels: { zone: 'a' } },
  spec: { persistentVolumeReclaimPolicy: 'Delete' },
};
const record: SnapshotRecord = {
  ok: true,
  namespace: 'shop',
  pvc: 'data',
  driver: 'd.csi',
  snapshotClass: 'snaps',
  volumeSnapshotName: 'lb-b-data-0123456789',
  volumeSnapshotContentName: 'snapcontent-1',
  snapshotHandle: 'h-1',
  restoreSize: '10Mi',
  readyTime: '2026-12-02T04:00:00Z',
  volumeSnapshot: {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshot',
    metadata: { name: 'lb-b-data-0123456789', namespace: 'shop', deletionTimestamp: '2026-12-02T04:00:01Z' },
    status: { boundVolumeSnapshotContentName: 'snapcontent-1', readyToUse: true, restoreSize: '10Mi' },
  },
  volumeSnapshotContent: {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshotContent',
    metadata: { name: 'snapcontent-1' },
    spec: { deletionPolicy: 'Retain', driver: 'd.csi' },
  },
  volumeSnapshotClass: {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshotClass',
    metadata: { name: 'snaps' },
  },
  persistentVolume: pv,
};

test('quantities in bytes, binary and decimal; anything else is not one', () => {
  assert.equal(quantityBytes('10Mi'), 10 * 1024 * 1024);
  assert.equal(quantityBytes('1G'), 1e9);
  assert.equal(quantityBytes('1048576'), 1048576);
  assert.equal(quantityBytes('1.5Gi'), 1.5 * 2 ** 30);
  assert.equal(quantityBytes('ten'), undefined);
  assert.equal(quantityBytes(undefined), undefined);
});

test('the claim item names its snapshot; the original claim is unchanged', () => {
  const claim: KubeObject = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', namespace: 'shop', labels: { app: 'db' } },
  };
  const annotated = annotateClaim(claim, record, 'nightly');
  assert.equal(
    annotated.metadata.annotations?.[veleroSnapshot.volumeSnapshotName],
    record.volumeSnapshotName,
  );
  assert.deepEqual(annotated.metadata.labels, {
    app: 'db',
    [veleroSnapshot.volumeSnapshotName]: record.volumeSnapshotName,
    'velero.io/backup-name': 'nightly',
  });
  assert.equal(claim.metadata.annotations, undefined);
});

test("the VolumeSnapshot item carries Velero's four annotations and no deletion marks", () => {
  const { volumeSnapshot } = snapshotItems(record);
  assert.deepEqual(volumeSnapshot.metadata.annotations, {
    [veleroSnapshot.handle]: 'h-1',
    [veleroSnapshot.driver]: 'd.csi',
    [veleroSnapshot.deletionPolicy]: 'Retain',
    [veleroSnapshot.restoreSize]: '10Mi',
  });
  assert.equal(volumeSnapshot.metadata.deletionTimestamp, undefined);
});

test('volume info: skipped first, then snapshots; the snapshots to delete come back from it', () => {
  const info = volumeInfoOf(
    [record],
    [{ namespace: 'shop', pvc: 'local', reason: 'the volume x is a hostPath volume' }],
    new Date('2026-12-02T04:00:02Z'),
  );
  assert.equal(info[0]?.skipped, true);
  assert.equal(info[0]?.skippedReason, 'csiSnapshot: the volume x is a hostPath volume;');
  assert.equal(info[1]?.backupMethod, 'CSISnapshot');
  assert.equal(info[1]?.csiSnapshotInfo?.size, 10 * 1024 * 1024);
  assert.deepEqual(info[1]?.pvInfo, { reclaimPolicy: 'Delete', labels: { zone: 'a' } });
  assert.deepEqual(retainedSnapshotsOf(info), [
    { driver: 'd.csi', snapshotHandle: 'h-1', volumeSnapshotContentName: 'snapcontent-1', namespace: 'shop' },
  ]);
});
