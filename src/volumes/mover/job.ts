/**
 * What the control plane tells a mover pod, and what the pod answers: the job document (in a Secret mounted
 * into the pod, never in the pod's spec), the progress lines it prints on stdout, and the result it leaves
 * as its termination message. One schema each, versioned, shared by both ends: the pod runs the same
 * Lifeboat that wrote the job (the image is the control plane's own).
 */
import { z } from 'zod';

/** Where a mover pod finds its job: the Secret's one key, mounted read-only. */
export const moverJobDir = '/etc/lifeboat-mover';
export const moverJobFile = 'job.json';
/** Where a mover pod mounts the volume it reads or writes. */
export const moverDataDir = '/data';
/** Kubernetes keeps at most 4096 bytes of a termination message. */
export const terminationMessageLimit = 4096;

const tags = z.record(z.string().max(253), z.string().max(1024));
/**
 * Temporary AWS keys the pod uses instead of the location's credentials: for a location whose role the
 * control plane assumes with its own AWS identity, which a pod in the user's cluster does not have.
 */
const awsSession = z.object({
  accessKeyId: z.string().min(1).max(256),
  secretAccessKey: z.string().min(1).max(1024),
  sessionToken: z.string().min(1).max(8192),
});
export type AwsSession = z.infer<typeof awsSession>;

/** A job: back a directory up into the location's repository, or restore a snapshot into one. */
export const moverJobSchema = z.discriminatedUnion('operation', [
  z.object({
    version: z.literal(1),
    operation: z.literal('backup'),
    /** The location, as the control plane stores it (secrets included): opened by the pod. */
    store: z.record(z.string(), z.unknown()),
    /** The repository secret, base64. */
    secret: z.string().min(1),
    awsSession: awsSession.optional(),
    tags,
    /** The latest snapshot with these tags is the parent (unchanged files are not read again). */
    parentTags: tags.optional(),
  }),
  z.object({
    version: z.literal(1),
    operation: z.literal('restore'),
    store: z.record(z.string(), z.unknown()),
    secret: z.string().min(1),
    awsSession: awsSession.optional(),
    snapshotId: z.string().regex(/^[0-9a-f]{8,64}$/),
  }),
]);
export type MoverJob = z.infer<typeof moverJobSchema>;

/** A line a mover prints while it works: running totals. */
export const moverProgressSchema = z.object({
  progress: z.object({
    /** Bytes read (backup) or written (restore) so far. */
    bytesDone: z.number().int().min(0),
    /** Bytes to do, when known (a restore knows; a backup knows once it has walked the volume). */
    bytesTotal: z.number().int().min(0).optional(),
    files: z.number().int().min(0).optional(),
  }),
});
export type MoverProgress = z.infer<typeof moverProgressSchema>['progress'];

/** What a mover leaves as its termination message. */
export const moverResultSchema = z.union([
  z.object({
    ok: z.literal(true),
    /** The snapshot written (backup) or read (restore). */
    snapshotId: z.string().regex(/^[0-9a-f]{64}$/),
    files: z.number().int().min(0),
    /** Bytes of file contents in the snapshot. */
    logicalBytes: z.number().int().min(0),
    /** Bytes uploaded (backup) or written (restore). */
    transferredBytes: z.number().int().min(0),
    durationMs: z.number().int().min(0),
    /** Entries skipped (backup) or not restored (restore), with the reason: the first few. */
    problems: z.array(z.object({ path: z.string(), reason: z.string() })).max(20),
    problemCount: z.number().int().min(0),
  }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);
export type MoverResult = z.infer<typeof moverResultSchema>;

/**
 * A result as a termination message: within Kubernetes' 4096 bytes, dropping listed problems (the count
 * stays) and then shortening an error until it fits.
 */
export function encodeMoverResult(result: MoverResult): string {
  let text = JSON.stringify(result);
  if (result.ok) {
    const problems = [...result.problems];
    while (Buffer.byteLength(text) > terminationMessageLimit && problems.length > 0) {
      problems.pop();
      text = JSON.stringify({ ...result, problems });
    }
    return text;
  }
  let error = result.error;
  while (Buffer.byteLength(text) > terminationMessageLimit) {
    error = `${error.slice(0, Math.floor(error.length * 0.8))}…`;
    text = JSON.stringify({ ok: false, error });
  }
  return text;
}
