/**
 * The volumes of a restore made from CSI snapshots. Before the claims are created, each gets a
 * pre-provisioned VolumeSnapshotContent and a VolumeSnapshot bound to it (ready to use: the storage has the
 * snapshot); a claim whose class cannot make it, or whose snapshot the storage does not have, fails by name
 * and is not created. Once every object is created (pods included: a class that binds on first use needs
 * them), the restore waits until each claim is Bound, then removes the VolumeSnapshot and content it made
 * (Retain: the snapshot stays for the next restore). A claim that does not bind in time is removed with
 * them — it could never bind without its source — and reported Failed with the provisioner's reason.
 * A claim whose data was moved into the location's repository has no source: it is made empty in a class
 * the target has and filled by a mover pod right after the claims are created (volume-fill.ts). A claim
 * whose backup kept both gets its source chosen first (volume-choice.ts); when its kept snapshot fails to
 * become ready, it is filled from the copy instead, with a warning — unless the restore was asked for
 * snapshots only (volume source `snapshot`): then it fails. A claim whose one source the volume source
 * excludes fails by name and is not created.
 */
import { describeError, type KubeClient, KubeConnectionError, mapLimit } from '../kube/index.ts';
import {
  labelValue,
  listStorageClasses,
  type MoverSettings,
  provisionSource,
  removeSource,
  type StorageClassInfo,
  waitClaimBound,
  waitSourceReady,
} from '../volumes/index.ts';
import { deleteClaim, getClaim } from './live-claims.ts';
import { movedClassFallback, movedClassProblem, noMoverReason, shortSnapshotId } from './moved-volumes.ts';
import { restoreNameLabel } from './sanitize.ts';
import { targetProblem } from './volume-checks.ts';
import { chooseVolumeSources, fallBackToCopy } from './volume-choice.ts';
import { defaultFillConcurrency, fillMovedClaim } from './volume-fill.ts';
import type { VolumePhase, VolumeProgress } from './volume-progress.ts';
import type { VolumeSourceMode } from './volume-source-modes.ts';
import type { SnapshotVolume } from './volume-sources.ts';

export interface VolumeRunOptions {
  restoreName: string;
  /** How long each wait may take (the snapshot to be ready; the claim to be Bound), in ms. */
  timeoutMs: number;
  /** How long a snapshot controller's error may stand before it counts, in ms. */
  errorGraceMs?: number;
  concurrency: number;
  onChange: (volume: VolumeProgress) => void;
  log: (message: string, fields: Record<string, string>) => void;
  /** A temporary object could not be removed, or a filled claim lacks some files: said as a warning. */
  warn: (message: string, namespace: string) => void;
  /** How mover pods fill the claims whose data was moved; without it such claims fail by name. */
  mover?: MoverSettings;
  /** Claims filled at once (default 2). */
  fillConcurrency?: number;
  /**
   * Which sources claims may come from (volume-choice.ts), as checked where the restore starts
   * (`checkVolumeSource`); default `auto`.
   */
  volumeSource?: VolumeSourceMode;
}

export const defaultVolumeTimeoutMs = 5 * 60_000;

export class VolumeRestorer {
  private readonly kube: KubeClient;
  private readonly options: VolumeRunOptions;
  private readonly progress = new Map<SnapshotVolume, VolumeProgress>();
  /** Volumes whose source exists (made by this restore, to be removed). */
  private readonly provisioned = new Set<SnapshotVolume>();
  /** Volumes whose claim this restore created: waited for. */
  private readonly created = new Set<SnapshotVolume>();
  /** Volumes whose data was moved and whose claim may be created: filled once it is. */
  private readonly toFill = new Set<SnapshotVolume>();
  private readonly volumeSource: VolumeSourceMode;

  constructor(kube: KubeClient, volumes: readonly SnapshotVolume[], options: VolumeRunOptions) {
    this.kube = kube;
    this.options = options;
    this.volumeSource = options.volumeSource ?? 'auto';
    for (const volume of volumes) {
      const entry: VolumeProgress = {
        namespace: volume.namespace,
        pvc: volume.pvc,
        volumeSnapshot: volume.volumeSnapshot,
        phase: 'Pending',
      };
      this.progress.set(volume, entry);
      this.describeSource(volume);
      if (volume.storageClass !== undefined) entry.storageClass = volume.storageClass;
    }
  }

  /** Sets the progress entry's source fields from the volume (again once a source is chosen). */
  private describeSource(volume: SnapshotVolume): void {
    const entry = this.progress.get(volume);
    if (!entry) return;
    const stale = ['source', 'sourceReason', 'repositorySnapshot', 'bytesTotal', 'snapshotHandle', 'driver'];
    for (const key of stale) delete entry[key as keyof VolumeProgress];
    if (volume.moved) {
      entry.source = 'copy';
      entry.repositorySnapshot = volume.moved.snapshotId;
      entry.bytesTotal = volume.moved.bytes;
    } else if (volume.source) {
      entry.source = 'snapshot';
      entry.snapshotHandle = volume.source.snapshotHandle;
      entry.driver = volume.source.driver;
    }
    if (volume.choice) entry.sourceReason = volume.choice.reason;
  }

  /** Every volume's state, in the backup's order. */
  list(): VolumeProgress[] {
    return [...this.progress.values()].map((entry) => ({ ...entry }));
  }

  private set(volume: SnapshotVolume, phase: VolumePhase, reason?: string): void {
    const entry = this.progress.get(volume);
    if (!entry) return;
    entry.phase = phase;
    if (reason === undefined) delete entry.reason;
    else entry.reason = reason;
    this.options.onChange({ ...entry });
  }

  /**
   * Makes each volume's source, before the claims are created. Returns the claims not to create (by
   * `<source namespace>/<pvc>`) with the reason each fails.
   */
  async beforeClaims(): Promise<Map<string, string>> {
    const refused = new Map<string, string>();
    const volumes = [...this.progress.keys()];
    if (volumes.length === 0) return refused;
    const classes = await listStorageClasses(this.kube);
    // The same rule and facts as the dry run's: each claim whose backup kept both gets the source it showed.
    for (const volume of await chooseVolumeSources(this.kube, volumes, classes, this.volumeSource)) {
      this.describeSource(volume);
      this.options.log('volume source chosen', {
        namespace: volume.namespace,
        pvc: volume.pvc,
        source: volume.choice?.source ?? '',
        reason: volume.choice?.reason ?? '',
      });
    }
    await mapLimit(volumes, this.options.concurrency, async (volume) => {
      let reason: string | undefined;
      try {
        if (await this.existing(volume)) return;
        if (volume.moved) reason = this.fillProblem(volume, classes);
        else {
          reason = targetProblem(volume, classes).problem ?? (await this.makeSource(volume));
          const after = reason === undefined ? undefined : fallBackToCopy(volume, reason);
          if (after && 'reason' in after) reason = after.reason;
          else if (after) {
            // Its kept snapshot failed (deleted since, not ready in time): the copy fills it instead.
            this.options.warn(after.warning, volume.namespace);
            this.describeSource(volume);
            reason = this.fillProblem(volume, classes);
          }
        }
      } catch (error) {
        if (error instanceof KubeConnectionError) throw error;
        reason = `the claim ${volume.namespace}/${volume.pvc} could not be checked: ${describeError(error)}`;
      }
      if (reason === undefined) return;
      refused.set(`${volume.sourceNamespace}/${volume.pvc}`, reason);
      this.set(volume, 'Failed', reason);
    });
    return refused;
  }

  /** Why a claim with moved data cannot be made and filled; undefined when it will be (once created). */
  private fillProblem(volume: SnapshotVolume, classes: readonly StorageClassInfo[]): string | undefined {
    const claim = `${volume.namespace}/${volume.pvc}`;
    const fallback = movedClassFallback(volume, classes);
    const wanted = volume.storageClass;
    if (fallback) volume.storageClass = fallback;
    const problem =
      volume.problem ??
      (this.options.mover ? movedClassProblem(claim, volume.storageClass, classes) : noMoverReason(claim));
    if (problem) return problem;
    this.toFill.add(volume);
    const id = shortSnapshotId(volume.moved?.snapshotId ?? '');
    const entry = this.progress.get(volume);
    if (entry && fallback) entry.storageClass = fallback;
    this.set(
      volume,
      'Pending',
      `to be filled from the location's volume repository (snapshot ${id})${
        fallback ? `, in the target's default class "${fallback}" (it has no class "${wanted}")` : ''
      }`,
    );
    return undefined;
  }

  /** A claim of that name already in the target is left as it is (the restore reports it as existing). */
  private async existing(volume: SnapshotVolume): Promise<boolean> {
    const live = await getClaim(this.kube, volume.namespace, volume.pvc);
    if (!live) return false;
    const bound = live.status?.phase === 'Bound';
    this.set(
      volume,
      bound ? 'Bound' : 'Pending',
      `the claim already existed in the target (${live.status?.phase ?? 'no phase'}): left as it was, not ${volume.moved ? "filled from the location's repository" : 'made from the snapshot'}`,
    );
    return true;
  }

  /** The source of one volume, ready to use; the reason it failed otherwise (nothing is left then). */
  private async makeSource(volume: SnapshotVolume): Promise<string | undefined> {
    const { namespace, sourceName: name } = volume;
    const source = volume.source;
    if (!source) return 'no snapshot recorded';
    const claim = `${namespace}/${volume.pvc}`;
    try {
      this.provisioned.add(volume);
      await provisionSource(this.kube, {
        namespace,
        name,
        source,
        // The restore's label only: nothing that deletes a backup's snapshots by its label may take these.
        labels: { [restoreNameLabel]: labelValue(this.options.restoreName), [sourceLabel]: 'true' },
      });
      const ready = await waitSourceReady(this.kube, namespace, name, {
        deadline: Date.now() + this.options.timeoutMs,
        ...(this.options.errorGraceMs === undefined ? {} : { errorGraceMs: this.options.errorGraceMs }),
      });
      if (ready.ok) {
        this.set(volume, 'Pending', `provisioning from the snapshot ${source.snapshotHandle}`);
        return undefined;
      }
      await this.remove(volume);
      return ready.timedOut
        ? `the snapshot ${source.snapshotHandle} (driver ${source.driver}) of the claim ${claim} was not ready to use within ${seconds(this.options.timeoutMs)}: ${ready.reason}`
        : `the snapshot ${source.snapshotHandle} (driver ${source.driver}) of the claim ${claim} cannot be used: the driver says: ${ready.reason}`;
    } catch (error) {
      if (error instanceof KubeConnectionError) throw error;
      await this.remove(volume);
      return `the snapshot of the claim ${claim} could not be made ready for it: ${describeError(error)}`;
    }
  }

  /** What became of a volume's claim when the restore created it (or did not). */
  claimResult(volume: SnapshotVolume, action: string, detail?: string): void {
    // Only claims whose source this restore made (or that it fills) are followed; the others were reported.
    if (!this.provisioned.has(volume) && !this.toFill.has(volume)) return;
    if (action === 'created') {
      this.created.add(volume);
      return;
    }
    this.toFill.delete(volume);
    const what = volume.moved ? "filled from the location's repository" : 'made from the snapshot';
    const reason =
      action === 'failed'
        ? `the claim could not be created: ${detail ?? 'no reason given'}`
        : `the claim already exists in the target: left as it is, not ${what}${detail ? ` (${detail})` : ''}`;
    this.set(volume, action === 'failed' ? 'Failed' : 'Pending', reason);
  }

  /**
   * Fills each claim with moved data that this restore created, a few at a time; runs after the claims are
   * created and before the workloads that may mount them.
   *
   * @returns the volumes that could not be filled (Failed, with the reason; their claims removed).
   */
  async fill(): Promise<VolumeProgress[]> {
    const { mover } = this.options;
    const volumes = [...this.toFill].filter((volume) => this.created.has(volume));
    this.toFill.clear();
    if (!mover || volumes.length === 0) return [];
    const failed: VolumeProgress[] = [];
    await mapLimit(volumes, this.options.fillConcurrency ?? defaultFillConcurrency, async (volume) => {
      const entry = this.progress.get(volume);
      if (!entry) return;
      const id = shortSnapshotId(volume.moved?.snapshotId ?? '');
      entry.filling = true;
      entry.bytesDone = 0;
      this.set(
        volume,
        'Pending',
        `a mover pod writes its data from the location's volume repository (snapshot ${id})`,
      );
      const outcome = await fillMovedClaim(this.kube, volume, {
        mover,
        restoreName: this.options.restoreName,
        onProgress: (progress) => {
          entry.bytesDone = progress.bytesDone;
          if (progress.bytesTotal !== undefined) entry.bytesTotal = progress.bytesTotal;
          this.options.onChange({ ...entry });
        },
      });
      delete entry.filling;
      if (!outcome.ok) {
        this.set(volume, 'Failed', outcome.reason);
        failed.push({ ...entry });
        return;
      }
      entry.bytesDone = outcome.bytesDone;
      entry.bytesTotal = outcome.bytesTotal;
      if (outcome.problems) this.options.warn(outcome.problems, volume.namespace);
      this.set(volume, 'Bound');
      this.options.log('volume filled from the repository', {
        namespace: volume.namespace,
        pvc: volume.pvc,
        snapshot: id,
        bytes: String(outcome.bytesDone),
      });
    });
    return failed;
  }

  /**
   * Waits until every created claim is Bound (each bounded by the timeout), then removes every source this
   * restore made. Runs after all objects are created.
   *
   * @returns the volumes whose claim this restore created and that did not bind (Failed, with the reason).
   */
  async settle(): Promise<VolumeProgress[]> {
    const failed: VolumeProgress[] = [];
    await mapLimit([...this.provisioned], this.options.concurrency, async (volume) => {
      if (this.created.has(volume)) {
        await this.waitBound(volume);
        const entry = this.progress.get(volume);
        if (entry?.phase === 'Failed') failed.push({ ...entry });
      }
      await this.remove(volume);
    });
    return failed;
  }

  private async waitBound(volume: SnapshotVolume): Promise<void> {
    const claim = `${volume.namespace}/${volume.pvc}`;
    const binding = await waitClaimBound(this.kube, volume.namespace, volume.pvc, {
      deadline: Date.now() + this.options.timeoutMs,
      source: volume.sourceName,
    });
    if (binding.phase === 'Bound') {
      this.set(volume, 'Bound');
      this.options.log('volume restored from its snapshot', {
        namespace: volume.namespace,
        pvc: volume.pvc,
        volume: binding.volumeName,
      });
      return;
    }
    // Unbound, it holds its VolumeSnapshot (the controller keeps a snapshot a pending claim is made from)
    // and could never bind once it is gone: it goes with it, and the failure says so.
    let removed = false;
    try {
      removed = await deleteClaim(this.kube, volume.namespace, volume.pvc);
    } catch (error) {
      if (error instanceof KubeConnectionError) throw error;
    }
    const reason =
      binding.phase === 'Failed'
        ? binding.reason
        : `the claim ${claim} was not Bound within ${seconds(this.options.timeoutMs)}: ${binding.reason}${removed ? '; it was removed, since it could not bind without its temporary VolumeSnapshot: restore it again once the cause is fixed' : ''}`;
    this.set(volume, 'Failed', reason);
  }

  private async remove(volume: SnapshotVolume): Promise<void> {
    if (!this.provisioned.delete(volume)) return;
    const what = `the temporary VolumeSnapshot ${volume.namespace}/${volume.sourceName} and its VolumeSnapshotContent`;
    try {
      if (await removeSource(this.kube, volume.namespace, volume.sourceName)) return;
      this.options.warn(
        `${what} were not removed within 60 s: delete them (the content is Retain, so the snapshot stays)`,
        volume.namespace,
      );
    } catch (error) {
      if (error instanceof KubeConnectionError) throw error;
      this.options.warn(
        `${what} could not be removed (${describeError(error)}): delete them (the content is Retain, so the snapshot stays)`,
        volume.namespace,
      );
    }
  }
}

/** Label on the VolumeSnapshots and contents a restore makes (and removes once their claims are Bound). */
export const sourceLabel = 'lifeboat.io/restore-source';

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}
