/**
 * "Include all disks" in a backup run: the PersistentVolumeClaims the backup takes are snapshotted through
 * CSI before the objects are listed (src/volumes does the snapshotting), so each claim item can carry the
 * snapshot it points at, and what was taken is recorded in Velero 1.18's way (volumes/record.ts). A claim that
 * is not a CSI volume is a warning; a snapshot that fails is an error of that claim (PartiallyFailed); the
 * rest goes on.
 */
import {
  type BackupDescription,
  backupKeys,
  encodeObjectList,
  encodeVolumeInfo,
  type Results,
} from '../archive/index.ts';
import {
  type ApiResource,
  describeError,
  type KubeClient,
  KubeConnectionError,
  type KubeObject,
  listPages,
  parseLossless,
} from '../kube/index.ts';
import type { ObjectStore } from '../storage/index.ts';
import {
  annotateClaim,
  csiVolumeOf,
  deleteSnapshots,
  type MovedData,
  type SkippedVolume,
  type SnapshotProgress,
  type SnapshotRecord,
  snapshotItems,
  takeSnapshots,
  volumeInfoOf,
} from '../volumes/index.ts';
import type { RunLog } from './run-log.ts';

/** What the disks step of a backup took. */
export interface DiskSnapshots {
  /** Snapshots taken, by `namespace/claim`. */
  records: Map<string, SnapshotRecord>;
  /** Claims not snapshotted (not CSI, not bound) with the reason. */
  skipped: SkippedVolume[];
  /** How many claims the backup holds. */
  claims: number;
  /** Snapshots that failed (each an error of the backup). */
  failed: number;
}

/** Options of `snapshotDisks`. */
export interface SnapshotDisksOptions {
  kube: KubeClient;
  backupName: string;
  /** The PVC resource type as discovered. */
  claimType: ApiResource;
  /** Namespaces the backup takes. */
  namespaces: ReadonlySet<string>;
  /** List inside each namespace rather than cluster-wide (few namespaces). */
  perNamespace: boolean;
  labelSelector: string | undefined;
  /** Claims the backup leaves out (exclude labels). */
  excluded: (claim: KubeObject) => boolean;
  results: Results;
  log: RunLog;
  /** How long one snapshot may take to be ready, in ms (default: src/volumes' 10 minutes). */
  timeoutMs?: number;
  onProgress?: (progress: SnapshotProgress) => void;
}

const claimKey = (namespace: string, name: string) => `${namespace}/${name}`;

/** Snapshots every claim the backup takes that is a CSI volume. Throws only when the cluster is unreachable. */
export async function snapshotDisks(options: SnapshotDisksOptions): Promise<DiskSnapshots> {
  const { kube, results, log } = options;
  const claims = await listClaims(options);
  const out: DiskSnapshots = { records: new Map(), skipped: [], claims: claims.length, failed: 0 };
  if (claims.length === 0) {
    const message =
      'include disks was asked for, but the backup holds no PersistentVolumeClaims: no volume was snapshotted';
    results.warning(message);
    log.warn(message);
    return out;
  }
  const requests: { namespace: string; pvc: string }[] = [];
  for (const claim of claims) {
    const namespace = claim.metadata.namespace ?? '';
    const volume = await csiVolumeOf(kube, claim);
    if (volume.csi) {
      requests.push({ namespace, pvc: claim.metadata.name });
      continue;
    }
    const skipped: SkippedVolume = { namespace, pvc: claim.metadata.name, reason: volume.reason };
    const pvName = (claim.spec as { volumeName?: string } | undefined)?.volumeName;
    if (pvName)
      skipped.persistentVolume = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: pvName } };
    out.skipped.push(skipped);
    results.warning(`not snapshotted: ${volume.reason}`, { namespace });
    log.warn('volume not snapshotted', { namespace, claim: claim.metadata.name, reason: volume.reason });
  }
  if (requests.length === 0) {
    const message = `include disks was asked for, but none of the ${claims.length} PersistentVolumeClaims in the backup is a CSI volume: no volume was snapshotted`;
    results.warning(message);
    log.warn(message);
    return out;
  }
  log.info(`snapshotting ${requests.length} volumes`);
  const started = Date.now();
  const outcomes = await takeSnapshots(kube, requests, {
    backupName: options.backupName,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  for (const outcome of outcomes) {
    if (outcome.ok) {
      out.records.set(claimKey(outcome.namespace, outcome.pvc), outcome);
      log.info('volume snapshotted', {
        namespace: outcome.namespace,
        claim: outcome.pvc,
        driver: outcome.driver,
        snapshotHandle: outcome.snapshotHandle,
        volumeSnapshotContent: outcome.volumeSnapshotContentName,
      });
    } else {
      out.failed++;
      results.error(outcome.reason, { namespace: outcome.namespace });
      log.error('volume snapshot failed', {
        namespace: outcome.namespace,
        claim: outcome.pvc,
        error: outcome.reason,
      });
    }
  }
  log.info(`snapshotted ${out.records.size} of ${requests.length} volumes`, { ms: Date.now() - started });
  return out;
}

/** The snapshot taken of a claim, if any. */
export function recordOf(disks: DiskSnapshots | undefined, claim: KubeObject): SnapshotRecord | undefined {
  return disks?.records.get(claimKey(claim.metadata.namespace ?? '', claim.metadata.name));
}

/**
 * What to store of a claim that was snapshotted: its stored bytes (`parts`), read losslessly, plus the
 * annotation and labels that name its snapshot, as Velero's restore expects. Undefined for a claim with no
 * snapshot (its bytes are stored as listed).
 */
export function snapshotClaimParts(
  disks: DiskSnapshots,
  claim: KubeObject,
  parts: readonly Buffer[],
  backupName: string,
): Buffer[] | undefined {
  const snapshot = recordOf(disks, claim);
  if (!snapshot) return undefined;
  const stored = parseLossless(Buffer.concat(parts)) as KubeObject;
  return [Buffer.from(JSON.stringify(annotateClaim(stored, snapshot, backupName)))];
}

/**
 * Deletes the snapshots a failed backup took (its files are gone, so nothing would ever delete them). Best
 * effort: what could not be deleted is logged with its handle.
 */
export async function discardSnapshots(kube: KubeClient, disks: DiskSnapshots, log: RunLog): Promise<void> {
  const records = [...disks.records.values()];
  if (records.length === 0) return;
  try {
    const outcomes = await deleteSnapshots(kube, records);
    for (const outcome of outcomes) {
      if (!outcome.ok)
        log.error('a snapshot of the failed backup could not be deleted', {
          snapshotHandle: outcome.snapshotHandle,
          error: outcome.reason,
        });
    }
  } catch (error) {
    log.error('the snapshots of the failed backup could not be deleted', {
      handles: records.map((record) => record.snapshotHandle).join(','),
      error: describeError(error),
    });
  }
}

async function listClaims(options: SnapshotDisksOptions): Promise<KubeObject[]> {
  const { kube, claimType, namespaces, labelSelector } = options;
  const claims: KubeObject[] = [];
  const scopes = options.perNamespace ? [...namespaces] : [undefined];
  for (const namespace of scopes) {
    try {
      const listOptions = {
        ...(namespace === undefined ? {} : { namespace }),
        ...(labelSelector ? { labelSelector } : {}),
      };
      for await (const page of listPages(kube, claimType, listOptions)) {
        for (const item of page.items) {
          const claim = item.object;
          const ns = claim.metadata.namespace;
          if (ns === undefined || !namespaces.has(ns) || claim.metadata.deletionTimestamp) continue;
          if (options.excluded(claim)) continue;
          claims.push(claim);
        }
      }
    } catch (error) {
      if (error instanceof KubeConnectionError) throw error;
      const reason = `the PersistentVolumeClaims to snapshot could not be listed: ${describeError(error)}`;
      options.results.error(reason, namespace === undefined ? {} : { namespace });
      options.log.error(reason, { namespace });
    }
  }
  return claims;
}

/**
 * Writes the record of each snapshot as Velero does: its VolumeSnapshot (as it was once ready), content and
 * class, whatever the resources chosen (they are how a restore finds the snapshot).
 */
export async function writeSnapshotItems(
  disks: DiskSnapshots,
  resources: readonly ApiResource[],
  write: (type: ApiResource, object: KubeObject) => Promise<boolean>,
): Promise<void> {
  const type = (resource: string) =>
    resources.find((r) => r.group === 'snapshot.storage.k8s.io' && r.resource === resource);
  const types = {
    volumeSnapshot: type('volumesnapshots'),
    volumeSnapshotContent: type('volumesnapshotcontents'),
    volumeSnapshotClass: type('volumesnapshotclasses'),
  };
  for (const record of disks.records.values()) {
    const items = snapshotItems(record);
    for (const key of ['volumeSnapshotClass', 'volumeSnapshotContent', 'volumeSnapshot'] as const) {
      const resource = types[key];
      if (!resource) throw new Error(`the API server no longer serves the ${key} type, which was just used`);
      await write(resource, items[key]);
    }
  }
}

/** Puts the volume info and Velero's older `-csi-volumesnapshot*` lists beside the tarball. */
export async function putVolumeFiles(
  store: ObjectStore,
  description: BackupDescription,
  disks: DiskSnapshots,
  moved: ReadonlyMap<string, MovedData> = new Map(),
): Promise<void> {
  const keys = backupKeys(description.name);
  const items = [...disks.records.values()].map(snapshotItems);
  const classes = new Map(
    items.map((item) => [item.volumeSnapshotClass.metadata.name, item.volumeSnapshotClass]),
  );
  const gzip = { contentType: 'application/gzip' };
  const info = volumeInfoOf(
    [...disks.records.values()],
    disks.skipped,
    description.completionTimestamp ?? new Date(),
    moved,
  );
  await Promise.all([
    store.put(keys.volumeInfo, encodeVolumeInfo(info), gzip),
    store.put(keys.csiVolumeSnapshots, encodeObjectList(items.map((item) => item.volumeSnapshot)), gzip),
    store.put(
      keys.csiVolumeSnapshotContents,
      encodeObjectList(items.map((item) => item.volumeSnapshotContent)),
      gzip,
    ),
    store.put(keys.csiVolumeSnapshotClasses, encodeObjectList([...classes.values()]), gzip),
  ]);
}
