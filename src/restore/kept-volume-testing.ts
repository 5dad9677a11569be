/**
 * Builders for the unit tests of how a restore chooses a claim's source (src/restore/volume-choice*.test.ts):
 * claim shop/data of a backup, snapshotted by a CSI driver, whose backup kept its snapshot beside a copy of
 * its data (or, with another volume info, has only one of them); what a target has of the kept snapshot; and
 * a target cluster for the volume steps (a fake that implements the KubeClient port: a real cluster cannot
 * lose a snapshot on cue).
 */
import assert from 'node:assert/strict';
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
import type { LiveContent, TargetSnapshots } from './volume-choice.ts';
import { VolumeRestorer } from './volume-run.ts';
import type { VolumeSourceMode } from './volume-source-modes.ts';
import { findVolumeSources, pointClaimAtSource, type SnapshotVolume } from './volume-sources.ts';

export const json = (value: object) => parseLossless(JSON.stringify(value)) as KubeJson;
export const repositoryId = 'a1b2c3d4'.repeat(8);
export const driver = 'hostpath.csi.k8s.io';
export const uid = '6f1c2a4e-0000-4000-8000-000000000001';

/** The backup's items of claim shop/data, snapshotted by `driver` and kept (content vsc-data, uid `uid`). */
export const backupItems = () => [
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
export const keptBoth: VolumeInfo = {
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

/** A backup that snapshotted the claim (CSI) without the data mover: the snapshot only. */
export const snapshotOnly: VolumeInfo = {
  pvcName: 'data',
  pvcNamespace: 'shop',
  pvName: 'pv-data',
  backupMethod: 'CSISnapshot',
  snapshotDataMoved: false,
  preserveLocalSnapshot: false,
  skipped: false,
  csiSnapshotInfo: { snapshotHandle: 'snap-1', size: 2 << 20, driver, vscName: 'vsc-data' },
};

/** A backup that copied the claim's data and did not keep its snapshot: the copy only. */
export const copyOnly: VolumeInfo = { ...keptBoth, preserveLocalSnapshot: false };

/**
 * The claim as a restore prepares it: found, sanitized (here: as read) and, unless its data was moved,
 * pointed at its source. `info`: the backup's volume info of it (default: both kept).
 */
export function prepared(options: { classMapping?: [string, string]; info?: VolumeInfo } = {}): {
  volume: SnapshotVolume;
  claim: KubeJson;
} {
  const all = backupItems();
  const found = findVolumeSources({
    all,
    claims: all.filter((item) => item.groupResource === 'persistentvolumeclaims'),
    volumeInfo: [options.info ?? keptBoth],
    restoreName: 'r1',
    namespaceMapping: new Map([['shop', 'shop-r']]),
    storageClassMapping: new Map(options.classMapping ? [options.classMapping] : []),
  });
  const volume = found.claims.get('shop/data');
  assert.ok(volume);
  const claim = json(all[0]?.object as object);
  // As prepare.ts does: a claim with neither `moved` nor a problem is pointed at its source.
  if (!volume.moved && !volume.problem) pointClaimAtSource(claim, volume);
  return { volume, claim };
}

export const storageClasses: StorageClassInfo[] = [
  { name: 'csi', provisioner: driver, isDefault: true, volumeBindingMode: 'WaitForFirstConsumer' },
  { name: 'other', provisioner: 'other.csi', isDefault: false, volumeBindingMode: 'Immediate' },
];
export const sameCluster = (
  content: Partial<Extract<LiveContent, { state: 'present' }>> = {},
): TargetSnapshots => ({
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

/**
 * A target cluster for the volume steps (implements the port): storage classes, snapshot classes, the
 * kept content when it is the source cluster, no claims; VolumeSnapshots made for a restore never become
 * ready (the storage lost the snapshot) when `snapshotLost`.
 */
export class Target implements KubeClient {
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

export const mover: MoverSettings = {
  image: 'lifeboat:test',
  store: {},
  secret: Buffer.from('s'),
  timeoutMs: 1000,
};

/** The volume steps of a restore of `volume` (with mover settings unless `withMover` is false). */
export function restorer(
  kube: KubeClient,
  volume: SnapshotVolume,
  warnings: string[],
  withMover = true,
  volumeSource?: VolumeSourceMode,
) {
  return new VolumeRestorer(kube, [volume], {
    restoreName: 'r1',
    timeoutMs: 2000,
    errorGraceMs: 0,
    concurrency: 1,
    onChange: () => {},
    log: () => {},
    warn: (message) => warnings.push(message),
    ...(withMover ? { mover } : {}),
    ...(volumeSource ? { volumeSource } : {}),
  });
}
