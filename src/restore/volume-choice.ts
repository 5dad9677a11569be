/**
 * Which source a claim comes back from when its backup kept both its CSI snapshot and a copy of its data in
 * the location's volume repository (keepVolumeSnapshots), and which claims a restore's volume source leaves
 * out. By default (`auto`) the snapshot where the target can use it — no mover pod, no download — else the
 * copy, which goes to any cluster and driver.
 *
 * A snapshot handle means something only to the storage that made it, so the snapshot is usable only in the
 * cluster that holds it. That cluster is known by the backup's VolumeSnapshotContent of the snapshot (kept,
 * Retain, until the backup is deleted): the backup records the object's name and uid, and a uid is unique to
 * the cluster that made the object. The target holds the snapshot when it has a content of that name with
 * that uid, the same driver and handle, ready to use and not being deleted. It must also have a
 * VolumeSnapshotClass for the driver and make the claim in a class of that driver (volume-checks.ts).
 *
 * A restore may be asked for one source (`RestoreRequest.volumeSource`):
 * - `copy`: copies only, never a CSI snapshot (to prove that the copies restore, or to keep the load off the
 *   storage array). A claim with both is filled from its copy, even where its snapshot is usable; a claim
 *   with only a CSI snapshot (a backup without the data mover) fails, named, with the reason.
 * - `snapshot`: CSI snapshots only, never a copy. A claim with both is made from its kept snapshot where the
 *   target can use it; where it cannot, the claim fails with the reason the rule gives — it is not filled
 *   from the copy, and no empty claim is made — and a snapshot that fails at restore time fails the claim
 *   too. A claim with only a CSI snapshot is made from it as always; a claim with only a copy fails, named.
 * A claim whose one source the mode allows uses it as it would under `auto`. A failed claim is not created;
 * the restore goes on (PartiallyFailed), and the dry run shows the same verdict and reason first.
 *
 * The dry run and the restore decide with this rule from the same facts, read from the target, and say
 * which source each claim uses and why. Under `auto`, a snapshot that fails at restore time (deleted since,
 * not ready in time) gives way to the copy for that claim, with a warning naming it: a volume whose data was
 * copied never comes back empty for want of its snapshot.
 */
import { describeError, KubeApiError, type KubeClient, KubeConnectionError } from '../kube/index.ts';
import { listStorageClasses, type StorageClassInfo, snapshotClassesByDriver } from '../volumes/index.ts';
import { clearClaimSource, shortSnapshotId } from './moved-volumes.ts';
import { asRecord } from './sanitize.ts';
import { dataMoverHint, targetProblem } from './volume-checks.ts';
import type { VolumeSourceMode } from './volume-source-modes.ts';
import { pointClaimAtSource, type SnapshotVolume, type VolumeChoice } from './volume-sources.ts';

/** A VolumeSnapshotContent of the target, as far as the choice needs it. */
export type LiveContent =
  | { state: 'absent' }
  | { state: 'unreadable'; reason: string }
  | {
      state: 'present';
      uid?: string;
      driver?: string;
      snapshotHandle?: string;
      readyToUse: boolean;
      deleting: boolean;
    };

/** What the target has of the kept snapshots: read once per dry run or restore. */
export interface TargetSnapshots {
  /** By name: the target's VolumeSnapshotContent of each kept snapshot the backup records. */
  contents: ReadonlyMap<string, LiveContent>;
  /** CSI drivers the target has a VolumeSnapshotClass for. */
  classDrivers: ReadonlySet<string>;
  /** Why the target's VolumeSnapshotClasses could not be read (then no kept snapshot is used). */
  classesUnreadable?: string;
  storageClasses: readonly StorageClassInfo[];
}

const copyChoice = (why: string): VolumeChoice => ({
  source: 'copy',
  reason: `not from the CSI snapshot the backup kept: ${why}`,
});

/** How the restore's request names each mode, in its reasons. */
const asked = (mode: VolumeSourceMode) => `the restore was asked for volume source "${mode}"`;

/**
 * The source of a claim whose backup kept both, given what the target has and the restore's volume source
 * (the rule is in this file's introduction). Decides; changes nothing.
 *
 * - `auto`: the kept snapshot where the target can use it, else the copy (the reason says why not the
 *   snapshot); a snapshot that fails at restore time gives way to the copy.
 * - `copy`: the copy, whatever the target has (`asked`).
 * - `snapshot`: the kept snapshot (`asked`: it never gives way to the copy); where the target cannot use it,
 *   `problem` says why and names the claim, which then fails rather than being filled from the copy.
 */
export function chooseSource(
  volume: SnapshotVolume,
  target: TargetSnapshots,
  mode: VolumeSourceMode = 'auto',
): VolumeChoice {
  if (mode === 'copy') return { ...copyChoice(`${asked('copy')}, so only its copy is used`), asked: true };
  const use = keptSnapshotUse(volume, target);
  if ('why' in use) return mode === 'auto' ? copyChoice(use.why) : snapshotRefused(volume, use.why);
  const { driver, snapshotHandle } = use.kept.source;
  const made = `made from the CSI snapshot the backup kept (${snapshotHandle}, driver ${driver}) in the storage class ${use.storageClass}, with no mover pod: the target holds it (its VolumeSnapshotContent ${use.content} is the backup's own, ready to use)`;
  if (mode === 'snapshot')
    return {
      source: 'snapshot',
      reason: `${made}; ${asked('snapshot')}, so the copy in the location's volume repository is not used, even should the snapshot fail`,
      asked: true,
    };
  const copy = volume.copy ? ` (snapshot ${shortSnapshotId(volume.copy.snapshotId)})` : '';
  return {
    source: 'snapshot',
    reason: `${made}; the copy in the location's volume repository${copy} is used should the snapshot fail`,
  };
}

/** The kept snapshot asked for cannot be used: the claim fails, named, and is not filled from the copy. */
function snapshotRefused(volume: SnapshotVolume, why: string): VolumeChoice {
  const claim = `${volume.namespace}/${volume.pvc}`;
  const handle = volume.kept ? ` ${volume.kept.source.snapshotHandle}` : '';
  return {
    source: 'snapshot',
    reason: `from the CSI snapshot the backup kept only, as ${asked('snapshot')}; it cannot be used: ${why}`,
    asked: true,
    problem: `the claim ${claim} is not restored: ${asked('snapshot')} (CSI snapshots only), and the snapshot${handle} the backup kept of it cannot be used here: ${why}; restore it with volume source "auto" or "copy" to fill it from the copy of its data in the location's volume repository`,
  };
}

/** Whether the target can use the kept snapshot of `volume`: why not, or the facts the choice names. */
function keptSnapshotUse(
  volume: SnapshotVolume,
  target: TargetSnapshots,
): { why: string } | { kept: NonNullable<SnapshotVolume['kept']>; content: string; storageClass: string } {
  const { kept } = volume;
  if (!kept) return { why: 'the backup kept no snapshot of it' };
  if (kept.problem) return { why: kept.problem };
  const { driver, snapshotHandle } = kept.source;
  const name = kept.content;
  if (!name || !kept.contentUid)
    return {
      why: 'the backup does not record its VolumeSnapshotContent, so the cluster that holds the snapshot cannot be told',
    };
  const live = target.contents.get(name) ?? { state: 'absent' };
  const content = `the target's VolumeSnapshotContent ${name}`;
  if (live.state === 'absent')
    return {
      why: `the target has no VolumeSnapshotContent ${name}: the snapshot is usable only in the cluster that took it (or it was deleted since)`,
    };
  if (live.state === 'unreadable') return { why: `${content} could not be read (${live.reason})` };
  if (live.uid !== kept.contentUid)
    return {
      why: `${content} is not the backup's (uid ${live.uid ?? 'none'}, not ${kept.contentUid}): the target is not the cluster that holds the snapshot`,
    };
  if (live.driver !== driver || live.snapshotHandle !== snapshotHandle)
    return { why: `${content} no longer holds the snapshot ${snapshotHandle} of driver ${driver}` };
  if (live.deleting) return { why: `${content} is being deleted` };
  if (!live.readyToUse) return { why: `${content} is not ready to use` };
  if (target.classesUnreadable)
    return { why: `the target's VolumeSnapshotClasses could not be read (${target.classesUnreadable})` };
  if (!target.classDrivers.has(driver))
    return { why: `the target has no VolumeSnapshotClass for the CSI driver ${driver}` };
  const { problem, storageClass } = targetProblem({ ...volume, source: kept.source }, target.storageClasses);
  if (problem) return { why: problem.replace(`; ${dataMoverHint}`, '') };
  return { kept, content: name, storageClass: storageClass?.name ?? 'default' };
}

/**
 * Why a claim with a single source is not restored under `mode`: its one source is the kind the restore was
 * asked not to use (a copy under `snapshot`, a CSI snapshot under `copy`); undefined when it is restored.
 */
export function excludedSource(volume: SnapshotVolume, mode: VolumeSourceMode): string | undefined {
  if (volume.kept || mode === 'auto') return undefined;
  const claim = `${volume.namespace}/${volume.pvc}`;
  if (mode === 'snapshot' && volume.moved)
    return `the claim ${claim} is not restored: ${asked('snapshot')} (CSI snapshots only), and the backup kept no CSI snapshot of it, only the copy of its data in the location's volume repository (snapshot ${shortSnapshotId(volume.moved.snapshotId)}); restore it with volume source "auto" or "copy" to fill it from that copy`;
  if (mode === 'copy' && !volume.moved) {
    const handle = volume.source ? ` (${volume.source.snapshotHandle}, driver ${volume.source.driver})` : '';
    return `the claim ${claim} is not restored: ${asked('copy')} (copies in the location's volume repository only), and the backup has no copy of its data, only its CSI snapshot${handle}; restore it with volume source "auto" or "snapshot" to make it from that snapshot`;
  }
  return undefined;
}

/**
 * Makes the volume and its claim what `choice` says: made from the kept snapshot (a `source`, the claim
 * pointed at it, the snapshot's size) or filled from the copy (`moved`, the claim made empty, its own size).
 */
export function applyChoice(volume: SnapshotVolume, choice: VolumeChoice): void {
  const { kept } = volume;
  if (!kept) return;
  volume.choice = choice;
  if (choice.source === 'snapshot') {
    volume.source = { ...kept.source };
    delete volume.moved;
    delete volume.problem;
    if (kept.snapshotSize) volume.size = kept.snapshotSize;
    if (volume.claim) pointClaimAtSource(volume.claim, volume);
    if (choice.problem) volume.problem = choice.problem;
    return;
  }
  delete volume.source;
  if (volume.copy) volume.moved = volume.copy;
  if (kept.copyProblem) volume.problem = kept.copyProblem;
  if (kept.copySize) volume.size = kept.copySize;
  else delete volume.size;
  if (volume.claim) clearClaimSource(volume.claim, volume.size);
}

/** Reads what the target has of the kept snapshots of `volumes` (their contents and the snapshot classes). */
export async function readTargetSnapshots(
  kube: KubeClient,
  volumes: readonly SnapshotVolume[],
  storageClasses: readonly StorageClassInfo[],
): Promise<TargetSnapshots> {
  const contents = new Map<string, LiveContent>();
  for (const volume of volumes) {
    const name = volume.kept?.content;
    if (name && !contents.has(name)) contents.set(name, await readContent(kube, name));
  }
  const target: TargetSnapshots = { contents, classDrivers: new Set(), storageClasses };
  try {
    target.classDrivers = new Set((await snapshotClassesByDriver(kube)).keys());
  } catch (error) {
    if (error instanceof KubeConnectionError) throw error;
    // No snapshot API: no class, and no kept snapshot is usable.
    if (!(error instanceof KubeApiError && error.status === 404))
      target.classesUnreadable = describeError(error);
  }
  return target;
}

async function readContent(kube: KubeClient, name: string): Promise<LiveContent> {
  try {
    const path = `/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents/${encodeURIComponent(name)}`;
    const object = asRecord(JSON.parse((await kube.request({ method: 'GET', path })).body.toString()));
    const metadata = asRecord(object?.metadata);
    const spec = asRecord(object?.spec);
    const status = asRecord(object?.status);
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
    const live: LiveContent = {
      state: 'present',
      readyToUse: status?.readyToUse === true,
      deleting: metadata?.deletionTimestamp !== undefined,
    };
    const uid = text(metadata?.uid);
    const driver = text(spec?.driver);
    const handle = text(status?.snapshotHandle);
    if (uid) live.uid = uid;
    if (driver) live.driver = driver;
    if (handle) live.snapshotHandle = handle;
    return live;
  } catch (error) {
    if (error instanceof KubeConnectionError) throw error;
    if (error instanceof KubeApiError && error.status === 404) return { state: 'absent' };
    return { state: 'unreadable', reason: describeError(error) };
  }
}

/**
 * Chooses the source of every claim of `volumes` whose backup kept both and that has none yet, and makes
 * the volume and its claim say so; under a `mode` other than `auto`, also fails (`problem`) each claim whose
 * one source the mode excludes. Reads the target (the storage classes when not given; nothing under `copy`);
 * writes nothing.
 *
 * @returns the volumes it chose for.
 */
export async function chooseVolumeSources(
  kube: KubeClient,
  volumes: readonly SnapshotVolume[],
  storageClasses?: readonly StorageClassInfo[],
  mode: VolumeSourceMode = 'auto',
): Promise<SnapshotVolume[]> {
  for (const volume of volumes) {
    const excluded = excludedSource(volume, mode);
    if (excluded) volume.problem = excluded;
  }
  const open = volumes.filter((volume) => volume.kept && !volume.choice);
  if (open.length === 0) return [];
  // Under `copy` the target's snapshots do not matter: nothing is read.
  const target: TargetSnapshots =
    mode === 'copy'
      ? { contents: new Map(), classDrivers: new Set(), storageClasses: [] }
      : await readTargetSnapshots(kube, open, storageClasses ?? (await listStorageClasses(kube)));
  for (const volume of open) applyChoice(volume, chooseSource(volume, target, mode));
  return open;
}

/**
 * What becomes of a claim whose kept snapshot failed at restore time: under `auto`, it turns to its copy
 * and `warning` names it; when the restore was asked for the snapshot, `reason` is why it fails (the failure
 * and that the copy is not used). Undefined when the claim has no copy, or already fails for its choice
 * (then it fails with `why`, as a snapshot claim does).
 */
export function fallBackToCopy(
  volume: SnapshotVolume,
  why: string,
): { warning: string } | { reason: string } | undefined {
  if (!volume.copy || !volume.kept || volume.choice?.problem) return undefined;
  if (volume.choice?.asked)
    return {
      reason: `${why}; ${asked('snapshot')}, so the claim is not filled from the copy of its data in the location's volume repository`,
    };
  applyChoice(volume, copyChoice(`it could not be used at restore time: ${why}`));
  return {
    warning: `the claim ${volume.namespace}/${volume.pvc} is restored from the copy of its data in the location's volume repository (snapshot ${shortSnapshotId(volume.copy.snapshotId)}), not from the CSI snapshot the backup kept, which could not be used: ${why}`,
  };
}
