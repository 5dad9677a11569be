/**
 * Filling a restored claim from the repository: a mover pod in the claim's namespace mounts the new, empty
 * claim and writes the snapshot's files into it (contents, modes, owners, times, links). The claim is made
 * by the restore, of the target's class, before the workloads that mount it; this runs between the two.
 */
import { describeError, type KubeClient } from '../../kube/index.ts';
import { type MoverSettings, moverLabels, moverName } from './backup.ts';
import type { AwsSession, MoverJob, MoverProgress } from './job.ts';
import { type MoverOutcome, runMoverPod } from './pod.ts';

/** Options of filling one claim. */
export interface FillClaimOptions extends MoverSettings {
  restoreName: string;
  /** The repository snapshot to write into the claim. */
  snapshotId: string;
  onProgress?: (progress: MoverProgress) => void;
}

/**
 * Writes snapshot `snapshotId` into the claim `namespace/pvc`, which must be empty. Never throws for what
 * happens in the cluster: the outcome says why the claim was not filled.
 */
export async function fillClaim(
  kube: KubeClient,
  namespace: string,
  pvc: string,
  options: FillClaimOptions,
): Promise<MoverOutcome> {
  const fail = (reason: string): MoverOutcome => ({
    ok: false,
    reason: `the claim ${namespace}/${pvc} was not filled with its data: ${reason}`,
  });
  let session: AwsSession | undefined;
  try {
    session = await options.awsSession?.();
  } catch (error) {
    return fail(describeError(error));
  }
  const job: MoverJob = {
    version: 1,
    operation: 'restore',
    store: options.store,
    secret: options.secret.toString('base64'),
    ...(session ? { awsSession: session } : {}),
    snapshotId: options.snapshotId,
  };
  const outcome = await runMoverPod(kube, {
    namespace,
    name: moverName('r', options.restoreName, namespace, pvc),
    image: options.image,
    claim: pvc,
    readOnly: false,
    job,
    labels: moverLabels('restore', options.restoreName),
    ...(options.resources ? { resources: options.resources } : {}),
    timeoutMs: options.timeoutMs,
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return outcome.ok ? outcome : fail(outcome.reason);
}
