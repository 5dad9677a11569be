/**
 * One object of a backup as a person looks at it: its manifest as the backup stores it, and the same object
 * as it is now in the cluster the backup was taken of, to see what changed since. A Secret's values are
 * never returned (secret-redaction.ts), stored or live.
 *
 * The live object is best effort and never fails the answer: `liveState` says what was found —
 * `found`; `absent` when the cluster answers that the object is not there (404 NotFound naming it: deleted
 * since the backup) or that it does not serve the object's type; `unavailable` when there is no cluster to
 * ask (removed, or a backup sync found) or it could not be asked (unreachable, refused, not allowed) —
 * and `liveReason` says why in a sentence, whenever `live` is null.
 */
import { z } from 'zod';
import { groupResourceOf, readStoredObject, type StoredObjectIntegrity } from '../backup/index.ts';
import type { ClusterRecord } from '../db/index.ts';
import * as db from '../db/index.ts';
import { describeError, KubeApiError, type KubeClient, parseLossless } from '../kube/index.ts';
import { authorize, type Caller } from './access.ts';
import { withStore } from './backup-files.ts';
import { resolveBackup } from './backups.ts';
import { openClusterClient } from './clusters-connection.ts';
import { probeClientOptions } from './clusters-health.ts';
import type { ControlContext } from './context.ts';
import { ConflictError, NotFoundError } from './errors.ts';
import { explainKubeApiError, isStatusAnswer } from './kube-answers.ts';
import { isSecret, redactSecret } from './secret-redaction.ts';

const part = (max: number, what: string) =>
  z
    .string()
    .max(max, { message: `use at most ${max} characters`, abort: true })
    .regex(/^[^/\p{Cc}]*$/u, `give the ${what} without '/' or control characters`);

/** Which object of a backup: the parts of its tarball path, as the backup's contents list them. */
export const backupObjectQuery = z
  .object({
    group: part(253, 'API group').default('').describe("the API group ('' for the core group)"),
    resource: part(253, 'resource').min(1, 'give the resource').describe('the plural resource: deployments'),
    namespace: part(253, 'namespace')
      .min(1, 'give the namespace, or leave it out for a cluster-scoped object')
      .optional()
      .describe('absent for a cluster-scoped object'),
    name: part(253, 'name').min(1, 'give the name'),
  })
  .strict();
export type BackupObjectQuery = z.infer<typeof backupObjectQuery>;

/** What `liveState` may be (see the module's comment). */
export type LiveState = 'found' | 'absent' | 'unavailable';

/** One object of a backup, stored and live. */
export interface BackupObjectView {
  backup: { id: string; name: string };
  object: {
    group: string;
    resource: string;
    namespace: string | null;
    name: string;
    /** The stored body's apiVersion and kind. */
    apiVersion: string;
    kind: string;
    /** The tarball entry it was read from. */
    path: string;
  };
  /** The manifest as the backup stores it (a Secret's values redacted). */
  stored: Record<string, unknown>;
  /** Bytes of the stored JSON. */
  size: number;
  /** How far the stored bytes are vouched for by the backup's content index. */
  integrity: StoredObjectIntegrity;
  /** True when the object is a Secret: its values are replaced in `stored` and `live` (its keys are kept). */
  redacted: boolean;
  /** The cluster asked for the live object: the backup's own, when it is still registered. */
  cluster: { id: string; name: string } | null;
  liveState: LiveState;
  /** The object in the cluster now (a Secret's values redacted, marked where they differ), or null. */
  live: Record<string, unknown> | null;
  /** Why `live` is null, in a sentence; null when it was found. */
  liveReason: string | null;
}

/** An object the backup does not hold. */
class ObjectNotInBackupError extends NotFoundError {
  constructor(backup: string, what: string) {
    super('object', what);
    this.message = `backup "${backup}" holds no ${what}: open an object from the backup's contents`;
  }
}

/** One object of a finished backup, and the same object in the backup's cluster now. */
export async function backupObject(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  backupRef: string,
  query: BackupObjectQuery,
): Promise<BackupObjectView> {
  const { project } = await authorize(ctx, caller, projectRef, 'viewer');
  const backup = await resolveBackup(ctx, project.id, backupRef);
  if (backup.phase !== 'Completed' && backup.phase !== 'PartiallyFailed')
    throw new ConflictError(
      `backup "${backup.name}" is ${backup.phase}: its objects can be opened once it has finished`,
    );
  const ref = {
    group: query.group,
    resource: query.resource,
    name: query.name,
    ...(query.namespace === undefined ? {} : { namespace: query.namespace }),
  };
  const found = await withStore(ctx, backup.locationId, (store) => readStoredObject(store, backup.name, ref));
  const what = `${groupResourceOf(ref)} ${query.namespace ? `${query.namespace}/` : ''}${query.name}`;
  if (!found) throw new ObjectNotInBackupError(backup.name, what);
  const stored = found.object;
  const apiVersion = String(stored.apiVersion);
  const cluster = backup.clusterId ? await db.findCluster(ctx.db, project.id, backup.clusterId) : undefined;
  const live = cluster
    ? await readLive(ctx, cluster, { ...ref, apiVersion, what })
    : {
        state: 'unavailable' as const,
        reason: `the cluster this backup was taken of${backup.clusterName ? ` ("${backup.clusterName}")` : ''} is not registered in this project (it was removed, or sync found the backup in its location): there is no live object to compare with`,
      };
  const secret = isSecret(stored, ref) || (live.object !== undefined && isSecret(live.object, ref));
  return {
    backup: { id: backup.id, name: backup.name },
    object: {
      group: ref.group,
      resource: ref.resource,
      namespace: query.namespace ?? null,
      name: ref.name,
      apiVersion,
      kind: typeof stored.kind === 'string' ? stored.kind : '',
      path: found.path,
    },
    stored: secret ? redactSecret(stored) : stored,
    size: found.size,
    integrity: found.integrity,
    redacted: secret,
    cluster: cluster ? { id: cluster.id, name: cluster.name } : null,
    liveState: live.state,
    live: live.object ? (secret ? redactSecret(live.object, stored) : live.object) : null,
    liveReason: live.object ? null : (live.reason ?? null),
  };
}

interface LiveRef {
  group: string;
  resource: string;
  namespace?: string;
  name: string;
  /** The stored body's: the version asked for first. */
  apiVersion: string;
  /** The object in words, for sentences. */
  what: string;
}

type LiveAnswer = { state: LiveState; object?: Record<string, unknown>; reason?: string };

const versionPattern = /^[a-z0-9]{1,63}$/;

/** The object in the cluster now; never throws (what went wrong is the answer's `reason`). */
async function readLive(ctx: ControlContext, cluster: ClusterRecord, ref: LiveRef): Promise<LiveAnswer> {
  const where = `cluster "${cluster.name}"`;
  const version = ref.apiVersion.slice(ref.apiVersion.lastIndexOf('/') + 1);
  if (!versionPattern.test(version))
    return { state: 'unavailable', reason: `the stored apiVersion is not one a cluster serves` };
  let kube: KubeClient | undefined;
  try {
    kube = await openClusterClient(ctx, cluster, probeClientOptions);
    try {
      return { state: 'found', object: await getObject(kube, ref, version) };
    } catch (error) {
      if (!isNotFound(error)) throw error;
      if (namesObject(error, ref.name))
        return {
          state: 'absent',
          reason: `${where} has no ${ref.what}: it was deleted (or renamed) since the backup`,
        };
      // The path is not served in the stored version: ask in the version the cluster prefers, if another.
      const preferred = await preferredVersion(kube, ref.group);
      if (preferred && preferred !== version) {
        try {
          return { state: 'found', object: await getObject(kube, ref, preferred) };
        } catch (retry) {
          if (!isNotFound(retry)) throw retry;
          if (namesObject(retry, ref.name))
            return {
              state: 'absent',
              reason: `${where} has no ${ref.what}: it was deleted (or renamed) since the backup`,
            };
        }
      }
      return {
        state: 'absent',
        reason: `${where} does not serve ${groupResourceOf(ref)} (${ref.apiVersion}${preferred && preferred !== version ? ` nor ${preferred}` : ''}): its type was removed or never installed there`,
      };
    }
  } catch (error) {
    const why =
      error instanceof KubeApiError ? explainKubeApiError(error, kube?.server) : describeError(error);
    return { state: 'unavailable', reason: `${where} could not be asked for the live object: ${why}` };
  } finally {
    await kube?.close().catch(() => undefined);
  }
}

/** The object's path in the API: `/apis/apps/v1/namespaces/shop/deployments/web`. */
function objectPath(ref: LiveRef, version: string): string {
  const base = ref.group ? `/apis/${ref.group}/${version}` : `/api/${version}`;
  const scope = ref.namespace === undefined ? '' : `/namespaces/${encodeURIComponent(ref.namespace)}`;
  return `${base}${scope}/${ref.resource}/${encodeURIComponent(ref.name)}`;
}

async function getObject(kube: KubeClient, ref: LiveRef, version: string): Promise<Record<string, unknown>> {
  const path = objectPath(ref, version);
  const response = await kube.request({ method: 'GET', path });
  let value: unknown;
  try {
    value = parseLossless(response.body);
  } catch {
    value = undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(
      `the API server at ${kube.server} answered GET ${path} with ${response.body.length} bytes that are not a Kubernetes object: check that the cluster's server URL is its API server`,
    );
  return value as Record<string, unknown>;
}

function isNotFound(error: unknown): error is KubeApiError {
  return error instanceof KubeApiError && error.status === 404;
}

/** Whether a 404 is the API server saying this object is not there (not that the path is not served). */
function namesObject(error: KubeApiError, name: string): boolean {
  const details = (error.details as { details?: { name?: unknown } } | undefined)?.details;
  return isStatusAnswer(error) && details?.name === name;
}

/** The version of `group` the cluster prefers, or undefined when it does not serve the group. */
async function preferredVersion(kube: KubeClient, group: string): Promise<string | undefined> {
  if (!group) return 'v1';
  try {
    const response = await kube.request({ method: 'GET', path: `/apis/${group}` });
    const parsed = JSON.parse(response.body.toString('utf8')) as { preferredVersion?: { version?: unknown } };
    const version = parsed.preferredVersion?.version;
    return typeof version === 'string' && versionPattern.test(version) ? version : undefined;
  } catch (error) {
    if (isNotFound(error) || error instanceof SyntaxError) return undefined;
    throw error;
  }
}
