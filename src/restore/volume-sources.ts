/**
 * Which claims of a backup come back from a CSI snapshot, read the way Velero 1.18's restore reads them
 * (docs/velero-format-notes.md, "CSI snapshots"): a PVC item annotated `velero.io/volume-snapshot-name`
 * names a VolumeSnapshot item; its bound VolumeSnapshotContent item holds the snapshot's handle and driver
 * (Velero also copies both into the VolumeSnapshot's annotations, and the volume info has them per PV). The
 * PVs those claims were bound to — and every PV the volume info says was snapshotted — are not restored as
 * they were: the storage class provisions new ones from the snapshots. A claim whose data Lifeboat's data
 * mover copied into the location's repository is restored from there instead (moved-volumes.ts).
 */
import type { VolumeInfo } from '../archive/index.ts';
import { quantityBytes, restoreSourceName, type SnapshotSource, veleroSnapshot } from '../volumes/index.ts';
import { type MovedData, movedDataOf, movedDataProblem } from './moved-volumes.ts';
import { quoted } from './object-checks.ts';
import { asRecord, type KubeJson } from './sanitize.ts';
import type { VolumeSourceKind } from './volume-source-modes.ts';

export const volumeSnapshotResource = 'volumesnapshots.snapshot.storage.k8s.io';
export const volumeSnapshotContentResource = 'volumesnapshotcontents.snapshot.storage.k8s.io';
export const volumeSnapshotClassResource = 'volumesnapshotclasses.snapshot.storage.k8s.io';

/** A claim of the backup that a restore makes from its CSI snapshot. */
export interface SnapshotVolume {
  sourceNamespace: string;
  /** The namespace it is restored into (after mapping). */
  namespace: string;
  pvc: string;
  /** The VolumeSnapshot the backup recorded for it (empty when its data was moved and it names none). */
  volumeSnapshot: string;
  /** The VolumeSnapshotContent item bound to it in the backup. */
  volumeSnapshotContent?: string;
  /** The VolumeSnapshotClass its snapshot was taken with, as the backup records it. */
  snapshotClass?: string;
  /**
   * Its data in the location's volume repository (the data mover's copy): the claim is made empty and
   * filled from there, not from `source`.
   */
  moved?: MovedData;
  /** Its PV in the backup, which is not restored. */
  persistentVolume?: string;
  /** The snapshot; absent when the backup's record of it is incomplete (`problem` says what is missing). */
  source?: SnapshotSource;
  /** The size a volume made from it needs, when recorded. */
  restoreSize?: string;
  /** The storage the restored claim requests. */
  size?: string;
  /** The class the restored claim asks for (after mapping); absent when it names none (the default). */
  storageClass?: string;
  /** The class in the backup, when a mapping changed it. */
  storageClassMappedFrom?: string;
  /** Name of the VolumeSnapshot and VolumeSnapshotContent the restore makes for it. */
  sourceName: string;
  /** Why the claim cannot be restored from its snapshot (then it fails, named). */
  problem?: string;
  /**
   * For a claim whose backup kept its CSI snapshot beside the copy of its data: that snapshot. Such a claim
   * has neither `source` nor `moved` until the restore chooses between them (volume-choice.ts).
   */
  kept?: KeptSnapshot;
  /** For such a claim: the copy of its data in the location's repository (`moved` once chosen). */
  copy?: MovedData;
  /** For such a claim: the source the restore uses, and why (set when chosen). */
  choice?: VolumeChoice;
  /**
   * The claim the restore creates, as sanitized (set when it is pointed at its snapshot): the choice of the
   * copy makes it an empty claim again before it is created.
   */
  claim?: KubeJson;
}

/** The source chosen for a claim whose backup kept both, and why (said by the dry run and the restore). */
export interface VolumeChoice {
  source: VolumeSourceKind;
  reason: string;
  /**
   * Set when the restore was asked for this source (volume source `snapshot` or `copy`): the claim never
   * gives way to the other source, even when this one fails at restore time.
   */
  asked?: true;
  /** Why the claim fails with this source (the kept snapshot asked for cannot be used): it is not created. */
  problem?: string;
}

/** The CSI snapshot a backup kept beside the copy of a claim's data, as the restore may use it. */
export interface KeptSnapshot {
  source: SnapshotSource;
  /** The backup's VolumeSnapshotContent of it, and that object's uid in the cluster that made it. */
  content?: string;
  contentUid?: string;
  /** The size the claim requests when made from the snapshot, and when filled from the copy. */
  snapshotSize?: string;
  copySize?: string;
  /** Why the copy cannot be used (a bad repository snapshot id), should it be chosen. */
  copyProblem?: string;
  /** Why the backup's record of the snapshot cannot be used (then the copy is). */
  problem?: string;
}

/** An object read from the tarball. */
interface Item {
  groupResource: string;
  namespace?: string;
  name: string;
  object?: KubeJson;
}

/** What the backup's snapshot records decide for a restore. */
export interface VolumeSources {
  /** By `<source namespace>/<pvc>`. */
  claims: Map<string, SnapshotVolume>;
  /** PVs of the backup that were snapshotted → why they are not restored. */
  snapshottedVolumes: Map<string, string>;
}

/** A CSI driver name (the CSIDriver object's rules: at most 63 characters, DNS-like). */
const driverPattern = /^[a-zA-Z0-9]([-a-zA-Z0-9._]{0,61}[a-zA-Z0-9])?$/;
/** A snapshot handle as the bucket may give it: printable, without spaces, bounded (CSI ids are short). */
const handlePattern = /^[\x21-\x7e]{1,1024}$/;

const str = (value: unknown, max = 4096): string | undefined =>
  typeof value === 'string' && value !== '' && value.length <= max ? value : undefined;
const at = (object: unknown, ...keys: string[]): unknown =>
  keys.reduce<unknown>((value, key) => asRecord(value)?.[key], object);

/** The claims restored from snapshots, and the PVs not restored because they were snapshotted. */
export function findVolumeSources(input: {
  /** Every object read from the tarball (the records are found here, whatever the filters chose). */
  all: readonly Item[];
  /** The PVC items the restore creates. */
  claims: readonly Item[];
  volumeInfo: readonly VolumeInfo[] | undefined;
  restoreName: string;
  namespaceMapping: ReadonlyMap<string, string>;
  storageClassMapping: ReadonlyMap<string, string>;
}): VolumeSources {
  const records = new Map<string, KubeJson>();
  for (const item of input.all) {
    if (!item.object) continue;
    if (item.groupResource === volumeSnapshotResource || item.groupResource === volumeSnapshotContentResource)
      records.set(`${item.groupResource}/${item.namespace ?? ''}/${item.name}`, item.object);
  }
  const infoByVolume = new Map<string, VolumeInfo>();
  const infoByClaim = new Map<string, VolumeInfo>();
  const snapshottedVolumes = new Map<string, string>();
  for (const entry of input.volumeInfo ?? []) {
    if (entry.pvcNamespace && entry.pvcName) infoByClaim.set(`${entry.pvcNamespace}/${entry.pvcName}`, entry);
    if (!entry.pvName) continue;
    infoByVolume.set(entry.pvName, entry);
    if (entry.backupMethod === 'CSISnapshot')
      snapshottedVolumes.set(
        entry.pvName,
        movedDataOf(entry)
          ? "its data was moved to the location's volume repository: its claim is restored from there into a new volume"
          : 'snapshotted (CSI): its claim is restored from the snapshot and its storage class provisions a new volume',
      );
  }

  const claims = new Map<string, SnapshotVolume>();
  for (const item of input.claims) {
    const pvc = item.object;
    if (!pvc || item.namespace === undefined) continue;
    const spec = asRecord(pvc.spec);
    const pvName = str(spec?.volumeName, 253);
    const info =
      (pvName ? infoByVolume.get(pvName) : undefined) ?? infoByClaim.get(`${item.namespace}/${item.name}`);
    const moved = movedDataOf(info);
    // The backup kept the CSI snapshot beside the copy (keepVolumeSnapshots): the volume info says so.
    const keptHandle = info?.preserveLocalSnapshot ? str(info.csiSnapshotInfo?.snapshotHandle) : undefined;
    const vsName =
      str(asRecord(pvc.metadata.annotations)?.[veleroSnapshot.volumeSnapshotName], 253) ??
      (moved ? '' : undefined);
    if (vsName === undefined) continue;
    const namespace = input.namespaceMapping.get(item.namespace) ?? item.namespace;
    const snapshot = records.get(`${volumeSnapshotResource}/${item.namespace}/${vsName}`);
    const contentName = str(at(snapshot, 'status', 'boundVolumeSnapshotContentName'), 253);
    const content = contentName ? records.get(`${volumeSnapshotContentResource}//${contentName}`) : undefined;
    const annotations = asRecord(snapshot?.metadata.annotations);
    const handle =
      str(at(content, 'status', 'snapshotHandle')) ??
      str(annotations?.[veleroSnapshot.handle]) ??
      str(info?.csiSnapshotInfo?.snapshotHandle);
    const driver =
      str(at(content, 'spec', 'driver'), 253) ??
      str(annotations?.[veleroSnapshot.driver], 253) ??
      str(info?.csiSnapshotInfo?.driver, 253);
    const infoBytes = info?.csiSnapshotInfo?.size;
    const restoreSize =
      str(at(snapshot, 'status', 'restoreSize'), 64) ??
      str(annotations?.[veleroSnapshot.restoreSize], 64) ??
      (infoBytes ? String(infoBytes) : undefined);
    const className = typeof spec?.storageClassName === 'string' ? spec.storageClassName : undefined;
    const mapped = className !== undefined ? input.storageClassMapping.get(className) : undefined;
    const volume: SnapshotVolume = {
      sourceNamespace: item.namespace,
      namespace,
      pvc: item.name,
      volumeSnapshot: vsName,
      sourceName: restoreSourceName(input.restoreName, namespace, vsName),
    };
    if (contentName) volume.volumeSnapshotContent = contentName;
    const snapshotClass =
      str(at(snapshot, 'spec', 'volumeSnapshotClassName'), 253) ??
      str(at(content, 'spec', 'volumeSnapshotClassName'), 253);
    if (snapshotClass) volume.snapshotClass = snapshotClass;
    if (pvName) {
      volume.persistentVolume = pvName;
      snapshottedVolumes.set(
        pvName,
        moved && keptHandle
          ? `its snapshot was kept and its data copied to the location's volume repository: its claim ${item.namespace}/${item.name} is restored into a new volume from the one the target can use`
          : moved
            ? `its data was moved to the location's volume repository: its claim ${item.namespace}/${item.name} is restored from there into a new volume`
            : `snapshotted (CSI): its claim ${item.namespace}/${item.name} is restored from the snapshot and its storage class provisions a new volume`,
      );
    }
    const requested = str(at(spec, 'resources', 'requests', 'storage'), 64);
    const claimName = `${item.namespace}/${item.name}`;
    if (moved && keptHandle) {
      // Both kept: the restore uses the snapshot where it is usable, else the copy (volume-choice.ts).
      volume.copy = moved;
      volume.kept = keptSnapshot(claimName, moved, {
        handle: handle ?? keptHandle,
        driver: driver ?? str(info?.csiSnapshotInfo?.driver, 253),
        mode: str(at(content, 'spec', 'sourceVolumeMode'), 64),
        content: contentName ?? str(info?.csiSnapshotInfo?.vscName, 253),
        contentUid: str(at(content, 'metadata', 'uid'), 128),
        snapshotSize: larger(requested, restoreSize) ?? requested ?? restoreSize,
        copySize: requested,
      });
    } else if (moved) {
      // Moved data is the portable copy: the claim is filled from it.
      volume.moved = moved;
      const problem = movedDataProblem(moved, claimName);
      if (problem) volume.problem = problem;
    } else if (handle && driver && (!driverPattern.test(driver) || !handlePattern.test(handle)))
      volume.problem = `the backup records a snapshot of the claim ${item.namespace}/${item.name} with an invalid ${driverPattern.test(driver) ? `handle ${quoted(handle)}` : `CSI driver name ${quoted(driver)}`}: the claim cannot be restored with its data`;
    else if (handle && driver) {
      volume.source = { driver, snapshotHandle: handle };
      const mode = str(at(content, 'spec', 'sourceVolumeMode'), 64);
      if (mode) volume.source.sourceVolumeMode = mode;
    } else
      volume.problem = `the backup records no ${handle ? 'CSI driver' : 'snapshot handle'} for the VolumeSnapshot ${quoted(vsName)} of the claim ${item.namespace}/${item.name} (its VolumeSnapshot and VolumeSnapshotContent items are missing or incomplete): the claim cannot be restored with its data`;
    if (restoreSize) volume.restoreSize = restoreSize;
    // A moved claim gets the size of the original claim (its files fit there); a snapshot's needs its size.
    volume.size =
      (volume.moved ? requested : larger(requested, restoreSize)) ?? requested ?? restoreSize ?? '';
    if (!volume.size) delete volume.size;
    if (className !== undefined) volume.storageClass = mapped ?? className;
    if (mapped !== undefined && className !== undefined) volume.storageClassMappedFrom = className;
    claims.set(`${item.namespace}/${item.name}`, volume);
  }
  return { claims, snapshottedVolumes };
}

/** The kept snapshot of a claim whose data was copied too, from what the backup records of both. */
function keptSnapshot(
  claim: string,
  copy: MovedData,
  recorded: {
    handle: string;
    driver: string | undefined;
    mode: string | undefined;
    content: string | undefined;
    contentUid: string | undefined;
    snapshotSize: string | undefined;
    copySize: string | undefined;
  },
): KeptSnapshot {
  const { handle, driver } = recorded;
  const kept: KeptSnapshot = { source: { driver: driver ?? '', snapshotHandle: handle } };
  if (recorded.mode) kept.source.sourceVolumeMode = recorded.mode;
  if (recorded.content) kept.content = recorded.content;
  if (recorded.contentUid) kept.contentUid = recorded.contentUid;
  if (recorded.snapshotSize) kept.snapshotSize = recorded.snapshotSize;
  if (recorded.copySize) kept.copySize = recorded.copySize;
  const copyProblem = movedDataProblem(copy, claim);
  if (copyProblem) kept.copyProblem = copyProblem;
  if (!driver) kept.problem = `the backup records no CSI driver for the kept snapshot of the claim ${claim}`;
  else if (!driverPattern.test(driver) || !handlePattern.test(handle))
    kept.problem = `the backup records the kept snapshot of the claim ${claim} with an invalid ${driverPattern.test(driver) ? `handle ${quoted(handle)}` : `CSI driver name ${quoted(driver)}`}`;
  return kept;
}

/** The larger of two quantities, when both can be read. */
function larger(a: string | undefined, b: string | undefined): string | undefined {
  const [x, y] = [quantityBytes(a), quantityBytes(b)];
  if (x === undefined || y === undefined) return undefined;
  return y > x ? b : a;
}

/** Why a VolumeSnapshot or VolumeSnapshotContent item of the backup is not restored as it is. */
export function snapshotRecordSkip(
  groupResource: string,
  namespace: string | undefined,
  name: string,
  claims: ReadonlyMap<string, SnapshotVolume>,
): string | undefined {
  if (groupResource === volumeSnapshotClassResource) return movedClassSkip(name, claims);
  if (groupResource === volumeSnapshotContentResource) {
    for (const volume of claims.values())
      if (hasCopy(volume) && volume.volumeSnapshotContent === name) return movedRecordSkip(volume);
    return "the backup's record of a snapshot: a restore makes its own content for the snapshot, and removes it once the claim is Bound";
  }
  if (groupResource !== volumeSnapshotResource) return undefined;
  for (const volume of claims.values())
    if (volume.sourceNamespace === namespace && volume.volumeSnapshot === name)
      return hasCopy(volume)
        ? movedRecordSkip(volume)
        : `the backup's record of the snapshot of the claim ${volume.sourceNamespace}/${volume.pvc}: not recreated; a claim made from this snapshot points at a VolumeSnapshot of its own (${volume.sourceName}), made for this restore and removed once the claim is Bound`;
  return 'a VolumeSnapshot of the source cluster: its snapshot is restored only as the data of a claim that points at it';
}

/** Whether the claim's data is in the location's repository (restored from there, or kept as the fallback). */
const hasCopy = (volume: SnapshotVolume): boolean => volume.moved !== undefined || volume.copy !== undefined;

function movedRecordSkip(volume: SnapshotVolume): string {
  const claim = `${volume.sourceNamespace}/${volume.pvc}`;
  if (volume.kept)
    return `the backup's record of the kept snapshot of the claim ${claim}: not needed, the claim is restored from that snapshot (through a VolumeSnapshot made for this restore) where the target holds it, else from the location's volume repository`;
  return `the backup's record of the snapshot of the claim ${claim}, whose data is restored from the location's volume repository: not needed`;
}

/**
 * A VolumeSnapshotClass only the snapshots of moved claims used is not needed (and a copy marked as its
 * driver's default could give the target two); one any other restored claim's snapshot uses is kept.
 */
function movedClassSkip(name: string, claims: ReadonlyMap<string, SnapshotVolume>): string | undefined {
  const users = [...claims.values()].filter((volume) => volume.snapshotClass === name);
  // A kept snapshot is used only in the cluster that holds it, which has its class already.
  if (users.length === 0 || users.some((volume) => !hasCopy(volume))) return undefined;
  const names = users.map((volume) => `${volume.sourceNamespace}/${volume.pvc}`);
  return `the class of the snapshots of ${names.length === 1 ? 'the claim' : 'the claims'} ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''}, whose data is restored from the location's volume repository: not needed`;
}

/**
 * Points a sanitized claim at the VolumeSnapshot made for it, as Velero's restore does: `dataSource` names
 * it, `volumeName` and `dataSourceRef` go (the provisioner makes a new volume), the request is raised to the
 * snapshot's restore size, and the annotations that tied it to the backup's snapshot and provisioner go.
 */
export function pointClaimAtSource(pvc: KubeJson, volume: SnapshotVolume): void {
  // Its kept snapshot may yet give way to the copy: the restore then rewrites this claim (volume-choice.ts).
  if (volume.kept) volume.claim = pvc;
  const spec = asRecord(pvc.spec) ?? {};
  pvc.spec = spec;
  delete spec.volumeName;
  delete spec.dataSourceRef;
  spec.dataSource = { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: volume.sourceName };
  if (volume.size) {
    const resources = asRecord(spec.resources) ?? {};
    const requests = asRecord(resources.requests) ?? {};
    requests.storage = volume.size;
    resources.requests = requests;
    spec.resources = resources;
  }
  const metadata = pvc.metadata;
  for (const field of ['annotations', 'labels'] as const) {
    const map = asRecord(metadata[field]);
    if (!map) continue;
    delete map[veleroSnapshot.volumeSnapshotName];
    if (field === 'annotations') {
      delete map['volume.kubernetes.io/storage-provisioner'];
      delete map['volume.beta.kubernetes.io/storage-provisioner'];
    }
    if (Object.keys(map).length === 0) delete metadata[field];
  }
}
