/**
 * Filling the claims whose data is in the location's volume repository: once the claims are created and
 * before any workload that may mount them, a mover pod per claim (a few at a time) writes the repository
 * snapshot's files into it. A claim that could not be filled is removed — a workload must not start on an
 * empty or half-written volume — and fails by name; the others go on.
 */
import { describeError, type KubeClient, KubeConnectionError } from '../kube/index.ts';
import { fillClaim, type MoverProgress, type MoverSettings } from '../volumes/index.ts';
import { deleteClaim } from './live-claims.ts';
import { shortSnapshotId } from './moved-volumes.ts';
import type { SnapshotVolume } from './volume-sources.ts';

/** Claims filled at once by default: each mover pod reads the location at full speed. */
export const defaultFillConcurrency = 2;

/** How filling one claim ended. */
export type FillOutcome =
  | {
      ok: true;
      /** Bytes written, and bytes of file contents in the snapshot. */
      bytesDone: number;
      bytesTotal: number;
      /** Entries of the snapshot that were not restored, said as a sentence (absent when none). */
      problems?: string;
    }
  | { ok: false; reason: string };

/** Writes the moved data of `volume` into its claim, created empty by this restore. Never throws for the cluster. */
export async function fillMovedClaim(
  kube: KubeClient,
  volume: SnapshotVolume,
  options: {
    mover: MoverSettings;
    restoreName: string;
    onProgress: (progress: MoverProgress) => void;
  },
): Promise<FillOutcome> {
  const { moved } = volume;
  const claim = `${volume.namespace}/${volume.pvc}`;
  if (!moved) return { ok: false, reason: `the claim ${claim} has no data in the location's repository` };
  const outcome = await fillClaim(kube, volume.namespace, volume.pvc, {
    ...options.mover,
    restoreName: options.restoreName,
    snapshotId: moved.snapshotId,
    onProgress: options.onProgress,
  });
  if (outcome.ok) {
    const { result } = outcome;
    const filled: FillOutcome = {
      ok: true,
      bytesDone: result.transferredBytes,
      bytesTotal: result.logicalBytes,
    };
    if (result.problemCount > 0) {
      const listed = result.problems.map((problem) => `${problem.path}: ${problem.reason}`).join('; ');
      filled.problems = `the claim ${claim} was filled from the repository snapshot ${shortSnapshotId(moved.snapshotId)}, but ${result.problemCount === 1 ? '1 entry was' : `${result.problemCount} entries were`} not restored (${listed}${result.problemCount > result.problems.length ? '; ...' : ''}): check those files before relying on them`;
    }
    return filled;
  }
  let removed = false;
  let removeError: string | undefined;
  try {
    removed = await deleteClaim(kube, volume.namespace, volume.pvc);
  } catch (error) {
    if (error instanceof KubeConnectionError) throw error;
    removeError = describeError(error);
  }
  const after = removed
    ? '; the claim was removed so that no workload starts on an empty or partial volume: restore it again once the cause is fixed'
    : removeError
      ? `; the claim could not be removed (${removeError}): delete it before a workload uses its empty or partial volume, then restore it again`
      : '';
  return { ok: false, reason: `${outcome.reason}${after}` };
}
