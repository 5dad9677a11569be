/** Errors of volume snapshots. Callers branch on the class and its fields, never on message text. */

/** Label Velero puts on the VolumeSnapshotClass to use for a driver when it has several. */
export const veleroClassLabel = 'velero.io/csi-volumesnapshot-class';
/** Lifeboat's own label with the same meaning. */
export const lifeboatClassLabel = 'lifeboat.io/csi-volumesnapshot-class';

/**
 * No VolumeSnapshotClass can be chosen for a CSI driver: none exists for it, or several do and none (or more
 * than one) is labelled or marked default. The message says what to create or label.
 */
export class SnapshotClassError extends Error {
  override readonly name = 'SnapshotClassError';
  /** The CSI driver, for example `ebs.csi.aws.com`. */
  readonly driver: string;
  /** The classes of that driver that were found (empty when none). */
  readonly candidates: readonly string[];

  constructor(driver: string, candidates: readonly string[], problem: 'none' | 'ambiguous' | 'labelled') {
    const listed = candidates.map((name) => JSON.stringify(name)).join(', ');
    const label = `${veleroClassLabel}=true (or ${lifeboatClassLabel}=true)`;
    super(
      problem === 'none'
        ? `no VolumeSnapshotClass for the CSI driver "${driver}": create a VolumeSnapshotClass with driver "${driver}", labelled ${label}, so its volumes can be snapshotted`
        : problem === 'labelled'
          ? `several VolumeSnapshotClasses of the CSI driver "${driver}" are labelled ${label} (${listed}): keep the label on one of them`
          : `the CSI driver "${driver}" has several VolumeSnapshotClasses (${listed}) and none is labelled ${label} or marked default: label the one to use`,
    );
    this.driver = driver;
    this.candidates = candidates;
  }
}

/** A snapshot's request names something that cannot be snapshotted (bad backup name, PVC not found). */
export class SnapshotInputError extends Error {
  override readonly name = 'SnapshotInputError';
}
