/**
 * What a restore reports of each claim it makes from a CSI snapshot or fills from the location's volume
 * repository: the phase, the source and why, and the bytes written so far. The restore's progress and
 * result carry these (the console's volume progress); volume-run.ts keeps them.
 */
import type { VolumeSourceKind } from './volume-source-modes.ts';

/**
 * Where a snapshotted volume of a restore is: the console's "volume progress". A claim being filled from
 * the location's repository is Pending with `filling` set.
 */
export type VolumePhase = 'Pending' | 'Bound' | 'Failed';

/** One claim restored from a CSI snapshot or from moved data, as the restore's progress and result report it. */
export interface VolumeProgress {
  /** Target namespace and claim. */
  namespace: string;
  pvc: string;
  /** The backup's VolumeSnapshot of the claim. */
  volumeSnapshot: string;
  /** Where its data comes from: a CSI snapshot, or the copy in the location's repository (once known). */
  source?: VolumeSourceKind;
  /** For a claim whose backup kept both: why this source (and, after a fallback, why not the snapshot). */
  sourceReason?: string;
  /** The snapshot's id in the storage, when the backup records it. */
  snapshotHandle?: string;
  driver?: string;
  /** The class the claim asks for (after mapping); absent when it names none. */
  storageClass?: string;
  phase: VolumePhase;
  /** Why it failed, or what it waits for. */
  reason?: string;
  /** For a claim whose data is in the location's volume repository: the repository snapshot's id. */
  repositorySnapshot?: string;
  /** True while a mover pod writes its data into the claim. */
  filling?: boolean;
  /** Bytes of its data written so far (once filling starts), and in all (as the backup recorded it). */
  bytesDone?: number;
  bytesTotal?: number;
}
