/**
 * Waiting for a restored PVC to be Bound, and saying why it is not: the provisioner's and the PV
 * controller's events on the claim, or the error the snapshot controllers report on its source.
 */
import type { KubeClient } from '../kube/index.ts';
import { getObject, paths, pollUntil, stringField } from './resources.ts';

/** Where a claim ended up: Bound to a volume, or not (with the reason, in the provisioner's words). */
export type ClaimBinding =
  | { phase: 'Bound'; volumeName: string }
  | { phase: 'Pending' | 'Failed'; reason: string };

/** Options of `waitClaimBound`. */
export interface WaitClaimOptions {
  /** Epoch ms after which the claim is reported Pending with the reason found. */
  deadline: number;
  /** The VolumeSnapshot the claim is provisioned from, for its error in the reason. */
  source?: string;
  /** Polling interval, in ms. Default 500. */
  pollIntervalMs?: number;
}

interface EventItem {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
  metadata?: { creationTimestamp?: string };
}

const when = (event: EventItem) =>
  Date.parse(event.lastTimestamp ?? event.eventTime ?? event.metadata?.creationTimestamp ?? '') || 0;

/**
 * The latest event about a claim, warnings first (the provisioner reports `ProvisioningFailed` and keeps
 * retrying, so its last message is the reason); undefined when there is none.
 */
export async function claimEventReason(
  kube: KubeClient,
  namespace: string,
  pvc: string,
): Promise<string | undefined> {
  let items: EventItem[];
  try {
    const response = await kube.request({
      method: 'GET',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`,
      query: { fieldSelector: `involvedObject.kind=PersistentVolumeClaim,involvedObject.name=${pvc}` },
    });
    items = (JSON.parse(response.body.toString('utf8')) as { items?: EventItem[] }).items ?? [];
  } catch {
    // The reason is a courtesy: a claim not Bound is reported either way.
    return undefined;
  }
  const sorted = [...items].sort((a, b) => when(b) - when(a));
  const event = sorted.find((item) => item.type === 'Warning') ?? sorted[0];
  if (!event?.message) return undefined;
  return `${event.reason ? `${event.reason}: ` : ''}${event.message}`.slice(0, 1000);
}

/**
 * Waits until the claim `namespace/pvc` is Bound. A claim that is deleted or Lost meanwhile is Failed; one
 * still unbound at the deadline is Pending, with the latest event on it (or its source's error) as the
 * reason.
 */
export async function waitClaimBound(
  kube: KubeClient,
  namespace: string,
  pvc: string,
  options: WaitClaimOptions,
): Promise<ClaimBinding> {
  const bound = await pollUntil(
    options.deadline,
    async (): Promise<ClaimBinding | undefined> => {
      const claim = await getObject(kube, paths.pvc(namespace, pvc));
      if (!claim) return { phase: 'Failed', reason: `the claim ${namespace}/${pvc} was deleted` };
      const phase = stringField(claim, 'status', 'phase');
      const volumeName = stringField(claim, 'spec', 'volumeName');
      if (phase === 'Bound' && volumeName) return { phase: 'Bound', volumeName };
      if (phase === 'Lost')
        return {
          phase: 'Failed',
          reason: `the claim ${namespace}/${pvc} lost its volume ${volumeName ?? ''}`,
        };
      return undefined;
    },
    options.pollIntervalMs ?? 500,
  );
  if (bound) return bound;
  const event = await claimEventReason(kube, namespace, pvc);
  let sourceError: string | undefined;
  if (options.source) {
    const snapshot = await getObject(kube, paths.volumeSnapshot(namespace, options.source)).catch(
      () => undefined,
    );
    sourceError = stringField(snapshot, 'status', 'error', 'message');
  }
  const reasons = [
    event,
    sourceError ? `the VolumeSnapshot ${options.source} says: ${sourceError.slice(0, 1000)}` : undefined,
  ].filter((text): text is string => text !== undefined);
  return {
    phase: 'Pending',
    reason: reasons.length > 0 ? reasons.join('; ') : 'no event says why',
  };
}
