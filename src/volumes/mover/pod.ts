/**
 * Running one mover pod: the job goes into a Secret owned by the pod (so deleting the pod, by Lifeboat or by
 * anyone, takes the credentials with it), the pod mounts the Secret and the volume, prints its progress on
 * stdout and leaves its result as its termination message. Whatever happens — success, failure, timeout,
 * an abort — the pod and the Secret are deleted before this returns: credentials exist in the cluster only
 * while the pod runs.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError, KubeApiError, type KubeClient, type KubeObject } from '../../kube/index.ts';
import { createObject, deleteObject, field, getObject, stringField } from '../resources.ts';
import {
  type MoverJob,
  type MoverProgress,
  type MoverResult,
  moverDataDir,
  moverJobDir,
  moverJobFile,
  moverProgressSchema,
  moverResultSchema,
} from './job.ts';

/** Compute resources of a mover pod (Kubernetes quantities). */
export interface MoverResources {
  requests: { cpu: string; memory: string };
  limits: { memory: string; cpu?: string };
}

/**
 * Requests and limits of a mover pod by default. Memory: the repository holds a few 16 MiB packs and chunk
 * buffers (about 150 MiB measured), opening its key takes scrypt's 128 MiB; no CPU limit, as hashing and
 * sealing are CPU-bound and throttling only makes the pod (and its credentials) live longer.
 */
export const defaultMoverResources: MoverResources = {
  requests: { cpu: '250m', memory: '256Mi' },
  limits: { memory: '1Gi' },
};

/** One mover pod to run. */
export interface MoverPodSpec {
  namespace: string;
  /** Name of the pod and of its Secret (a valid DNS label). */
  name: string;
  image: string;
  /** The claim mounted at `/data`. */
  claim: string;
  readOnly: boolean;
  job: MoverJob;
  /** Labels of the pod and the Secret. */
  labels: Record<string, string>;
  resources?: MoverResources;
  /** How long the pod may take, from creation to its end, in ms (also its `activeDeadlineSeconds`). */
  timeoutMs: number;
  pollIntervalMs?: number;
  onProgress?: (progress: MoverProgress) => void;
  signal?: AbortSignal;
}

/** How a mover pod ended: its result, or why there is none. */
export type MoverOutcome =
  | { ok: true; result: Extract<MoverResult, { ok: true }> }
  | { ok: false; reason: string };

const seg = encodeURIComponent;
const podPath = (namespace: string, name: string) => `/api/v1/namespaces/${seg(namespace)}/pods/${seg(name)}`;
const secretPath = (namespace: string, name: string) =>
  `/api/v1/namespaces/${seg(namespace)}/secrets/${seg(name)}`;

/**
 * Runs the pod to its end and removes it and its Secret. Never throws for what happens in the cluster:
 * the outcome says why the pod gave no result (scheduling, image, volume, the mover's own error, timeout).
 */
export async function runMoverPod(kube: KubeClient, spec: MoverPodSpec): Promise<MoverOutcome> {
  const deadline = Date.now() + spec.timeoutMs;
  try {
    const pod = await createPod(kube, spec);
    await createObject(kube, `/api/v1/namespaces/${seg(spec.namespace)}/secrets`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: spec.name,
        namespace: spec.namespace,
        labels: spec.labels,
        ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: spec.name, uid: pod.metadata.uid }],
      },
      type: 'Opaque',
      data: { [moverJobFile]: Buffer.from(JSON.stringify(spec.job)).toString('base64') },
    });
    return await watch(kube, spec, deadline);
  } catch (error) {
    return {
      ok: false,
      reason: `the mover pod ${spec.namespace}/${spec.name} could not run: ${describeError(error)}`,
    };
  } finally {
    await removePod(kube, spec.namespace, spec.name);
  }
}

/** Deletes a mover pod and its Secret now (no grace: its work is over or abandoned). Best effort, never throws. */
export async function removePod(kube: KubeClient, namespace: string, name: string): Promise<void> {
  await Promise.all([
    kube
      .request({ method: 'DELETE', path: podPath(namespace, name), query: { gracePeriodSeconds: '0' } })
      .catch(() => undefined),
    deleteObject(kube, secretPath(namespace, name)).catch(() => undefined),
  ]);
}

async function createPod(kube: KubeClient, spec: MoverPodSpec): Promise<KubeObject> {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels },
    spec: {
      restartPolicy: 'Never',
      activeDeadlineSeconds: Math.max(1, Math.ceil(spec.timeoutMs / 1000)),
      // The mover talks to the bucket only: no token of the cluster's API in the pod.
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 5,
      containers: [
        {
          name: 'mover',
          image: spec.image,
          imagePullPolicy: 'IfNotPresent',
          args: ['mover', `${moverJobDir}/${moverJobFile}`],
          env: [{ name: 'NODE_OPTIONS', value: '--max-semi-space-size=16' }],
          resources: spec.resources ?? defaultMoverResources,
          // Root reads every file of the volume and restores owners; nothing else is granted.
          securityContext: {
            runAsUser: 0,
            runAsGroup: 0,
            allowPrivilegeEscalation: false,
            capabilities: {
              drop: ['ALL'],
              add: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID'],
            },
          },
          terminationMessagePolicy: 'File',
          volumeMounts: [
            { name: 'data', mountPath: moverDataDir, readOnly: spec.readOnly },
            { name: 'job', mountPath: moverJobDir, readOnly: true },
          ],
        },
      ],
      volumes: [
        { name: 'data', persistentVolumeClaim: { claimName: spec.claim, readOnly: spec.readOnly } },
        { name: 'job', secret: { secretName: spec.name, defaultMode: 0o400 } },
      ],
    },
  };
  const collection = `/api/v1/namespaces/${seg(spec.namespace)}/pods`;
  try {
    return await createObject(kube, collection, pod);
  } catch (error) {
    if (!(error instanceof KubeApiError && error.status === 409)) throw error;
  }
  // A pod of this name is left from a run that was cut off: it is this job's, so it is replaced.
  await removePod(kube, spec.namespace, spec.name);
  const until = Date.now() + 60_000;
  while (Date.now() < until && (await getObject(kube, podPath(spec.namespace, spec.name)))) await sleep(500);
  return createObject(kube, collection, pod);
}

async function watch(kube: KubeClient, spec: MoverPodSpec, deadline: number): Promise<MoverOutcome> {
  const where = `the mover pod ${spec.namespace}/${spec.name}`;
  let last: KubeObject | undefined;
  for (;;) {
    if (spec.signal?.aborted) return { ok: false, reason: `${where} was stopped: the run was cancelled` };
    const pod = await getObject(kube, podPath(spec.namespace, spec.name));
    if (!pod) return { ok: false, reason: `${where} was deleted by someone else before it finished` };
    last = pod;
    const phase = stringField(pod, 'status', 'phase');
    if (phase === 'Succeeded' || phase === 'Failed') return ended(pod, where);
    if (phase === 'Running' && spec.onProgress) {
      const progress = await lastProgress(kube, spec);
      if (progress) spec.onProgress(progress);
    }
    if (Date.now() >= deadline)
      return {
        ok: false,
        reason: `${where} did not finish within ${Math.round(spec.timeoutMs / 1000)} s: ${stuckReason(last)}`,
      };
    await sleep(spec.pollIntervalMs ?? 1000, undefined, spec.signal ? { signal: spec.signal } : {}).catch(
      () => undefined,
    );
  }
}

function ended(pod: KubeObject, where: string): MoverOutcome {
  const terminated = field(pod, 'status', 'containerStatuses', '0', 'state', 'terminated');
  const message = stringField(terminated, 'message');
  if (message) {
    let parsed: MoverResult | undefined;
    try {
      const result = moverResultSchema.safeParse(JSON.parse(message));
      if (result.success) parsed = result.data;
    } catch {
      // Not JSON: the runtime's own message (an OOM kill, a crash before the mover could write).
    }
    if (parsed?.ok) return { ok: true, result: parsed };
    if (parsed) return { ok: false, reason: `${where} failed: ${parsed.error}` };
  }
  const reason = stringField(terminated, 'reason') ?? stringField(pod, 'status', 'reason');
  const exit = field(terminated, 'exitCode');
  const detail = [
    reason === 'OOMKilled'
      ? 'it ran out of memory (OOMKilled): raise the mover memory limit'
      : reason === 'DeadlineExceeded'
        ? 'it reached its time limit'
        : reason,
    typeof exit === 'number' ? `exit code ${exit}` : undefined,
    stringField(pod, 'status', 'message'),
  ].filter(Boolean);
  return { ok: false, reason: `${where} failed${detail.length > 0 ? `: ${detail.join(', ')}` : ''}` };
}

/** Why a pod has not finished: what it waits for, as the kubelet and scheduler say. */
function stuckReason(pod: KubeObject | undefined): string {
  if (!pod) return 'it was never seen';
  const waiting = field(pod, 'status', 'containerStatuses', '0', 'state', 'waiting');
  const waitingReason = stringField(waiting, 'reason');
  if (waitingReason)
    return `its container is waiting (${waitingReason}${stringField(waiting, 'message') ? `: ${stringField(waiting, 'message')}` : ''})`;
  const conditions = field(pod, 'status', 'conditions');
  if (Array.isArray(conditions)) {
    const unscheduled = conditions.find(
      (condition) =>
        stringField(condition, 'type') === 'PodScheduled' && stringField(condition, 'status') === 'False',
    );
    if (unscheduled)
      return `it was not scheduled: ${stringField(unscheduled, 'message') ?? stringField(unscheduled, 'reason') ?? 'no reason given'}`;
  }
  return `it was ${stringField(pod, 'status', 'phase') ?? 'in no phase'}`;
}

async function lastProgress(kube: KubeClient, spec: MoverPodSpec): Promise<MoverProgress | undefined> {
  try {
    const response = await kube.request({
      method: 'GET',
      path: `${podPath(spec.namespace, spec.name)}/log`,
      query: { container: 'mover', tailLines: '5' },
      // The log is plain text; the API server refuses text/plain as an Accept value.
      accept: '*/*',
    });
    const lines = response.body.toString('utf8').trim().split('\n').reverse();
    for (const line of lines) {
      try {
        const parsed = moverProgressSchema.safeParse(JSON.parse(line));
        if (parsed.success) return parsed.data.progress;
      } catch {
        // Not a progress line.
      }
    }
  } catch {
    // Logs are for progress only: a kubelet that does not serve them costs the progress, not the job.
  }
  return undefined;
}
