import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonAnswer, notFound } from '../../test/support/fake-kube.ts';
import type { VolumeInfo } from '../archive/index.ts';
import { type KubeClient, type KubeRequest, type KubeResponse, parseLossless } from '../kube/index.ts';
import type { MoverSettings } from '../volumes/index.ts';
import {
  clearClaimSource,
  movedClassFallback,
  movedClassProblem,
  movedDataOf,
  noMoverReason,
  shortSnapshotId,
} from './moved-volumes.ts';
import type { KubeJson } from './sanitize.ts';
import { planVolumes } from './volume-checks.ts';
import { VolumeRestorer } from './volume-run.ts';
import {
  findVolumeSources,
  snapshotRecordSkip,
  volumeSnapshotClassResource,
  volumeSnapshotContentResource,
  volumeSnapshotResource,
} from './volume-sources.ts';

const json = (value: object) => parseLossless(JSON.stringify(value)) as KubeJson;
const snapshotId = 'a1b2c3d4'.repeat(8);

/** A claim of the backup, annotated with its VolumeSnapshot as Velero's CSI plugin leaves it. */
const claim = (name: string, annotated = true) => ({
  groupResource: 'persistentvolumeclaims',
  namespace: 'shop',
  name,
  object: json({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name,
      namespace: 'shop',
      annotations: {
        ...(annotated ? { 'velero.io/volume-snapshot-name': `vs-${name}` } : {}),
        'volume.kubernetes.io/storage-provisioner': 'csi.example',
      },
      labels: { app: 'db', 'velero.io/volume-snapshot-name': `vs-${name}` },
    },
    spec: {
      storageClassName: 'gold',
      volumeName: `pv-${name}`,
      resources: { requests: { storage: '1Gi' } },
      dataSource: { kind: 'PersistentVolumeClaim', name: 'old' },
      dataSourceRef: { kind: 'PersistentVolumeClaim', name: 'old' },
    },
  }),
});

const snapshot = (pvc: string) => ({
  groupResource: volumeSnapshotResource,
  namespace: 'shop',
  name: `vs-${pvc}`,
  object: json({
    metadata: { name: `vs-${pvc}`, namespace: 'shop' },
    spec: { source: { persistentVolumeClaimName: pvc }, volumeSnapshotClassName: `class-${pvc}` },
    status: { boundVolumeSnapshotContentName: `vsc-${pvc}`, restoreSize: '2Gi', readyToUse: true },
  }),
});

const content = (pvc: string) => ({
  groupResource: volumeSnapshotContentResource,
  name: `vsc-${pvc}`,
  object: json({
    metadata: { name: `vsc-${pvc}` },
    spec: { driver: 'csi.example', deletionPolicy: 'Retain', volumeSnapshotClassName: `class-${pvc}` },
    status: { snapshotHandle: `snap-${pvc}` },
  }),
});

/** A volume-info entry as the backup side writes it for a moved volume (the CSI snapshot kept or not). */
const movedInfo = (pvc: string, kept: boolean, extra: Partial<VolumeInfo> = {}): VolumeInfo => ({
  pvcName: pvc,
  pvcNamespace: 'shop',
  pvName: `pv-${pvc}`,
  backupMethod: 'CSISnapshot',
  snapshotDataMoved: true,
  preserveLocalSnapshot: kept,
  skipped: false,
  ...(kept
    ? {
        csiSnapshotInfo: { snapshotHandle: `snap-${pvc}`, size: 2 << 30, driver: 'csi.example', vscName: '' },
      }
    : {}),
  snapshotDataMovementInfo: {
    dataMover: 'lifeboat',
    uploaderType: 'lifeboat',
    retainedSnapshot: kept ? `vs-${pvc}` : '',
    snapshotHandle: snapshotId,
    size: 123_456_789,
    phase: 'Completed',
  },
  ...extra,
});

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

test('only data moved by Lifeboat and completed counts as moved', () => {
  const info = movedInfo('data', false);
  assert.deepEqual(movedDataOf(info), { snapshotId, bytes: 123_456_789 });
  const movement = info.snapshotDataMovementInfo;
  assert.ok(movement);
  assert.equal(
    movedDataOf({ ...info, snapshotDataMovementInfo: { ...movement, dataMover: 'velero' } }),
    undefined,
  );
  assert.equal(
    movedDataOf({ ...info, snapshotDataMovementInfo: { ...movement, snapshotHandle: '' } }),
    undefined,
  );
  assert.equal(
    movedDataOf({ ...info, snapshotDataMovementInfo: { ...movement, phase: 'Failed' } }),
    undefined,
  );
  assert.equal(movedDataOf(undefined), undefined);
  assert.equal(shortSnapshotId(snapshotId), 'a1b2c3d4');
});

test('a moved claim whose snapshot was not kept is restored from the repository; its PV is not restored', () => {
  const found = sources([claim('data'), snapshot('data'), content('data')], [movedInfo('data', false)]);
  const volume = found.claims.get('shop/data');
  assert.ok(volume);
  assert.deepEqual(volume.moved, { snapshotId, bytes: 123_456_789 });
  assert.equal(volume.source, undefined, 'no CSI source is pre-provisioned for it');
  assert.equal(volume.kept, undefined);
  assert.equal(volume.problem, undefined);
  // The size of the original claim, not the snapshot's restore size; the class after mapping.
  assert.equal(volume.size, '1Gi');
  assert.equal(volume.storageClass, 'silver');
  assert.equal(volume.namespace, 'shop-copy');
  assert.match(found.snapshottedVolumes.get('pv-data') ?? '', /moved to the location's volume repository/);
});

test('a claim whose backup kept its snapshot beside the copy holds both, undecided; its PV is not restored', () => {
  const found = sources([claim('data'), snapshot('data'), content('data')], [movedInfo('data', true)]);
  const volume = found.claims.get('shop/data');
  assert.ok(volume);
  assert.deepEqual(volume.copy, { snapshotId, bytes: 123_456_789 });
  assert.deepEqual(volume.kept?.source, { driver: 'csi.example', snapshotHandle: 'snap-data' });
  assert.equal(volume.kept?.content, 'vsc-data');
  assert.equal(volume.kept?.snapshotSize, '2Gi', "the snapshot's restore size, larger than the claim");
  assert.equal(volume.kept?.copySize, '1Gi');
  assert.equal(volume.moved, undefined, 'chosen at restore time');
  assert.equal(volume.source, undefined, 'chosen at restore time');
  assert.match(found.snapshottedVolumes.get('pv-data') ?? '', /from the one the target can use/);
});

test('a claim the volume info names as moved is found without its snapshot annotation; a bad id fails it by name', () => {
  const found = sources([claim('data', false)], [movedInfo('data', false, { pvName: 'pv-other' })]);
  assert.deepEqual(found.claims.get('shop/data')?.moved, { snapshotId, bytes: 123_456_789 });

  const info = movedInfo('data', false);
  const movement = info.snapshotDataMovementInfo;
  assert.ok(movement);
  const bad = sources(
    [claim('data')],
    [{ ...info, snapshotDataMovementInfo: { ...movement, snapshotHandle: '../x' } }],
  );
  assert.match(bad.claims.get('shop/data')?.problem ?? '', /claim shop\/data .* invalid snapshot id "..\/x"/);
});

test('the VolumeSnapshot, content and class of a moved claim are skipped with the reason; a class a CSI claim uses is kept', () => {
  const all = [
    claim('data'),
    snapshot('data'),
    content('data'),
    claim('logs'),
    snapshot('logs'),
    content('logs'),
  ];
  const found = sources(all, [movedInfo('data', false)]);
  const skip = (groupResource: string, name: string, namespace?: string) =>
    snapshotRecordSkip(groupResource, namespace, name, found.claims);
  assert.match(
    skip(volumeSnapshotResource, 'vs-data', 'shop') ?? '',
    /snapshot of the claim shop\/data, whose data is restored from the location's volume repository/,
  );
  assert.match(
    skip(volumeSnapshotContentResource, 'vsc-data') ?? '',
    /claim shop\/data, whose data is restored/,
  );
  assert.match(
    skip(volumeSnapshotClassResource, 'class-data') ?? '',
    /the claim shop\/data, whose data is restored/,
  );
  // The CSI claim's records are treated as before; its class is restored (or compared) as before.
  assert.match(
    skip(volumeSnapshotResource, 'vs-logs', 'shop') ?? '',
    /a claim made from this snapshot points at a VolumeSnapshot of its own/,
  );
  assert.match(skip(volumeSnapshotContentResource, 'vsc-logs') ?? '', /makes its own content/);
  assert.equal(skip(volumeSnapshotClassResource, 'class-logs'), undefined);

  // A kept snapshot's records are not restored either: the restore makes its own source when it uses it.
  const kept = sources(all, [movedInfo('data', true)]);
  assert.match(
    snapshotRecordSkip(volumeSnapshotContentResource, undefined, 'vsc-data', kept.claims) ?? '',
    /kept snapshot of the claim shop\/data: not needed/,
  );
  assert.match(
    snapshotRecordSkip(volumeSnapshotResource, 'shop', 'vs-data', kept.claims) ?? '',
    /kept snapshot of the claim shop\/data/,
  );
  assert.match(
    snapshotRecordSkip(volumeSnapshotClassResource, undefined, 'class-data', kept.claims) ?? '',
    /not needed/,
  );

  // A class shared by a moved and a CSI claim stays.
  const shared = json({ ...snapshot('logs').object, spec: { volumeSnapshotClassName: 'class-data' } });
  const mixed = sources(
    [
      claim('data'),
      snapshot('data'),
      content('data'),
      claim('logs'),
      { ...snapshot('logs'), object: shared },
    ],
    [movedInfo('data', false)],
  );
  assert.equal(
    snapshotRecordSkip(volumeSnapshotClassResource, undefined, 'class-data', mixed.claims),
    undefined,
  );
});

test('a moved claim is made without a data source or the snapshot annotation, with the size of the original claim', () => {
  const pvc = claim('data').object;
  clearClaimSource(pvc, '1Gi');
  assert.deepEqual(pvc.spec, { storageClassName: 'gold', resources: { requests: { storage: '1Gi' } } });
  assert.deepEqual(pvc.metadata.annotations, undefined);
  assert.deepEqual(pvc.metadata.labels, { app: 'db' });
});

const classes = [
  { name: 'fast', provisioner: 'a.csi', isDefault: true, volumeBindingMode: 'Immediate' },
  { name: 'slow', provisioner: 'b.csi', isDefault: false, volumeBindingMode: 'WaitForFirstConsumer' },
];

test('a moved claim needs only a class the target has, of any driver', () => {
  assert.equal(movedClassProblem('ns/data', 'slow', classes), undefined);
  assert.equal(movedClassProblem('ns/data', undefined, classes), undefined);
  assert.match(
    movedClassProblem('ns/data', 'gold', classes) ?? '',
    /claim ns\/data asks for the storage class "gold", which the target does not have: map it to one of the target's classes \(fast, slow\) or create it/,
  );
  assert.match(movedClassProblem('ns/data', '', classes) ?? '', /names no storage class \(""\)/);
  assert.match(
    movedClassProblem('ns/data', undefined, classes.slice(1)) ?? '',
    /no default class: map it to one of the target's classes \(slow\), or mark one as the default/,
  );
});

/** A target cluster for the volume checks: its storage classes, and no claims yet. Implements the port. */
class TargetCluster implements KubeClient {
  readonly server = 'https://target.test';
  readonly asked: string[] = [];

  async request(request: KubeRequest): Promise<KubeResponse> {
    this.asked.push(`${request.method} ${request.path}`);
    if (request.method === 'GET' && request.path === '/apis/storage.k8s.io/v1/storageclasses') {
      const items = classes.map((item) => ({
        metadata: {
          name: item.name,
          annotations: item.isDefault ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : {},
        },
        provisioner: item.provisioner,
      }));
      return jsonAnswer({ items });
    }
    throw notFound(request);
  }

  async close(): Promise<void> {}
}

const mover: MoverSettings = { image: 'lifeboat:test', store: {}, secret: Buffer.from('s'), timeoutMs: 1000 };

const restorer = (kube: KubeClient, volumes: Parameters<typeof planVolumes>[1], withMover: boolean) =>
  new VolumeRestorer(kube, volumes, {
    restoreName: 'r1',
    timeoutMs: 1000,
    concurrency: 2,
    onChange: () => {},
    log: () => {},
    warn: () => {},
    ...(withMover ? { mover } : {}),
  });

test('without mover settings a moved claim fails by name and is not created; with them it waits to be filled', async () => {
  const kube = new TargetCluster();
  const found = sources([claim('data'), snapshot('data'), content('data')], [movedInfo('data', false)]);
  const volumes = [...found.claims.values()];
  const volume = volumes[0];
  assert.ok(volume);
  // The backup's class is mapped to one the target has.
  volume.storageClass = 'fast';

  const without = restorer(kube, volumes, false);
  const refused = await without.beforeClaims();
  assert.equal(refused.get('shop/data'), noMoverReason('shop-copy/data'));
  assert.match(
    refused.get('shop/data') ?? '',
    /the data of claim shop-copy\/data is in the location's volume repository: restore it through the Lifeboat control plane/,
  );
  assert.equal(without.list()[0]?.phase, 'Failed');
  assert.equal(without.list()[0]?.repositorySnapshot, snapshotId);

  const withSettings = restorer(kube, volumes, true);
  assert.equal((await withSettings.beforeClaims()).size, 0);
  const entry = withSettings.list()[0];
  assert.equal(entry?.phase, 'Pending');
  assert.match(
    entry?.reason ?? '',
    /to be filled from the location's volume repository \(snapshot a1b2c3d4\)/,
  );
  assert.equal(entry?.bytesTotal, 123_456_789);
  // Nothing was made for it: no VolumeSnapshot or content, only reads.
  assert.ok(
    kube.asked.every((line) => line.startsWith('GET ')),
    kube.asked.join('\n'),
  );

  // A class the target lacks fails it by name.
  volume.storageClass = 'gold';
  const refusedClass = await restorer(kube, volumes, true).beforeClaims();
  assert.match(refusedClass.get('shop/data') ?? '', /storage class "gold", which the target does not have/);
});

test('the dry run says a moved claim comes from the repository, with the short id and size', async () => {
  const kube = new TargetCluster();
  const found = sources([claim('data'), snapshot('data'), content('data')], [movedInfo('data', false)]);
  const volumes = [...found.claims.values()];
  const volume = volumes[0];
  assert.ok(volume);
  volume.storageClass = 'slow';
  const [planned] = await planVolumes(kube, volumes, true);
  assert.equal(planned?.verdict, 'restore');
  assert.equal(planned?.repositorySnapshot, snapshotId);
  assert.equal(planned?.dataBytes, 123_456_789);
  assert.equal(planned?.storageClass, 'slow');
  assert.equal(planned?.matchingClass, true);
  assert.match(
    planned?.reason ?? '',
    /its data comes from the location's volume repository \(snapshot a1b2c3d4, 117\.7 MiB\)/,
  );
  const [local] = await planVolumes(kube, volumes);
  assert.equal(local?.verdict, 'fail');
  assert.match(local?.reason ?? '', /restore it through the Lifeboat control plane/);
});

test('a moved claim whose class the target lacks takes the default class, unless a mapping chose the class', () => {
  const classes = [
    { name: 'fast-b', provisioner: 'p', isDefault: true },
    { name: 'standard-b', provisioner: 'p', isDefault: false },
  ].map((item) => ({ ...item, volumeBindingMode: 'Immediate' }));
  assert.equal(movedClassFallback({ storageClass: 'fast' }, classes), 'fast-b');
  assert.equal(movedClassFallback({ storageClass: 'standard-b' }, classes), undefined, 'the class exists');
  assert.equal(
    movedClassFallback({ storageClass: 'gold', storageClassMappedFrom: 'fast' }, classes),
    undefined,
  );
  assert.equal(movedClassFallback({ storageClass: '' }, classes), undefined, '"" asks for no provisioner');
  assert.equal(movedClassFallback({}, classes), undefined, 'no class: the default applies anyway');
  assert.equal(movedClassFallback({ storageClass: 'fast' }, classes.slice(1)), undefined, 'no default');
});
