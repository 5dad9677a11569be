import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonAnswer, notFound } from '../../test/support/fake-kube.ts';
import type { VolumeInfo } from '../archive/index.ts';
import {
  KubeApiError,
  type KubeClient,
  type KubeRequest,
  type KubeResponse,
  parseLossless,
} from '../kube/index.ts';
import type { MoverSettings, StorageClassInfo } from '../volumes/index.ts';
import type { KubeJson } from './sanitize.ts';
import { planVolumes } from './volume-checks.ts';
import {
  applyChoice,
  chooseSource,
  chooseVolumeSources,
  fallBackToCopy,
  type LiveContent,
  type TargetSnapshots,
} from './volume-choice.ts';
import { VolumeRestorer } from './volume-run.ts';
import { findVolumeSources, pointClaimAtSource, type SnapshotVolume } from './volume-sources.ts';

const json = (value: object) => parseLossless(JSON.stringify(value)) as KubeJson;
const repositoryId = 'a1b2c3d4'.repeat(8);
const driver = 'hostpath.csi.k8s.io';
const uid = '6f1c2a4e-0000-4000-8000-000000000001';

/** The backup's items of claim shop/data, snapshotted by `driver` and kept (content vsc-data, uid `uid`). */
const backupItems = () => [
  {
    groupResource: 'persistentvolumeclaims',
    namespace: 'shop',
    name: 'data',
    object: json({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: 'data',
        namespace: 'shop',
        annotations: { 'velero.io/volume-snapshot-name': 'vs-data' },
      },
      spec: { storageClassName: 'csi', volumeName: 'pv-data', resources: { requests: { storage: '1Mi' } } },
    }),
  },
  {
    groupResource: 'volumesnapshots.snapshot.storage.k8s.io',
    namespace: 'shop',
    name: 'vs-data',
    object: json({
      metadata: { name: 'vs-data', namespace: 'shop' },
      spec: { volumeSnapshotClassName: 'csi-snap' },
      status: { boundVolumeSnapshotContentName: 'vsc-data', restoreSize: '2Mi', readyToUse: true },
    }),
  },
  {
    groupResource: 'volumesnapshotcontents.snapshot.storage.k8s.io',
    name: 'vsc-data',
    object: json({
      metadata: { name: 'vsc-data', uid },
      spec: { driver, deletionPolicy: 'Retain', volumeSnapshotClassName: 'csi-snap' },
      status: { snapshotHandle: 'snap-1', readyToUse: true },
    }),
  },
];

/** The volume info of a backup that copied the claim's data and kept its snapshot (keepVolumeSnapshots). */
const keptBoth: VolumeInfo = {
  pvcName: 'data',
  pvcNamespace: 'shop',
  pvName: 'pv-data',
  backupMethod: 'CSISnapshot',
  snapshotDataMoved: true,
  preserveLocalSnapshot: true,
  skipped: false,
  csiSnapshotInfo: { snapshotHandle: 'snap-1', size: 2 << 20, driver, vscName: 'vsc-data' },
  snapshotDataMovementInfo: {
    dataMover: 'lifeboat',
    uploaderType: 'lifeboat',
    retainedSnapshot: 'vs-data',
    snapshotHandle: repositoryId,
    size: 1000,
    phase: 'Completed',
  },
};

/** The claim as a restore prepares it: found, sanitized (here: as read) and pointed at its source. */
function prepared(options: { classMapping?: [string, string] } = {}): {
  volume: SnapshotVolume;
  claim: KubeJson;
} {
  const all = backupItems();
  const found = findVolumeSources({
    all,
    claims: all.filter((item) => item.groupResource === 'persistentvolumeclaims'),
    volumeInfo: [keptBoth],
    restoreName: 'r1',
    namespaceMapping: new Map([['shop', 'shop-r']]),
    storageClassMapping: new Map(options.classMapping ? [options.classMapping] : []),
  });
  const volume = found.claims.get('shop/data');
  assert.ok(volume);
  const claim = json(all[0]?.object as object);
  // As prepare.ts does: a claim with neither `moved` nor a problem is pointed at its source.
  assert.equal(volume.moved, undefined);
  pointClaimAtSource(claim, volume);
  return { volume, claim };
}

const storageClasses: StorageClassInfo[] = [
  { name: 'csi', provisioner: driver, isDefault: true, volumeBindingMode: 'WaitForFirstConsumer' },
  { name: 'other', provisioner: 'other.csi', isDefault: false, volumeBindingMode: 'Immediate' },
];
const sameCluster = (content: Partial<Extract<LiveContent, { state: 'present' }>> = {}): TargetSnapshots => ({
  contents: new Map([
    [
      'vsc-data',
      {
        state: 'present',
        uid,
        driver,
        snapshotHandle: 'snap-1',
        readyToUse: true,
        deleting: false,
        ...content,
      },
    ],
  ]),
  classDrivers: new Set([driver]),
  storageClasses,
});

test('the kept snapshot is chosen where the target holds its content (same uid, handle, driver, ready)', () => {
  const { volume } = prepared();
  const choice = chooseSource(volume, sameCluster());
  assert.equal(choice.source, 'snapshot', choice.reason);
  assert.match(
    choice.reason,
    /made from the CSI snapshot the backup kept \(snap-1, driver hostpath\.csi\.k8s\.io\)/,
  );
  assert.match(choice.reason, /storage class csi, with no mover pod/);
  assert.match(
    choice.reason,
    /copy in the location's volume repository \(snapshot a1b2c3d4\) is used should/,
  );
});

test('the copy is chosen, with the reason, wherever the kept snapshot cannot be used', () => {
  const cases: [string, TargetSnapshots, RegExp][] = [
    [
      'another cluster: no content of that name',
      { ...sameCluster(), contents: new Map() },
      /the target has no VolumeSnapshotContent vsc-data: the snapshot is usable only in the cluster that took it/,
    ],
    [
      'another cluster: a content of that name, another object',
      sameCluster({ uid: 'other-uid' }),
      /is not the backup's \(uid other-uid, not 6f1c2a4e-.*\): the target is not the cluster that holds the snapshot/,
    ],
    ['another handle', sameCluster({ snapshotHandle: 'snap-2' }), /no longer holds the snapshot snap-1/],
    ['not ready', sameCluster({ readyToUse: false }), /vsc-data is not ready to use/],
    ['being deleted', sameCluster({ deleting: true }), /vsc-data is being deleted/],
    [
      'unreadable',
      { ...sameCluster(), contents: new Map([['vsc-data', { state: 'unreadable', reason: 'forbidden' }]]) },
      /could not be read \(forbidden\)/,
    ],
    [
      'no snapshot class for the driver',
      { ...sameCluster(), classDrivers: new Set(['other.csi']) },
      /no VolumeSnapshotClass for the CSI driver hostpath\.csi\.k8s\.io/,
    ],
  ];
  for (const [what, target, reason] of cases) {
    const choice = chooseSource(prepared().volume, target);
    assert.equal(choice.source, 'copy', what);
    assert.match(choice.reason, /^not from the CSI snapshot the backup kept: /, what);
    assert.match(choice.reason, reason, what);
  }
  // A mapping to a class of another driver: a snapshot becomes a volume only through its own driver.
  const mapped = chooseSource(prepared({ classMapping: ['csi', 'other'] }).volume, sameCluster());
  assert.equal(mapped.source, 'copy');
  assert.match(mapped.reason, /storage class other with driver "other\.csi"/);
  assert.doesNotMatch(mapped.reason, /to restore across drivers/, 'the copy is that way already');
  // A backup that does not record its content's uid cannot say which cluster holds the snapshot.
  const { volume } = prepared();
  delete volume.kept?.contentUid;
  assert.match(chooseSource(volume, sameCluster()).reason, /does not record its VolumeSnapshotContent/);
});

test('the choice makes the claim: pointed at the restore-made VolumeSnapshot, or empty for the mover', () => {
  const snapshot = prepared();
  applyChoice(snapshot.volume, chooseSource(snapshot.volume, sameCluster()));
  assert.deepEqual(snapshot.volume.source, { driver, snapshotHandle: 'snap-1' });
  assert.equal(snapshot.volume.moved, undefined);
  const spec = snapshot.claim.spec as Record<string, unknown>;
  assert.deepEqual(spec.dataSource, {
    apiGroup: 'snapshot.storage.k8s.io',
    kind: 'VolumeSnapshot',
    name: snapshot.volume.sourceName,
  });
  assert.deepEqual(spec.resources, { requests: { storage: '2Mi' } }, "the snapshot's restore size");

  const copy = prepared();
  applyChoice(copy.volume, chooseSource(copy.volume, { ...sameCluster(), contents: new Map() }));
  assert.equal(copy.volume.source, undefined);
  assert.deepEqual(copy.volume.moved, { snapshotId: repositoryId, bytes: 1000 });
  const copySpec = copy.claim.spec as Record<string, unknown>;
  assert.equal(copySpec.dataSource, undefined);
  assert.equal(copySpec.volumeName, undefined);
  assert.deepEqual(copySpec.resources, { requests: { storage: '1Mi' } }, "the original claim's size");

  // At restore time a failed snapshot gives way to the copy, with a warning that names the claim.
  const late = prepared();
  applyChoice(late.volume, chooseSource(late.volume, sameCluster()));
  const warning = fallBackToCopy(late.volume, 'the driver says: snapshot not found');
  assert.match(
    warning ?? '',
    /the claim shop-r\/data is restored from the copy of its data in the location's volume repository \(snapshot a1b2c3d4\), not from the CSI snapshot the backup kept, which could not be used: the driver says: snapshot not found/,
  );
  assert.deepEqual(late.volume.moved, { snapshotId: repositoryId, bytes: 1000 });
  assert.equal((late.claim.spec as Record<string, unknown>).dataSource, undefined);
  assert.equal(late.volume.choice?.source, 'copy');
});

/**
 * A target cluster for the volume steps (implements the port): storage classes, snapshot classes, the
 * kept content when it is the source cluster, no claims; VolumeSnapshots made for a restore never become
 * ready (the storage lost the snapshot) when `snapshotLost`.
 */
class Target implements KubeClient {
  readonly server = 'https://target.test';
  readonly asked: string[] = [];
  private readonly objects = new Map<string, Record<string, unknown>>();

  constructor(options: { holdsSnapshot: boolean; snapshotLost?: boolean }) {
    const base = '/apis/snapshot.storage.k8s.io/v1';
    this.objects.set(`${base}/volumesnapshotclasses/csi-snap`, { metadata: { name: 'csi-snap' }, driver });
    if (options.holdsSnapshot)
      this.objects.set(`${base}/volumesnapshotcontents/vsc-data`, {
        metadata: { name: 'vsc-data', uid },
        spec: { driver },
        status: { snapshotHandle: 'snap-1', readyToUse: !options.snapshotLost },
      });
    this.snapshotLost = options.snapshotLost ?? false;
  }
  private readonly snapshotLost: boolean;

  async request(request: KubeRequest): Promise<KubeResponse> {
    const { method, path } = request;
    this.asked.push(`${method} ${path}`);
    if (method === 'GET' && path === '/apis/storage.k8s.io/v1/storageclasses')
      return jsonAnswer({
        items: storageClasses.map((item) => ({
          metadata: {
            name: item.name,
            annotations: item.isDefault ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : {},
          },
          provisioner: item.provisioner,
        })),
      });
    const found = this.objects.get(path);
    if (method === 'GET') {
      if (found) return jsonAnswer(found);
      const items = [...this.objects].filter(([key]) => key.startsWith(`${path}/`)).map(([, value]) => value);
      if (items.length > 0 || path.endsWith('volumesnapshotclasses')) return jsonAnswer({ items });
      throw notFound(request);
    }
    if (method === 'POST') {
      const object = JSON.parse(String(request.body)) as { kind: string; metadata: { name: string } };
      const at = `${path}/${object.metadata.name}`;
      if (this.objects.has(at))
        throw new KubeApiError({ status: 409, reason: 'AlreadyExists', message: 'exists', method, path });
      // The snapshot controller's verdict on a restore-made VolumeSnapshot, at once.
      const status =
        object.kind === 'VolumeSnapshot'
          ? this.snapshotLost
            ? { readyToUse: false, error: { message: 'snapshot snap-1 not found' } }
            : { readyToUse: true }
          : {};
      this.objects.set(at, { ...object, status });
      return jsonAnswer(object, 201);
    }
    if (method === 'DELETE' && found) {
      this.objects.delete(path);
      return jsonAnswer({});
    }
    if (method === 'PATCH' && found) return jsonAnswer(found);
    throw notFound(request);
  }

  async close(): Promise<void> {}
}

const mover: MoverSettings = { image: 'lifeboat:test', store: {}, secret: Buffer.from('s'), timeoutMs: 1000 };

function restorer(kube: KubeClient, volume: SnapshotVolume, warnings: string[], withMover = true) {
  return new VolumeRestorer(kube, [volume], {
    restoreName: 'r1',
    timeoutMs: 2000,
    errorGraceMs: 0,
    concurrency: 1,
    onChange: () => {},
    log: () => {},
    warn: (message) => warnings.push(message),
    ...(withMover ? { mover } : {}),
  });
}

test('the dry run and the restore choose the same source: the snapshot in the cluster that holds it', async () => {
  const planned = prepared();
  await chooseVolumeSources(new Target({ holdsSnapshot: true }), [planned.volume], storageClasses);
  const [plan] = await planVolumes(new Target({ holdsSnapshot: true }), [planned.volume], false);
  assert.equal(plan?.source, 'snapshot');
  assert.equal(plan?.verdict, 'restore', 'no mover needed: the snapshot is used');
  assert.equal(plan?.snapshotHandle, 'snap-1');
  assert.match(plan?.sourceReason ?? '', /the target holds it/);

  const { volume, claim } = prepared();
  const warnings: string[] = [];
  const kube = new Target({ holdsSnapshot: true });
  const run = restorer(kube, volume, warnings, false);
  assert.equal((await run.beforeClaims()).size, 0);
  const [entry] = run.list();
  assert.equal(entry?.source, 'snapshot');
  assert.equal(entry?.snapshotHandle, 'snap-1');
  assert.equal(entry?.repositorySnapshot, undefined);
  assert.match(entry?.reason ?? '', /provisioning from the snapshot snap-1/);
  assert.deepEqual(warnings, []);
  assert.equal(
    (claim.spec as Record<string, unknown> & { dataSource: { name: string } }).dataSource.name,
    volume.sourceName,
  );
  assert.ok(
    kube.asked.includes('POST /apis/snapshot.storage.k8s.io/v1/namespaces/shop-r/volumesnapshots'),
    kube.asked.join('\n'),
  );
});

test('the dry run and the restore choose the same source: the copy in another cluster', async () => {
  const planned = prepared();
  await chooseVolumeSources(new Target({ holdsSnapshot: false }), [planned.volume]);
  const [plan] = await planVolumes(new Target({ holdsSnapshot: false }), [planned.volume], true);
  assert.equal(plan?.source, 'copy');
  assert.equal(plan?.verdict, 'restore');
  assert.equal(plan?.repositorySnapshot, repositoryId);
  assert.match(
    plan?.reason ?? '',
    /its data comes from the location's volume repository \(snapshot a1b2c3d4/,
  );
  assert.match(
    plan?.reason ?? '',
    /not from the CSI snapshot the backup kept: the target has no VolumeSnapshotContent/,
  );

  const { volume, claim } = prepared();
  const warnings: string[] = [];
  const kube = new Target({ holdsSnapshot: false });
  const run = restorer(kube, volume, warnings);
  assert.equal((await run.beforeClaims()).size, 0);
  const [entry] = run.list();
  assert.equal(entry?.source, 'copy');
  assert.equal(entry?.repositorySnapshot, repositoryId);
  assert.match(entry?.reason ?? '', /to be filled from the location's volume repository/);
  assert.equal((claim.spec as Record<string, unknown>).dataSource, undefined, 'made empty for the mover');
  assert.ok(
    kube.asked.every((line) => line.startsWith('GET ')),
    `nothing is made for a copied claim before it is created: ${kube.asked.join('\n')}`,
  );
});

test('a kept snapshot that fails at restore time gives way to the copy, with a warning naming the claim', async () => {
  const { volume, claim } = prepared();
  const warnings: string[] = [];
  const kube = new Target({ holdsSnapshot: true, snapshotLost: true });
  // The dry run saw it ready; by the restore, the storage has lost it.
  applyChoice(volume, chooseSource(volume, sameCluster()));
  const run = restorer(kube, volume, warnings);
  assert.equal((await run.beforeClaims()).size, 0, 'the claim is not refused: its copy fills it');
  const [entry] = run.list();
  assert.equal(entry?.source, 'copy');
  assert.equal(entry?.phase, 'Pending');
  assert.match(entry?.sourceReason ?? '', /could not be used at restore time: .*snapshot snap-1 not found/);
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0] ?? '',
    /the claim shop-r\/data is restored from the copy .*snapshot snap-1 not found/,
  );
  assert.equal((claim.spec as Record<string, unknown>).dataSource, undefined);
  // The VolumeSnapshot and content made for it were removed again.
  assert.ok(kube.asked.some((line) => line.startsWith('DELETE ') && line.includes('/volumesnapshots/')));

  // Without mover settings the copy cannot be used either: the claim fails by name.
  const bare = prepared();
  applyChoice(bare.volume, chooseSource(bare.volume, sameCluster()));
  const refused = await restorer(
    new Target({ holdsSnapshot: true, snapshotLost: true }),
    bare.volume,
    [],
    false,
  ).beforeClaims();
  assert.match(
    refused.get('shop/data') ?? '',
    /the data of claim shop-r\/data is in the location's volume repository/,
  );
});
