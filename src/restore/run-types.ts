/** What a restore is asked (the request) and what it answers (progress, per-object results, the outcome). */
import type { ResultGroup } from '../archive/index.ts';
import type { KubeClient } from '../kube/index.ts';
import type { MoverSettings } from '../volumes/index.ts';
import type { RestoreOptions } from './prepare.ts';
import type { VolumeProgress } from './volume-progress.ts';
import type { VolumeSourceMode } from './volume-source-modes.ts';

export type RestorePhase = 'Completed' | 'PartiallyFailed' | 'Failed';

/** What happened to one object. */
export type ItemAction = 'created' | 'updated' | 'unchanged' | 'exists' | 'skipped' | 'failed';

export interface ItemResult {
  groupResource: string;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  action: ItemAction;
  detail?: string;
}

export interface RestoreProgress {
  itemsDone: number;
  totalItems: number;
  currentResource?: string;
  /** While the backup is read (before anything is created): objects read from its tarball so far. */
  itemsRead?: number;
  done: boolean;
  /** The claims made from CSI snapshots or moved data and where each is (present when the restore has any). */
  volumes?: VolumeProgress[];
}

/**
 * Objects a restore creates at once within a step, by default. 64, not 32: in the same runs the restore of
 * 10,000 objects went 12-16 % faster (860 / 754 / 729 -> 984 / 849 / 842 objects/s, bench/restore.ts, load
 * 1-4), as the bare client does from 32 to 64 in flight. The API server's priority and fairness queues what
 * it cannot take at once, and a 429 is retried after the time the server asks for.
 */
export const defaultRestoreParallelism = 64;

export interface RestoreRequest extends RestoreOptions {
  kube: KubeClient;
  /** Objects created at once within a step. Default `defaultRestoreParallelism`. */
  parallelism?: number;
  /**
   * How long a claim made from a CSI snapshot may take: for its snapshot to be ready to use, then (once
   * every object is created) to be Bound. Default 5 minutes.
   */
  volumeTimeoutMs?: number;
  /**
   * How mover pods fill the claims whose data the backup's data mover copied into the location's volume
   * repository (the control plane's image, the location and the repository secret). Without it such claims
   * fail by name: only the control plane holds the secret.
   */
  mover?: MoverSettings;
  /**
   * Where claims' data may come from (volume-choice.ts), for backups that kept a claim's CSI snapshot beside
   * a copy of its data in the location's volume repository. `auto` (the default): the kept snapshot where
   * the target can use it, else the copy. `copy`: copies only — a claim with both is filled from its copy
   * even where the snapshot is usable; one with only a CSI snapshot fails, named. `snapshot`: CSI snapshots
   * only — a claim whose kept snapshot the target cannot use fails with the reason rather than being filled
   * from the copy (no empty claim is made); one with only a copy fails, named. Failed claims are not created
   * and the restore goes on (PartiallyFailed). Any other value is a RestoreInputError.
   */
  volumeSource?: VolumeSourceMode;
  onProgress?: (progress: RestoreProgress) => void;
  /** Called once per object as it is done: the item-by-item progress. */
  onItem?: (item: ItemResult) => void;
  /** Called whenever a claim made from a snapshot changes phase (Pending, Bound, Failed). */
  onVolume?: (volume: VolumeProgress) => void;
  onLog?: (line: string) => void;
}

export interface RestoreOutcome {
  name: string;
  backupName: string;
  phase: RestorePhase;
  failureReason?: string;
  startTimestamp: Date;
  completionTimestamp: Date;
  totalItems: number;
  itemsRestored: number;
  counts: Record<ItemAction, number>;
  errors: ResultGroup;
  warnings: ResultGroup;
  items: ItemResult[];
  /**
   * Each claim made from a CSI snapshot or filled from moved data: Bound, or Failed with the reason (empty
   * when there were none).
   */
  volumes: VolumeProgress[];
}
