/**
 * The data mover: pods that copy a snapshot's files into the location's volume repository and back into a
 * new claim. The pods run the control plane's own image (`lifeboat mover JOB`, src/cli/mover-command.ts).
 */
export {
  type MovedSnapshot,
  type MoverSettings,
  type MoveSnapshotOptions,
  moverLabel,
  moverLabels,
  moverName,
  moveSnapshot,
} from './backup.ts';
export {
  type AwsSession,
  encodeMoverResult,
  type MoverJob,
  type MoverProgress,
  type MoverResult,
  moverDataDir,
  moverJobSchema,
  moverProgressSchema,
  moverResultSchema,
} from './job.ts';
export {
  defaultMoverResources,
  type MoverOutcome,
  type MoverPodSpec,
  type MoverResources,
  removePod,
  runMoverPod,
} from './pod.ts';
export { type FillClaimOptions, fillClaim } from './restore.ts';
