/**
 * One backup run: snapshots the claims' volumes when disks are asked for (disks.ts), lists every selected
 * object of a cluster (paged, several resource types at once) and streams them into `<name>.tar.gz`, then
 * writes the volume info, the resource list, the content index, the logs and the results. `runBackup`
 * (backup.ts) claims the name before and writes the description after.
 */
import {
  type BackupDescription,
  type BackupPhase,
  backupKeys,
  Results,
  TarballWriter,
} from '../archive/index.ts';
import {
  type ApiResource,
  backupResources,
  describeError,
  discoverResources,
  KubeApiError,
  type KubeClient,
  KubeConnectionError,
  type KubeObject,
  listPages,
  mapLimit,
  qualifiedName,
} from '../kube/index.ts';
import type { MovedData } from '../volumes/index.ts';
import { ContentRecord } from './content-record.ts';
import type { DiskSnapshots } from './disks.ts';
import type { VolumeCopyProgress } from './move-data.ts';
import { excludeLabels, ObjectWriter } from './object-writer.ts';
import { takeRelated } from './related.ts';
import type { BackupProgress, BackupRequest } from './request.ts';
import { RunLog } from './run-log.ts';
import { type BackupSelection, resolveSelection } from './selection.ts';

/** The state of one backup run. */
export class BackupRun {
  readonly results = new Results();
  readonly log: RunLog;
  /**
   * The snapshots taken, when disks were asked for: a failed backup deletes them. The disks steps (disks.ts,
   * move-data.ts and src/volumes, which they use) are imported only then: most backups take no disks, and
   * loading them costs the command's start about 50 ms of CPU.
   */
  disks: DiskSnapshots | undefined;
  /** The snapshots whose data was copied to the location, by claim. */
  private moved = new Map<string, MovedData>();
  private volumeCopies: VolumeCopyProgress[] | undefined;
  private readonly request: BackupRequest;
  private readonly start: Date;
  /** The content index and the resource list, recorded as objects are written. */
  private readonly contents: ContentRecord;
  private readonly remaining = new Map<string, number>();
  private tarball: TarballWriter | undefined;
  /** Writes the objects, once the tarball is open. */
  private objects: ObjectWriter | undefined;
  private lastProgress = 0;
  private currentResource: string | undefined;

  constructor(request: BackupRequest, start: Date) {
    this.request = request;
    this.start = start;
    this.log = new RunLog({ backup: request.name }, request.onLog);
    this.contents = new ContentRecord(request.name);
  }

  /** Objects written so far. */
  get itemsBackedUp(): number {
    return this.objects?.count ?? 0;
  }

  async execute(
    description: BackupDescription,
    labelSelector: string | undefined,
  ): Promise<BackupDescription> {
    const { kube, store } = this.request;
    const keys = backupKeys(description.name);
    this.log.info('starting backup', { cluster: kube.server, location: store.description });
    const tarball = new TarballWriter({ mtime: this.start });
    this.tarball = tarball;
    const objects = new ObjectWriter(tarball, this.contents, {
      backupName: this.request.name,
      disks: () => this.disks,
      onWritten: () => this.emitProgress(false),
    });
    this.objects = objects;
    const upload = store.put(keys.tarball, tarball.stream, { contentType: 'application/gzip' });
    // Awaited below. An upload that fails early need not destroy its body: the writer is stopped here, so
    // that lists waiting to write fail at once instead of waiting for a reader that is gone.
    upload.catch((error: unknown) =>
      tarball.abort(error instanceof Error ? error : new Error(String(error))),
    );
    try {
      const [discovered, version] = await Promise.all([discoverResources(kube), serverVersion(kube)]);
      if (version) description.sourceCluster = version;
      const resources = backupResources(discovered);
      const namespaceType = resources.find((r) => r.group === '' && r.resource === 'namespaces');
      if (!namespaceType) throw new Error('the API server offers no namespaces resource');
      const namespaceObjects = await this.listAll(namespaceType);
      const selection = resolveSelection({
        resources,
        liveNamespaces: namespaceObjects.map((n) => n.object.metadata.name),
        includeNamespaces: description.includedNamespaces,
        excludeNamespaces: description.excludedNamespaces,
        includeResources: description.includedResources,
        excludeResources: description.excludedResources,
        clusterResources: description.clusterResources,
      });
      this.checkNamespaces(description, selection);
      if (description.includeDisks) await this.snapshotVolumes(selection, labelSelector);
      await tarball.writeVersion();
      if (selection.namespaceObjects) {
        for (const ns of namespaceObjects) {
          if (selection.namespaces.has(ns.object.metadata.name))
            await objects.write(namespaceType, ns.parts, ns.object.metadata, ns);
        }
      }
      await this.listSelected(selection, labelSelector);
      if (selection.relatedClusterScoped) {
        await takeRelated({
          kube,
          resources,
          description,
          takenTypes: objects.takenTypes,
          claimedVolumes: objects.claimedVolumes,
          results: this.results,
          log: this.log,
          write: async (type, parts, object) => objects.write(type, parts, object.metadata, { object }),
        });
      }
      if (this.disks) {
        const { writeSnapshotItems } = await import('./disks.ts');
        await writeSnapshotItems(this.disks, resources, (type, object) => objects.writeObject(type, object));
      }
      tarball.finish();
      await upload;
    } catch (error) {
      tarball.abort(error instanceof Error ? error : new Error(String(error)));
      this.contents.discard();
      const uploadError = await upload.then(
        () => undefined,
        (e: unknown) => e,
      );
      // An upload that stopped reading before it failed leaves the tarball only the stream's abort ("The
      // operation was aborted"): the upload's own error is the backup's reason.
      throw tarball.stoppedByReader && uploadError !== undefined ? uploadError : error;
    }
    if (this.disks && this.request.moveData) {
      const { moveDiskData } = await import('./move-data.ts');
      this.moved = await moveDiskData(this.disks, {
        kube,
        store,
        backupName: description.name,
        request: this.request.moveData,
        results: this.results,
        log: this.log,
        onProgress: (volumes) => {
          this.volumeCopies = volumes;
          this.emitProgress(false);
        },
      });
    }
    this.emitProgress(true);
    description.sizeBytes = tarball.bytes;
    description.itemsBackedUp = this.itemsBackedUp;
    description.totalItems = this.itemsBackedUp;
    description.errors = this.results.errorCount;
    description.warnings = this.results.warningCount;
    if (this.disks) {
      description.volumeSnapshotsAttempted = this.disks.records.size + this.disks.failed;
      description.volumeSnapshotsCompleted = this.disks.records.size;
    }
    const phase: BackupPhase = description.errors > 0 ? 'PartiallyFailed' : 'Completed';
    description.phase = phase;
    description.completionTimestamp = new Date();
    this.log.info(`backed up a total of ${this.itemsBackedUp} items`, { phase, bytes: tarball.bytes });
    if (this.disks) {
      const { putVolumeFiles } = await import('./disks.ts');
      await putVolumeFiles(store, description, this.disks, this.moved);
    }
    const index = await this.contents.index();
    // Nothing is logged while these are written: the log goes with them.
    await Promise.all([
      store.put(keys.resourceList, this.contents.resourceList(), { contentType: 'application/gzip' }),
      store.put(keys.index, index, { contentType: 'application/gzip' }),
      store.put(keys.results, this.results.encode(), { contentType: 'application/gzip' }),
      store.put(keys.logs, this.log.encode(), { contentType: 'application/gzip' }),
    ]);
    return description;
  }

  /** Names included namespaces that do not exist, as Velero does (a warning, not an error). */
  private checkNamespaces(description: BackupDescription, selection: BackupSelection): void {
    for (const pattern of description.includedNamespaces) {
      if (pattern.includes('*') || pattern.includes('?')) continue;
      if (!selection.namespaces.has(pattern)) {
        const message = `namespace "${pattern}" does not exist in the cluster`;
        this.results.warning(message);
        this.log.warn(message);
      }
    }
  }

  /** Every object of a (small) resource type, each parsed once. */
  private async listAll(resource: ApiResource): Promise<{ parts: readonly Buffer[]; object: KubeObject }[]> {
    const items: { parts: readonly Buffer[]; object: KubeObject }[] = [];
    for await (const page of listPages(this.request.kube, resource)) {
      for (const item of page.items) items.push({ parts: item.parts, object: item.object });
    }
    return items;
  }

  /** Lists every selected resource type, several at once, writing objects as pages arrive. */
  private async listSelected(selection: BackupSelection, labelSelector: string | undefined): Promise<void> {
    type Task = { resource: ApiResource; namespace?: string };
    const tasks: Task[] = [];
    // Few namespaces: list inside each; many or all: one cluster-wide list per type, filtered here.
    const perNamespace = !selection.allNamespaces && selection.namespaces.size <= 16;
    for (const resource of selection.namespaced) {
      if (perNamespace) for (const namespace of selection.namespaces) tasks.push({ resource, namespace });
      else tasks.push({ resource });
    }
    for (const resource of selection.clusterScoped) tasks.push({ resource });
    await mapLimit(tasks, this.request.parallelism ?? 6, (task) =>
      this.listTask(task.resource, task.namespace, labelSelector, selection),
    );
  }

  private async listTask(
    resource: ApiResource,
    namespace: string | undefined,
    labelSelector: string | undefined,
    selection: BackupSelection,
  ): Promise<void> {
    const name = qualifiedName(resource);
    const taskKey = `${name}/${namespace ?? ''}`;
    const started = Date.now();
    let count = 0;
    try {
      const options = {
        ...(namespace === undefined ? {} : { namespace }),
        ...(labelSelector ? { labelSelector } : {}),
      };
      for await (const page of listPages(this.request.kube, resource, options)) {
        this.currentResource = name;
        if (page.remainingItemCount !== undefined) this.remaining.set(taskKey, page.remainingItemCount);
        else this.remaining.delete(taskKey);
        for (const item of page.items) {
          // Only the metadata is read (the whole object only for a claim with a snapshot).
          const meta = item.metadata;
          const ns = meta.namespace;
          if (resource.namespaced && (ns === undefined || !selection.namespaces.has(ns))) continue;
          const answer = (this.objects as ObjectWriter).write(resource, item.parts, meta, item);
          const written: boolean = typeof answer === 'boolean' ? answer : await answer;
          if (written) count++;
        }
      }
      this.remaining.delete(taskKey);
      if (count > 0) {
        this.log.info(`listed ${count} ${name}`, { namespace, resource: name, ms: Date.now() - started });
      }
    } catch (error) {
      this.remaining.delete(taskKey);
      // The cluster or the tarball's upload failed: that is the backup's failure, not this list's.
      if (error instanceof KubeConnectionError || this.tarball?.failure) throw error;
      if (error instanceof KubeApiError && error.status === 404) {
        // The type went away since discovery (a CRD deleted meanwhile): nothing to take.
        this.results.warning(
          `resource: /${name} error: /no longer served by the cluster`,
          this.where(resource, namespace),
        );
        this.log.warn('resource type no longer served', { resource: name, namespace });
        return;
      }
      const reason = describeError(error);
      this.results.error(`resource: /${name} error: /${reason}`, this.where(resource, namespace));
      this.log.error('could not list resource', { resource: name, namespace, error: reason });
    }
  }

  private where(
    resource: ApiResource,
    namespace: string | undefined,
  ): { namespace?: string; cluster?: boolean } {
    if (namespace !== undefined) return { namespace };
    return resource.namespaced ? {} : { cluster: true };
  }

  /** Snapshots the volumes of the claims the backup takes (disks.ts), with "snapshotting N volumes" progress. */
  private async snapshotVolumes(
    selection: BackupSelection,
    labelSelector: string | undefined,
  ): Promise<void> {
    const claimType = selection.namespaced.find(
      (r) => r.group === '' && r.resource === 'persistentvolumeclaims',
    );
    if (!claimType) {
      const message =
        'include disks was asked for, but PersistentVolumeClaims are not in the backup (left out by the resources chosen): no volume was snapshotted';
      this.results.warning(message);
      this.log.warn(message);
      return;
    }
    const { snapshotDisks } = await import('./disks.ts');
    this.disks = await snapshotDisks({
      kube: this.request.kube,
      backupName: this.request.name,
      claimType,
      namespaces: selection.namespaces,
      perNamespace: !selection.allNamespaces && selection.namespaces.size <= 16,
      labelSelector,
      excluded: (claim) => excludeLabels.some((label) => claim.metadata.labels?.[label] === 'true'),
      results: this.results,
      log: this.log,
      ...(this.request.snapshotTimeoutMs === undefined ? {} : { timeoutMs: this.request.snapshotTimeoutMs }),
      onProgress: (volumes) => this.request.onProgress?.({ ...this.progress(false), volumes }),
    });
  }

  private emitProgress(done: boolean): void {
    const { onProgress } = this.request;
    if (!onProgress) return;
    const now = Date.now();
    if (!done && now - this.lastProgress < 100) return;
    this.lastProgress = now;
    onProgress(this.progress(done));
  }

  private progress(done: boolean): BackupProgress {
    let remaining = 0;
    for (const count of this.remaining.values()) remaining += count;
    const progress: BackupProgress = {
      itemsBackedUp: this.itemsBackedUp,
      totalItems: this.itemsBackedUp + (done ? 0 : remaining),
      bytes: this.tarball?.bytes ?? 0,
      done,
    };
    if (this.currentResource && !done) progress.currentResource = this.currentResource;
    if (this.volumeCopies) progress.volumeCopies = this.volumeCopies;
    return progress;
  }
}

async function serverVersion(kube: KubeClient): Promise<BackupDescription['sourceCluster'] | undefined> {
  try {
    const response = await kube.request({ method: 'GET', path: '/version' });
    const v = JSON.parse(response.body.toString('utf8')) as {
      gitVersion?: string;
      major?: string;
      minor?: string;
    };
    return { gitVersion: v.gitVersion ?? '', major: v.major ?? '', minor: v.minor ?? '' };
  } catch {
    return undefined;
  }
}
