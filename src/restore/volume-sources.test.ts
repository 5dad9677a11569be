import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VolumeInfo } from '../archive/index.ts';
import { parseLossless } from '../kube/index.ts';
import type { StorageClassInfo } from '../volumes/index.ts';
import type { KubeJson } from './sanitize.ts';
import { dataMoverHint, targetProblem } from './volume-checks.ts';
import {
  findVolumeSources,
  pointClaimAtSource,
  snapshotRecordSkip,
  volumeSnapshotContentResource,
  volumeSnapshotResource,
} from './volume-sources.ts';

const json = (value: object) => parseLossless(JSON.stringify(value)) as KubeJson;

const claim = (name: string, annotations: Record<string, string>, spec: object = {}) => ({
  groupResource: 'persistentvolumeclaims',
  namespace: 'shop',
  name,
  object: json({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name,
      namespace: 'shop',
      annotations: { ...annotations, 'volume.kubernetes.io/storage-provisioner': 'csi.example' },
      labels: { app: 'db', 'velero.io/volume-snapshot-name': 'vs-1' },
    },
    spec: {
      storageClassName: 'gold',
      volumeName: `pv-${name}`,
      resources: { requests: { storage: '1Mi' } },
      dataSourceRef: { kind: 'Old', name: 'x' },
      ...spec,
    },
  }),
});

const snapshot = (annotations: Record<string, string> = {}) => ({
  groupResource: volumeSnapshotResource,
  namespace: 'shop',
  name: 'vs-1',
  object: json({
    metadata: { name: 'vs-1', namespace: 'shop', annotations },
    spec: { source: { persistentVolumeClaimName: 'data' } },
    status: { boundVolumeSnapshotContentName: 'vsc-1', restoreSize: '10Mi', readyToUse: true },
  }),
});

const content = {
  groupResource: volumeSnapshotContentResource,
  name: 'vsc-1',
  object: json({
    metadata: { name: 'vsc-1' },
    spec: { driver: 'csi.example', sourceVolumeMode: 'Filesystem', deletionPolicy: 'Delete' },
    status: { snapshotHandle: 'snap-123' },
  }),
};

type Items = Parameters<typeof findVolumeSources>[0]['all'];

const sources = (all: Items, volumeInfo?: VolumeInfo[]) =>
  findVolumeSources({
    all,
    claims: all.filter((item) => item.groupResource === 'persistentvolumeclaims'),
    volumeInfo,
    restoreName: 'r1',
    namespaceMapping: new Map([['shop', 'shop-copy']]),
    storageClassMapping: new Map([['gold', 'silver']]),
  });

test('a claim annotated with its VolumeSnapshot is made from the handle and driver of the bound content; its PV is not restored', () => {
  const found = sources([claim('data', { 'velero.io/volume-snapshot-name': 'vs-1' }), snapshot(), content]);
  const volume = found.claims.get('shop/data');
  assert.ok(volume);
  assert.deepEqual(volume.source, {
    driver: 'csi.example',
    snapshotHandle: 'snap-123',
    sourceVolumeMode: 'Filesystem',
  });
  assert.equal(volume.namespace, 'shop-copy');
  assert.equal(volume.storageClass, 'silver');
  assert.equal(volume.storageClassMappedFrom, 'gold');
  assert.equal(volume.size, '10Mi', 'the request is raised to the restore size');
  assert.ok(volume.sourceName.length <= 63 && volume.sourceName.startsWith('lb-r-r1-vs-1-'));
  assert.equal(volume.problem, undefined);
  assert.match(found.snapshottedVolumes.get('pv-data') ?? '', /shop\/data is restored from the snapshot/);
  assert.match(
    snapshotRecordSkip(volumeSnapshotResource, 'shop', 'vs-1', found.claims) ?? '',
    new RegExp(`points at a VolumeSnapshot of its own \\(${volume.sourceName}\\)`),
  );
  assert.match(
    snapshotRecordSkip(volumeSnapshotResource, 'shop', 'other', found.claims) ?? '',
    /a VolumeSnapshot of the source cluster/,
  );
  assert.ok(snapshotRecordSkip(volumeSnapshotContentResource, undefined, 'vsc-1', found.claims));
  assert.equal(snapshotRecordSkip('configmaps', 'shop', 'vs-1', found.claims), undefined);

  const pvc = claim('data', { 'velero.io/volume-snapshot-name': 'vs-1' }).object;
  pointClaimAtSource(pvc, volume);
  assert.deepEqual(pvc.spec, {
    storageClassName: 'gold',
    resources: { requests: { storage: '10Mi' } },
    dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: volume.sourceName },
  });
  assert.equal(pvc.metadata.annotations, undefined, "the backup's snapshot and provisioner annotations go");
  assert.deepEqual(pvc.metadata.labels, { app: 'db' });
});

test("Velero's annotations on the VolumeSnapshot, then the volume info, stand in for a missing content", () => {
  const annotated = sources([
    claim('data', { 'velero.io/volume-snapshot-name': 'vs-1' }),
    snapshot({ 'velero.io/csi-volumesnapshot-handle': 'h-ann', 'velero.io/csi-driver-name': 'd-ann' }),
  ]);
  assert.deepEqual(annotated.claims.get('shop/data')?.source, { driver: 'd-ann', snapshotHandle: 'h-ann' });

  const info: VolumeInfo[] = [
    {
      pvName: 'pv-data',
      backupMethod: 'CSISnapshot',
      snapshotDataMoved: false,
      preserveLocalSnapshot: true,
      skipped: false,
      csiSnapshotInfo: { snapshotHandle: 'h-info', driver: 'd-info', size: 2097152, vscName: 'vsc-1' },
    },
    {
      pvName: 'pv-other',
      backupMethod: 'CSISnapshot',
      snapshotDataMoved: false,
      preserveLocalSnapshot: true,
      skipped: false,
    },
    { pvName: 'pv-skipped', snapshotDataMoved: false, preserveLocalSnapshot: false, skipped: true },
  ];
  const fromInfo = sources([claim('data', { 'velero.io/volume-snapshot-name': 'vs-1' })], info);
  const volume = fromInfo.claims.get('shop/data');
  assert.deepEqual(volume?.source, { driver: 'd-info', snapshotHandle: 'h-info' });
  assert.equal(volume?.size, '2097152');
  assert.ok(fromInfo.snapshottedVolumes.has('pv-other'), 'a PV the volume info says was snapshotted');
  assert.ok(!fromInfo.snapshottedVolumes.has('pv-skipped'));

  const nothing = sources([claim('data', { 'velero.io/volume-snapshot-name': 'vs-1' })]);
  assert.match(
    nothing.claims.get('shop/data')?.problem ?? '',
    /the backup records no snapshot handle for the VolumeSnapshot "vs-1" of the claim shop\/data/,
  );
  assert.equal(sources([claim('plain', {})]).claims.size, 0, 'a claim without the annotation is as before');

  const odd = sources([
    claim('data', { 'velero.io/volume-snapshot-name': 'vs-1' }),
    snapshot({ 'velero.io/csi-volumesnapshot-handle': 'h 1\n', 'velero.io/csi-driver-name': 'd.example' }),
  ]);
  assert.match(odd.claims.get('shop/data')?.problem ?? '', /an invalid handle "h 1\\n"/);
  assert.equal(odd.claims.get('shop/data')?.source, undefined);
});

test('the target class must exist and provision with the driver that took the snapshot; else the reason names the way across', () => {
  const found = sources([claim('data', { 'velero.io/volume-snapshot-name': 'vs-1' }), snapshot(), content]);
  const volume = found.claims.get('shop/data');
  assert.ok(volume);
  const cls = (name: string, provisioner: string, isDefault = false): StorageClassInfo => ({
    name,
    provisioner,
    isDefault,
    volumeBindingMode: 'Immediate',
  });
  assert.equal(targetProblem(volume, [cls('silver', 'csi.example')]).problem, undefined);
  const other = targetProblem(volume, [cls('silver', 'other.example'), cls('fast', 'csi.example')]);
  assert.match(other.problem ?? '', /storage class silver with driver "other.example"/);
  assert.match(other.problem ?? '', /map it to a class of driver csi.example \(in the target: fast\)/);
  assert.ok(other.problem?.endsWith(dataMoverHint));
  assert.match(targetProblem(volume, []).problem ?? '', /"silver", which the target does not have/);
  const unnamed = { ...volume };
  delete unnamed.storageClass;
  assert.equal(targetProblem(unnamed, [cls('x', 'csi.example', true)]).storageClass?.name, 'x');
  assert.match(targetProblem(unnamed, [cls('x', 'csi.example')]).problem ?? '', /no default class/);
});
