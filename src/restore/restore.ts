/**
 * The restore engine: creates a backup's objects in a target cluster — CRDs first (waiting until each is
 * Established), then Velero's priority order, webhooks last — with bounded parallelism inside each step.
 * Claims the backup snapshotted are made from their CSI snapshots (volume-run.ts): their sources before the
 * claims, the wait for Bound after every object; claims whose data the data mover copied into the location
 * are made empty and filled from its repository right after the claims step, before any workload that may
 * mount them. A failed object or volume is named in the results with the reason and the restore goes on
 * (PartiallyFailed), as is an object refused before it was sent (bad, tampered or spoofed: see
 * object-checks.ts); warnings never change the phase. Logs, results and the
 * resource list are written to `restores/<name>/` in the location, as Velero does.
 */
import { Results, restoreKeys } from '../archive/index.ts';
import { RunLog } from '../backup/index.ts';
import { describeError, KubeConnectionError } from '../kube/index.ts';
import { ItemWriter } from './item-writer.ts';
import { crdResource, restoreSteps } from './order.ts';
import { prepareRestore } from './prepare.ts';
import { type PreparedItem, type PreparedRestore, willCreate } from './prepared.ts';
import { encodeRestoreResourceList } from './resource-list.ts';
import {
  defaultRestoreParallelism,
  type ItemAction,
  type ItemResult,
  type RestoreOutcome,
  type RestorePhase,
  type RestoreProgress,
  type RestoreRequest,
} from './run-types.ts';
import { skipClassesTheTargetHas } from './snapshot-classes.ts';
import { TargetApi } from './target.ts';
import { progressIntervalMs } from './throttle.ts';
import type { VolumeProgress } from './volume-progress.ts';
import { defaultVolumeTimeoutMs, VolumeRestorer } from './volume-run.ts';
import { checkVolumeSource, type VolumeSourceMode } from './volume-source-modes.ts';

/** How the restore log words what happened to an object (failed and exists have their own lines). */
const logVerb: Record<Exclude<ItemAction, 'failed' | 'exists'>, string> = {
  created: 'restored',
  updated: 'updated',
  unchanged: 'left unchanged',
  skipped: 'skipped',
};
/** Runs a restore to completion. Throws only for bad input (RestoreInputError, BackupNotFoundError). */
export async function runRestore(request: RestoreRequest): Promise<RestoreOutcome> {
  // Refused before anything is read, as the other inputs are (prepareRestore); checked once, then passed down.
  const volumeSource = checkVolumeSource(request.volumeSource);
  const target = new TargetApi(request.kube);
  await target.refresh();
  // Before anything is created: the backup read (objects so far), then its objects checked.
  const preparing = (currentResource: string, itemsRead: number) =>
    request.onProgress?.({ itemsDone: 0, totalItems: 0, currentResource, itemsRead, done: false });
  const prepared = await prepareRestore(request, target, {
    onRead: (read) => preparing(`reading backup (${read} objects read)`, read),
    onChecked: (checked, total) => preparing(`checking backup objects (${checked} of ${total})`, total),
  });
  try {
    await skipClassesTheTargetHas(request.kube, prepared.items);
    const run = new RestoreRun(request, prepared, target, volumeSource);
    return await run.execute();
  } finally {
    await prepared.bodies.close();
  }
}

class RestoreRun {
  private readonly request: RestoreRequest;
  private readonly prepared: PreparedRestore;
  private readonly results = new Results();
  private readonly log: RunLog;
  private readonly writer: ItemWriter;
  private readonly volumes: VolumeRestorer;
  private readonly items: ItemResult[] = [];
  private readonly start = new Date();
  private done = 0;
  private lastProgress = 0;
  private currentResource: string | undefined;

  constructor(
    request: RestoreRequest,
    prepared: PreparedRestore,
    target: TargetApi,
    volumeSource: VolumeSourceMode,
  ) {
    this.request = request;
    this.prepared = prepared;
    this.log = new RunLog({ restore: request.name, backup: request.backupName }, request.onLog);
    this.writer = new ItemWriter(
      request,
      target,
      (item, action, detail) => this.record(item, action, detail),
      this.results,
      this.log,
      prepared.bodies,
    );
    this.volumes = new VolumeRestorer(request.kube, prepared.volumes, {
      restoreName: request.name,
      timeoutMs: request.volumeTimeoutMs ?? defaultVolumeTimeoutMs,
      concurrency: Math.min(16, Math.max(1, request.parallelism ?? defaultRestoreParallelism)),
      onChange: (volume) => {
        request.onVolume?.(volume);
        this.emit(false);
      },
      ...(request.mover ? { mover: request.mover } : {}),
      volumeSource,
      log: (message, fields) => this.log.info(message, fields),
      warn: (message, namespace) => {
        this.results.warning(message, { namespace });
        this.log.warn(message);
      },
    });
  }

  async execute(): Promise<RestoreOutcome> {
    const { prepared, request } = this;
    let failureReason: string | undefined;
    let volumesFailed = 0;
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
      const toCreate = prepared.items.filter(willCreate);
      const byType = new Map<string, PreparedItem[]>();
      for (const item of toCreate) {
        const list = byType.get(item.groupResource) ?? [];
        list.push(item);
        byType.set(item.groupResource, list);
      }
      // The `default` ServiceAccounts of the namespaces this restore created are the cluster's to make (its
      // controller makes them one at a time, about 3 s for 100 namespaces): unless the restore updates
      // existing objects — then pods made later must see the backup's account — they are compared at the end,
      // not waited for in their step.
      const compareLast: PreparedItem[] = [];
      for (const step of restoreSteps([...byType.keys(), 'namespaces'])) {
        if (step[0] === 'namespaces') {
          await this.writer.ensureNamespaces(prepared);
          continue;
        }
        let stepItems = step.flatMap((type) => byType.get(type) ?? []);
        if (step[0] === 'serviceaccounts' && request.existingResourcePolicy !== 'update') {
          compareLast.push(...stepItems.filter((item) => this.writer.madeByCluster(item)));
          stepItems = stepItems.filter((item) => !this.writer.madeByCluster(item));
        }
        this.currentResource = step.join(',');
        if (step[0] === 'persistentvolumeclaims') stepItems = await this.withSources(stepItems);
        await this.writer.createAll(stepItems);
        if (step[0] === 'persistentvolumeclaims' && prepared.volumes.some((volume) => volume.moved)) {
          this.currentResource = "persistentvolumeclaims (filling from the location's volume repository)";
          volumesFailed += this.volumesFailed(await this.volumes.fill());
        }
        if (step[0] === crdResource) {
          await this.writer.waitEstablished(stepItems);
          await this.writer.refreshTarget();
        }
      }
      if (compareLast.length > 0) {
        this.currentResource = 'serviceaccounts (made by the cluster in the new namespaces)';
        await this.writer.createAll(compareLast);
      }
      if (prepared.volumes.length > 0) {
        this.currentResource = 'persistentvolumeclaims (waiting until Bound)';
        this.emit(false);
        volumesFailed += this.volumesFailed(await this.volumes.settle());
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
      : counts.failed > 0 || volumesFailed > 0
        ? 'PartiallyFailed'
        : 'Completed';
    this.log.info(`restore ${phase}`, {
      created: counts.created,
      updated: counts.updated,
      failed: counts.failed,
      skipped: counts.skipped,
      ...(prepared.volumes.length > 0 ? { volumesFailed } : {}),
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
      volumes: this.volumes.list(),
    };
    if (failureReason) outcome.failureReason = failureReason;
    return outcome;
  }

  /** Names each volume that failed in the results and the log; returns how many. */
  private volumesFailed(list: readonly VolumeProgress[]): number {
    for (const failed of list) {
      this.results.error(
        `error restoring the volume of the claim ${failed.namespace}/${failed.pvc}: ${failed.reason}`,
        { namespace: failed.namespace },
      );
      this.log.error('volume not restored', {
        namespace: failed.namespace,
        pvc: failed.pvc,
        error: failed.reason,
      });
    }
    return list.length;
  }

  /**
   * Makes the sources of the claims restored from snapshots, before the claims; a claim whose source cannot
   * be made fails, named, and is not created (an empty volume in its place would be worse than none).
   */
  private async withSources(claims: PreparedItem[]): Promise<PreparedItem[]> {
    if (!claims.some((item) => item.volume)) return claims;
    const refused = await this.volumes.beforeClaims();
    return claims.filter((item) => {
      const reason = item.volume && refused.get(`${item.volume.sourceNamespace}/${item.volume.pvc}`);
      if (reason) this.record(item, 'failed', reason);
      // A claim with moved data may have fallen back to the target's default class (movedClassFallback).
      else if (item.volume?.moved && item.volume.storageClass) {
        const spec = item.object?.spec as Record<string, unknown> | undefined;
        if (spec) spec.storageClassName = item.volume.storageClass;
      }
      return !reason;
    });
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
    // One log line per object, as Velero's restore log has: what happened, and why when it was not created.
    const fields = {
      resource: item.groupResource,
      namespace: item.targetNamespace,
      name: item.name,
      action,
      ...(action === 'failed' ? { error: detail } : detail ? { reason: detail } : {}),
    };
    if (action === 'failed') {
      this.results.error(`error restoring ${what}: ${detail}`, where);
      this.log.error(`could not restore ${item.kind} ${item.name}`, fields);
    } else if (action === 'exists') {
      this.results.warning(
        `could not restore ${what}: it already exists and differs from the backup (${detail})`,
        where,
      );
      this.log.warn(`${item.kind} ${item.name} already exists and differs from the backup`, fields);
    } else {
      this.log.info(`${logVerb[action]} ${item.kind} ${item.name}`, fields);
    }
    if (item.volume) this.volumes.claimResult(item.volume, action, detail);
    this.done++;
    this.request.onItem?.(result);
    this.emit(false);
  }

  private emit(done: boolean): void {
    const { onProgress } = this.request;
    if (!onProgress) return;
    const now = Date.now();
    if (!done && now - this.lastProgress < progressIntervalMs) return;
    this.lastProgress = now;
    const progress: RestoreProgress = { itemsDone: this.done, totalItems: this.prepared.items.length, done };
    if (this.currentResource && !done) progress.currentResource = this.currentResource;
    if (this.prepared.volumes.length > 0) progress.volumes = this.volumes.list();
    onProgress(progress);
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
