/**
 * Writing a restore's objects into the target: the namespaces (noting those stuck terminating), each object
 * (created; or, when one of that name exists, left, found unchanged, or patched with `update`), and the wait
 * for restored CRDs to be Established. Every object ends in one recorded action; only a lost connection
 * throws.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Results } from '../archive/index.ts';
import type { RunLog } from '../backup/index.ts';
import {
  changedPaths,
  collectionPath,
  describeError,
  KubeApiError,
  KubeConnectionError,
  mapLimit,
  mergePatch,
  parseLossless,
} from '../kube/index.ts';
import type { BodyStore, StoredRange } from './body-store.ts';
import { isNodePortTaken, nodePortTakenMessage, requestedNodePorts, withoutNodePorts } from './node-ports.ts';
import { bodyOf, objectOf, type PreparedItem, type PreparedRestore } from './prepared.ts';
import { defaultRestoreParallelism, type ItemAction, type RestoreRequest } from './run-types.ts';
import { comparable, type KubeJson, restoredLabels } from './sanitize.ts';
import type { TargetApi } from './target.ts';
import { volumeSnapshotClassResource } from './volume-sources.ts';

/**
 * Asks the API server to answer a create with the object's metadata only: the restore does not read the
 * answer, and encoding whole objects (managed fields and all) back costs the server CPU it shares with etcd.
 */
const metadataOnly = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

export type RecordItem = (item: PreparedItem, action: ItemAction, detail?: string) => void;

export class ItemWriter {
  private readonly request: RestoreRequest;
  private readonly target: TargetApi;
  private readonly record: RecordItem;
  private readonly results: Results;
  private readonly log: RunLog;
  private readonly bodies: BodyStore;
  private readonly terminating = new Set<string>();
  /** Namespaces this restore created: the cluster makes their `default` ServiceAccount itself. */
  private readonly created = new Set<string>();

  constructor(
    request: RestoreRequest,
    target: TargetApi,
    record: RecordItem,
    results: Results,
    log: RunLog,
    bodies: BodyStore,
  ) {
    this.bodies = bodies;
    this.request = request;
    this.target = target;
    this.record = record;
    this.results = results;
    this.log = log;
  }

  /**
   * Whether the object is one the cluster makes in a namespace this restore created (the `default`
   * ServiceAccount), which the restore compares with the cluster's rather than creates.
   */
  madeByCluster(item: PreparedItem): boolean {
    return (
      isClusterMadeAccount(item) &&
      item.targetNamespace !== undefined &&
      this.created.has(item.targetNamespace)
    );
  }

  private parallelism(): number {
    return Math.max(1, this.request.parallelism ?? defaultRestoreParallelism);
  }

  /** Creates every target namespace (from the backup's object, or bare); notes ones stuck terminating. */
  async ensureNamespaces(prepared: PreparedRestore): Promise<void> {
    const { kube } = this.request;
    await mapLimit([...prepared.namespaces], this.parallelism(), async (ns) => {
      const object = prepared.namespaceObjects.get(ns) ?? {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: ns,
          labels: restoredLabels(this.request.backupName, this.request.name),
        },
      };
      try {
        await kube.request({ method: 'POST', path: '/api/v1/namespaces', body: JSON.stringify(object) });
        this.created.add(ns);
        this.log.info('created namespace', { namespace: ns });
      } catch (error) {
        if (!(error instanceof KubeApiError) || error.status !== 409) throw error;
        const live = JSON.parse(
          (await kube.request({ method: 'GET', path: `/api/v1/namespaces/${ns}` })).body.toString(),
        ) as {
          status?: { phase?: string };
        };
        if (live.status?.phase === 'Terminating') {
          this.terminating.add(ns);
          this.results.error(
            `namespace ${ns} is terminating: nothing can be restored into it until it is gone`,
            { namespace: ns },
          );
        }
      }
    });
  }

  async createAll(items: PreparedItem[]): Promise<void> {
    const onDisk: { item: PreparedItem; range: StoredRange }[] = [];
    const inMemory: PreparedItem[] = [];
    for (const item of items) {
      if (item.body) onDisk.push({ item, range: item.body });
      else inMemory.push(item);
    }
    await mapLimit(inMemory, this.parallelism(), (item) => this.createOne(item));
    // Bodies on disk are read ahead in file order, a window at a time, rather than one read per object;
    // the workers share the one reader (an async generator answers its callers in turn).
    const reader = this.bodies.scan(onDisk);
    // Only a lost connection throws: then the other workers stop taking objects.
    let stopped = false;
    const worker = async () => {
      while (!stopped) {
        const next = await reader.next();
        if (next.done) return;
        const [{ item }, view] = next.value;
        try {
          await this.createOne(item, Buffer.from(view));
        } catch (error) {
          stopped = true;
          throw error;
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(this.parallelism(), onDisk.length) }, worker));
    } finally {
      await reader.return(undefined);
    }
  }

  private async createOne(item: PreparedItem, body?: Buffer): Promise<void> {
    const { kube } = this.request;
    if (item.targetNamespace !== undefined && this.terminating.has(item.targetNamespace)) {
      this.record(item, 'failed', `namespace ${item.targetNamespace} is terminating`);
      return;
    }
    const api = this.target.resolve(item.apiVersion, item.groupResource);
    if (!api) {
      this.record(
        item,
        'failed',
        `the target cluster does not serve ${item.groupResource} at ${item.apiVersion}`,
      );
      return;
    }
    if (api.namespaced !== (item.targetNamespace !== undefined)) {
      // The path was checked against the type when the restore was prepared; a CRD restored since may differ.
      const scope = api.namespaced ? 'live in namespaces' : 'are cluster-wide';
      this.record(
        item,
        'failed',
        `${item.kind} objects ${scope} in the target cluster, unlike in the backup`,
      );
      return;
    }
    const path = collectionPath(api, item.targetNamespace);
    if (
      this.madeByCluster(item) &&
      (await this.waitMadeByCluster(`${path}/${encodeURIComponent(item.name)}`))
    ) {
      // Compared with what the cluster made, as the plan predicted: the same count whichever came first.
      await this.handleExisting(item, `${path}/${encodeURIComponent(item.name)}`);
      return;
    }
    try {
      await kube.request({
        method: 'POST',
        path,
        body: body ?? (await bodyOf(this.bodies, item)),
        accept: metadataOnly,
      });
      this.record(item, 'created');
    } catch (error) {
      if (error instanceof KubeConnectionError) throw error;
      if (item.groupResource === 'services' && isNodePortTaken(error)) {
        await this.createWithAssignedPorts(item, path);
        return;
      }
      if (error instanceof KubeApiError && error.status === 409 && error.reason === 'AlreadyExists') {
        await this.handleExisting(item, `${path}/${encodeURIComponent(item.name)}`);
        return;
      }
      this.record(item, 'failed', describeError(error));
    }
  }

  /** A Service whose node ports are taken in the target: created with ports the target assigns, and a warning. */
  private async createWithAssignedPorts(item: PreparedItem, path: string): Promise<void> {
    try {
      const service = (await objectOf(this.bodies, item)) as KubeJson;
      const message = nodePortTakenMessage(item.targetNamespace, item.name, requestedNodePorts(service));
      const body = JSON.stringify(withoutNodePorts(service));
      await this.request.kube.request({ method: 'POST', path, body, accept: metadataOnly });
      this.results.warning(
        message,
        item.targetNamespace === undefined ? {} : { namespace: item.targetNamespace },
      );
      this.record(item, 'created', message);
    } catch (error) {
      if (error instanceof KubeConnectionError) throw error;
      this.record(item, 'failed', describeError(error));
    }
  }

  /** An object of that name exists: identical → unchanged; different → warning, or patched with `update`. */
  private async handleExisting(item: PreparedItem, path: string): Promise<void> {
    const { kube } = this.request;
    try {
      const live = parseLossless((await kube.request({ method: 'GET', path })).body) as KubeJson;
      const object = (await objectOf(this.bodies, item)) as KubeJson;
      const wanted = comparable(item.groupResource, object);
      const have = comparable(item.groupResource, live);
      const changed = changedPaths(have, wanted);
      if (changed.length === 0) {
        this.record(item, 'unchanged');
        return;
      }
      if (item.groupResource === volumeSnapshotClassResource) {
        this.record(item, 'skipped', existingSnapshotClassReason);
        return;
      }
      if (this.request.existingResourcePolicy !== 'update') {
        this.record(
          item,
          'exists',
          `fields: ${changed.slice(0, 8).join(', ')}${changed.length > 8 ? ', ...' : ''}`,
        );
        return;
      }
      const patch = mergePatch(have, wanted) as Record<string, unknown>;
      // Lifeboat's labels mark the object as restored by this restore.
      const labels = object.metadata.labels as Record<string, string>;
      const metadataPatch = (patch.metadata as Record<string, unknown> | undefined) ?? {};
      metadataPatch.labels = {
        ...((metadataPatch.labels as Record<string, unknown> | undefined) ?? {}),
        ...labels,
      };
      patch.metadata = metadataPatch;
      await kube.request({
        method: 'PATCH',
        path,
        body: JSON.stringify(patch),
        contentType: 'application/merge-patch+json',
      });
      this.record(item, 'updated', `fields: ${changed.slice(0, 8).join(', ')}`);
    } catch (error) {
      if (error instanceof KubeConnectionError) throw error;
      this.record(item, 'failed', describeError(error));
    }
  }

  /**
   * Waits (up to 10 s) for the object the cluster makes in a new namespace; whether it appeared. The
   * service-account controller makes `default` within moments of the namespace; without it (a cluster
   * that runs none) the restore creates the object itself.
   */
  private async waitMadeByCluster(path: string): Promise<boolean> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await this.request.kube.request({ method: 'GET', path, accept: metadataOnly });
        return true;
      } catch (error) {
        if (!(error instanceof KubeApiError && error.status === 404)) throw error;
      }
      if (Date.now() >= deadline) return false;
      await sleep(100);
    }
  }

  /** Reads the target's types again (after CRDs were restored). */
  async refreshTarget(): Promise<void> {
    await this.target.refresh();
  }

  /** Waits until every restored CRD is Established, so its custom resources can be created. */
  async waitEstablished(crds: PreparedItem[]): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (const crd of crds) {
      for (;;) {
        try {
          const body = await this.request.kube.request({
            method: 'GET',
            path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${encodeURIComponent(crd.name)}`,
          });
          const status = JSON.parse(body.body.toString()) as {
            status?: { conditions?: { type: string; status: string }[] };
          };
          if (status.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
        } catch (error) {
          if (error instanceof KubeConnectionError) throw error;
        }
        if (Date.now() > deadline) {
          this.results.warning(`custom resource definition ${crd.name} was not Established within 60 s`, {
            cluster: true,
          });
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }
}

/**
 * A VolumeSnapshotClass of the backup is restored only when the target lacks one of that name, as Velero
 * restores cluster-scoped objects: a target's own class was set up for its own driver and secrets, and
 * restoring snapshots does not need the backup's copy (a restore picks the class of the snapshot's driver
 * in the target). One that differs is kept without a warning: that is the expected case across clusters.
 */
export const existingSnapshotClassReason =
  "the target's own VolumeSnapshotClass of that name is kept (a restore uses the target's class of the snapshot's driver)";

/**
 * The `default` ServiceAccount: every namespace gets one from the cluster as soon as it exists, so in a
 * namespace the restore creates it is compared with the cluster's rather than created (plan.ts predicts the
 * same from `clusterMadeAccount`).
 */
export function isClusterMadeAccount(item: { groupResource: string; name: string }): boolean {
  return item.groupResource === 'serviceaccounts' && item.name === 'default';
}

/** The `default` ServiceAccount as the cluster makes it in a new namespace. */
export function clusterMadeAccount(namespace: string): KubeJson {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace } } as KubeJson;
}
