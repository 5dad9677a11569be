/**
 * Which source a claim comes back from when its backup kept both its CSI snapshot and a copy of its data in
 * the location's volume repository (keepVolumeSnapshots): the snapshot where the target can use it — no
 * mover pod, no download — else the copy, which goes to any cluster and driver.
 *
 * A snapshot handle means something only to the storage that made it, so the snapshot is usable only in the
 * cluster that holds it. That cluster is known by the backup's VolumeSnapshotContent of the snapshot (kept,
 * Retain, until the backup is deleted): the backup records the object's name and uid, and a uid is unique to
 * the cluster that made the object. The target holds the snapshot when it has a content of that name with
 * that uid, the same driver and handle, ready to use and not being deleted. It must also have a
 * VolumeSnapshotClass for the driver and make the claim in a class of that driver (volume-checks.ts).
 *
 * The dry run and the restore decide with this rule from the same facts, read from the target, and say
 * which source each claim uses and why. A snapshot that fails at restore time (deleted since, not ready in
 * time) gives way to the copy for that claim, with a warning naming it: a volume whose data was copied never
 * comes back empty for want of its snapshot.
 */
import { describeError, KubeApiError, type KubeClient, KubeConnectionError } from '../kube/index.ts';
import { listStorageClasses, type StorageClassInfo, snapshotClassesByDriver } from '../volumes/index.ts';
import { clearClaimSource, shortSnapshotId } from './moved-volumes.ts';
import { asRecord } from './sanitize.ts';
import { dataMoverHint, targetProblem } from './volume-checks.ts';
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

/** The source of a claim whose backup kept both, given what the target has. Decides; changes nothing. */
export function chooseSource(volume: SnapshotVolume, target: TargetSnapshots): VolumeChoice {
  const { kept } = volume;
  if (!kept) return copyChoice('the backup kept no snapshot of it');
  if (kept.problem) return copyChoice(kept.problem);
  const { driver, snapshotHandle } = kept.source;
  const name = kept.content;
  if (!name || !kept.contentUid)
    return copyChoice(
      'the backup does not record its VolumeSnapshotContent, so the cluster that holds the snapshot cannot be told',
    );
  const live = target.contents.get(name) ?? { state: 'absent' };
  const content = `the target's VolumeSnapshotContent ${name}`;
  if (live.state === 'absent')
    return copyChoice(
      `the target has no VolumeSnapshotContent ${name}: the snapshot is usable only in the cluster that took it (or it was deleted since)`,
    );
  if (live.state === 'unreadable') return copyChoice(`${content} could not be read (${live.reason})`);
  if (live.uid !== kept.contentUid)
    return copyChoice(
      `${content} is not the backup's (uid ${live.uid ?? 'none'}, not ${kept.contentUid}): the target is not the cluster that holds the snapshot`,
    );
  if (live.driver !== driver || live.snapshotHandle !== snapshotHandle)
    return copyChoice(`${content} no longer holds the snapshot ${snapshotHandle} of driver ${driver}`);
  if (live.deleting) return copyChoice(`${content} is being deleted`);
  if (!live.readyToUse) return copyChoice(`${content} is not ready to use`);
  if (target.classesUnreadable)
    return copyChoice(`the target's VolumeSnapshotClasses could not be read (${target.classesUnreadable})`);
  if (!target.classDrivers.has(driver))
    return copyChoice(`the target has no VolumeSnapshotClass for the CSI driver ${driver}`);
  const { problem, storageClass } = targetProblem({ ...volume, source: kept.source }, target.storageClasses);
  if (problem) return copyChoice(problem.replace(`; ${dataMoverHint}`, ''));
  const copy = volume.copy ? ` (snapshot ${shortSnapshotId(volume.copy.snapshotId)})` : '';
  return {
    source: 'snapshot',
    reason: `made from the CSI snapshot the backup kept (${snapshotHandle}, driver ${driver}) in the storage class ${storageClass?.name ?? 'default'}, with no mover pod: the target holds it (its VolumeSnapshotContent ${name} is the backup's own, ready to use); the copy in the location's volume repository${copy} is used should the snapshot fail`,
  };
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
 * the volume and its claim say so. Reads the target (the storage classes when not given); writes nothing.
 *
 * @returns the volumes it chose for.
 */
export async function chooseVolumeSources(
  kube: KubeClient,
  volumes: readonly SnapshotVolume[],
  storageClasses?: readonly StorageClassInfo[],
): Promise<SnapshotVolume[]> {
  const open = volumes.filter((volume) => volume.kept && !volume.choice);
  if (open.length === 0) return [];
  const target = await readTargetSnapshots(kube, open, storageClasses ?? (await listStorageClasses(kube)));
  for (const volume of open) applyChoice(volume, chooseSource(volume, target));
  return open;
}

/**
 * Turns a claim whose kept snapshot failed at restore time to its copy, and returns the warning that names
 * it; undefined when the claim has no copy (then it fails as a snapshot claim does).
 */
export function fallBackToCopy(volume: SnapshotVolume, why: string): string | undefined {
  if (!volume.copy || !volume.kept) return undefined;
  applyChoice(volume, copyChoice(`it could not be used at restore time: ${why}`));
  return `the claim ${volume.namespace}/${volume.pvc} is restored from the copy of its data in the location's volume repository (snapshot ${shortSnapshotId(volume.copy.snapshotId)}), not from the CSI snapshot the backup kept, which could not be used: ${why}`;
}
