/**
 * VolumeSnapshotClasses of a backup, restored only where the target has no class for their CSI driver.
 * A target's own class was set up for its driver and secrets, and a restore of snapshots uses it; the
 * backup's copy, usually annotated as its driver's default, would give the driver two default classes in
 * the target, and from then on every VolumeSnapshot there that names no class fails ("2 default snapshot
 * classes were found"). Velero restores such a copy; Lifeboat leaves the target's classes as they are.
 */
import type { KubeClient } from '../kube/index.ts';
import { snapshotClassesByDriver } from '../volumes/index.ts';
import type { PreparedItem } from './prepared.ts';
import { volumeSnapshotClassResource } from './volume-sources.ts';

/** Why a class of the backup is skipped when the target has classes `names` for its driver. */
export function targetHasClassReason(driver: string, names: readonly string[]): string {
  return `the target has its own VolumeSnapshotClass for the CSI driver ${driver} (${names.join(', ')}): restores of snapshots use it, and a second class could make two defaults`;
}

/**
 * Marks as skipped each VolumeSnapshotClass of `items` whose driver has a class of another name in the
 * target (a class of the same name is compared as any object is). Reads the target's classes only when the
 * backup holds one.
 */
export async function skipClassesTheTargetHas(kube: KubeClient, items: PreparedItem[]): Promise<void> {
  const classes = items.filter((item) => item.groupResource === volumeSnapshotClassResource && item.object);
  if (classes.length === 0) return;
  const byDriver = await snapshotClassesByDriver(kube);
  for (const item of classes) {
    const driver = item.object?.driver;
    if (typeof driver !== 'string') continue;
    const names = byDriver.get(driver) ?? [];
    if (names.length === 0 || names.includes(item.name)) continue;
    item.skip = targetHasClassReason(driver, names);
    delete item.object;
  }
}
