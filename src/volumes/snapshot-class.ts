/** Choosing the VolumeSnapshotClass of a CSI driver, the way Velero's CSI support chooses it. */
import { type KubeClient, type KubeObject, listPages } from '../kube/index.ts';
import { lifeboatClassLabel, SnapshotClassError, veleroClassLabel } from './errors.ts';
import { volumeSnapshotClassResource } from './resources.ts';

const defaultClassAnnotation = 'snapshot.storage.kubernetes.io/is-default-class';

/**
 * The VolumeSnapshotClass to snapshot a CSI driver's volumes with: among the driver's classes, the one
 * labelled `velero.io/csi-volumesnapshot-class` or `lifeboat.io/csi-volumesnapshot-class` (any value but
 * `false`, as Velero reads the label by its presence), else the
 * one annotated `snapshot.storage.kubernetes.io/is-default-class: "true"`, else the only one.
 *
 * @returns the class as read (raw JSON).
 * @throws SnapshotClassError naming the driver and what to create or label when none can be chosen.
 */
export async function snapshotClassFor(kube: KubeClient, driver: string): Promise<KubeObject> {
  const classes: KubeObject[] = [];
  for await (const page of listPages(kube, volumeSnapshotClassResource))
    for (const item of page.items) {
      const object = item.object;
      if (object.driver === driver) classes.push(object);
    }
  return chooseSnapshotClass(driver, classes);
}

/** The names of the cluster's VolumeSnapshotClasses, by CSI driver. */
export async function snapshotClassesByDriver(kube: KubeClient): Promise<Map<string, string[]>> {
  const byDriver = new Map<string, string[]>();
  for await (const page of listPages(kube, volumeSnapshotClassResource))
    for (const item of page.items) {
      const driver = item.object.driver;
      if (typeof driver !== 'string') continue;
      byDriver.set(driver, [...(byDriver.get(driver) ?? []), item.object.metadata.name]);
    }
  return byDriver;
}

/** The choice of `snapshotClassFor` among a driver's classes (exported for the restore side and tests). */
export function chooseSnapshotClass(driver: string, classes: readonly KubeObject[]): KubeObject {
  const names = classes.map((object) => object.metadata.name).sort();
  const labelled = classes.filter((object) => {
    const labels = object.metadata.labels ?? {};
    // Velero looks at the label's presence only; a value of "false" is taken at its word here.
    return [veleroClassLabel, lifeboatClassLabel].some(
      (key) => labels[key] !== undefined && labels[key] !== 'false',
    );
  });
  if (labelled.length === 1) return labelled[0] as KubeObject;
  if (labelled.length > 1)
    throw new SnapshotClassError(
      driver,
      labelled.map((object) => object.metadata.name),
      'labelled',
    );
  const defaults = classes.filter(
    (object) => object.metadata.annotations?.[defaultClassAnnotation] === 'true',
  );
  if (defaults.length === 1) return defaults[0] as KubeObject;
  if (classes.length === 1) return classes[0] as KubeObject;
  throw new SnapshotClassError(driver, names, classes.length === 0 ? 'none' : 'ambiguous');
}
