/**
 * The restore engine: creates a backup's objects in a target cluster — CRDs first (waiting until each is
 * Established), then Velero's priority order, webhooks last — with bounded parallelism inside each step.
 * A failed object is named in the results with the API server's reason and the restore goes on
 * (PartiallyFailed), as is an object refused before it was sent (bad, tampered or spoofed: see
 * object-checks.ts); warnings never change the phase. Logs, results and the resource list are written to
 * `restores/<name>/` in the location, as Velero does.
 */
import { type ResultGroup, Results, restoreKeys } from '../archive/index.ts';
import { RunLog } from '../backup/index.ts';
import {
  changedPaths,
  collectionPath,
  describeError,
  KubeApiError,
  type KubeClient,
  KubeConnectionError,
  mapLimit,
  mergePatch,
  parseLossless,
} from '../kube/index.ts';
import { crdResource, restoreSteps } from './order.ts';
import { type PreparedItem, type PreparedRestore, prepareRestore, type RestoreOptions } from './prepare.ts';
import { encodeRestoreResourceList } from './resource-list.ts';
import { comparable, type KubeJson } from './sanitize.ts';
import { TargetApi } from './target.ts';

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
  done: boolean;
}

export interface RestoreRequest extends RestoreOptions {
  kube: KubeClient;
  /** Objects created at once within a step. Default 32. */
  parallelism?: number;
  onProgress?: (progress: RestoreProgress) => void;
  /** Called once per object as it is done: the item-by-item progress. */
  onItem?: (item: ItemResult) => void;
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
}

/**
 * Asks the API server to answer a create with the object's metadata only: the restore does not read the
 * answer, and encoding whole objects (managed fields and all) back costs the server CPU it shares with etcd.
 */
const metadataOnly = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

/** Runs a restore to completion. Throws only for bad input (RestoreInputError, BackupNotFoundError). */
export async function runRestore(request: RestoreRequest): Promise<RestoreOutcome> {
  const target = new TargetApi(request.kube);
  await target.refresh();
  const prepared = await prepareRestore(request, target);
  const run = new RestoreRun(request, prepared, target);
  return run.execute();
}

class RestoreRun {
  private readonly request: RestoreRequest;
  private readonly prepared: PreparedRestore;
  private readonly results = new Results();
  private readonly log: RunLog;
  private readonly target: TargetApi;
  private readonly items: ItemResult[] = [];
  private readonly start = new Date();
  private done = 0;
  private lastProgress = 0;
  private currentResource: string | undefined;
  private readonly terminating = new Set<string>();

  constructor(request: RestoreRequest, prepared: PreparedRestore, target: TargetApi) {
    this.request = request;
    this.prepared = prepared;
    this.log = new RunLog({ restore: request.name, backup: request.backupName }, request.onLog);
    this.target = target;
  }

  async execute(): Promise<RestoreOutcome> {
    const { prepared, request } = this;
    let failureReason: string | undefined;
    this.log.info('starting restore', { cluster: request.kube.server, location: request.store.description });
    for (const warning of prepared.warnings) {
      this.results.warning(warning);
      this.log.warn(warning);
    }
    try {
      for (const item of prepared.items) {
        if (item.refused) this.record(item, 'failed', item.refused);
        else if (item.skip) this.record(item, 'skipped', item.skip);
      }
      const toCreate = prepared.items.filter((item) => item.object);
      const byType = new Map<string, PreparedItem[]>();
      for (const item of toCreate) {
        const list = byType.get(item.groupResource) ?? [];
        list.push(item);
        byType.set(item.groupResource, list);
      }
      for (const step of restoreSteps([...byType.keys(), 'namespaces'])) {
        if (step[0] === 'namespaces') {
          await this.ensureNamespaces();
          continue;
        }
        const stepItems = step.flatMap((type) => byType.get(type) ?? []);
        this.currentResource = step.join(',');
        await this.createAll(stepItems);
        if (step[0] === crdResource) {
          await this.waitEstablished(stepItems);
          await this.target.refresh();
        }
      }
    } catch (error) {
      if (!(error instanceof KubeConnectionError) && !(error instanceof Error)) throw error;
      failureReason = describeError(error);
      this.results.error(`restore failed: ${failureReason}`);
      this.log.error('restore failed', { error: failureReason });
    }
    const counts: Record<ItemAction, number> = {
      created: 0,
      updated: 0,
      unchanged: 0,
      exists: 0,
      skipped: 0,
      failed: 0,
    };
    for (const item of this.items) counts[item.action]++;
    const phase: RestorePhase = failureReason
      ? 'Failed'
      : counts.failed > 0
        ? 'PartiallyFailed'
        : 'Completed';
    this.log.info(`restore ${phase}`, {
      created: counts.created,
      updated: counts.updated,
      failed: counts.failed,
      skipped: counts.skipped,
    });
    this.emit(true);
    await this.writeArtifacts();
    const outcome: RestoreOutcome = {
      name: request.name,
      backupName: request.backupName,
      phase,
      startTimestamp: this.start,
      completionTimestamp: new Date(),
      totalItems: prepared.items.length,
      itemsRestored: counts.created + counts.updated,
      counts,
      errors: this.results.errors,
      warnings: this.results.warnings,
      items: this.items,
    };
    if (failureReason) outcome.failureReason = failureReason;
    return outcome;
  }

  private record(item: PreparedItem, action: ItemAction, detail?: string): void {
    const result: ItemResult = {
      groupResource: item.groupResource,
      apiVersion: item.apiVersion,
      kind: item.kind,
      name: item.name,
      action,
    };
    if (item.targetNamespace !== undefined) result.namespace = item.targetNamespace;
    if (detail) result.detail = detail;
    this.items.push(result);
    const where =
      item.targetNamespace !== undefined ? { namespace: item.targetNamespace } : { cluster: true };
    const what = `${item.groupResource} ${item.targetNamespace ? `${item.targetNamespace}/` : ''}${item.name}`;
    if (action === 'failed') {
      this.results.error(`error restoring ${what}: ${detail}`, where);
      this.log.error('could not restore', {
        resource: item.groupResource,
        namespace: item.targetNamespace,
        name: item.name,
        error: detail,
      });
    } else if (action === 'exists') {
      this.results.warning(
        `could not restore ${what}: it already exists and differs from the backup (${detail})`,
        where,
      );
    }
    this.done++;
    this.request.onItem?.(result);
    this.emit(false);
  }

  private emit(done: boolean): void {
    const { onProgress } = this.request;
    if (!onProgress) return;
    const now = Date.now();
    if (!done && now - this.lastProgress < 100) return;
    this.lastProgress = now;
    const progress: RestoreProgress = { itemsDone: this.done, totalItems: this.prepared.items.length, done };
    if (this.currentResource && !done) progress.currentResource = this.currentResource;
    onProgress(progress);
  }

  /** Creates every target namespace (from the backup's object, or bare); notes ones stuck terminating. */
  private async ensureNamespaces(): Promise<void> {
    const { kube } = this.request;
    await mapLimit([...this.prepared.namespaces], this.parallelism(), async (ns) => {
      const object = this.prepared.namespaceObjects.get(ns) ?? {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: ns,
          labels: {
            'lifeboat.io/backup-name': this.request.backupName,
            'lifeboat.io/restore-name': this.request.name,
          },
        },
      };
      try {
        await kube.request({ method: 'POST', path: '/api/v1/namespaces', body: JSON.stringify(object) });
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

  private parallelism(): number {
    return Math.max(1, this.request.parallelism ?? 32);
  }

  private async createAll(items: PreparedItem[]): Promise<void> {
    await mapLimit(items, this.parallelism(), (item) => this.createOne(item));
  }

  private async createOne(item: PreparedItem): Promise<void> {
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
    try {
      await kube.request({ method: 'POST', path, body: JSON.stringify(item.object), accept: metadataOnly });
      this.record(item, 'created');
    } catch (error) {
      if (error instanceof KubeConnectionError) throw error;
      if (error instanceof KubeApiError && error.status === 409 && error.reason === 'AlreadyExists') {
        await this.handleExisting(item, `${path}/${encodeURIComponent(item.name)}`);
        return;
      }
      this.record(item, 'failed', describeError(error));
    }
  }

  /** An object of that name exists: identical → unchanged; different → warning, or patched with `update`. */
  private async handleExisting(item: PreparedItem, path: string): Promise<void> {
    const { kube } = this.request;
    try {
      const live = parseLossless((await kube.request({ method: 'GET', path })).body) as KubeJson;
      const wanted = comparable(item.groupResource, item.object as KubeJson);
      const have = comparable(item.groupResource, live);
      const changed = changedPaths(have, wanted);
      if (changed.length === 0) {
        this.record(item, 'unchanged');
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
      const labels = (item.object as KubeJson).metadata.labels as Record<string, string>;
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

  /** Waits until every restored CRD is Established, so its custom resources can be created. */
  private async waitEstablished(crds: PreparedItem[]): Promise<void> {
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

  /** `restores/<name>/`: logs, results and the resource list with each object's fate, as Velero writes them. */
  private async writeArtifacts(): Promise<void> {
    const keys = restoreKeys(this.request.name);
    try {
      await Promise.all([
        this.request.store.put(keys.results, this.results.encode(), { contentType: 'application/gzip' }),
        this.request.store.put(keys.resourceList, encodeRestoreResourceList(this.items), {
          contentType: 'application/gzip',
        }),
        this.request.store.put(keys.logs, this.log.encode(), { contentType: 'application/gzip' }),
      ]);
    } catch (error) {
      this.results.warning(
        `could not write the restore's logs and results to the location: ${describeError(error)}`,
      );
    }
  }
}
