/**
 * One backup run: lists every selected object of a cluster (paged, several resource types at once) and
 * streams them into `<name>.tar.gz`, then writes the resource list, the content index, the logs and the
 * results. `runBackup` (backup.ts) claims the name before and writes the description after.
 */
import { createHash } from 'node:crypto';
import {
  type BackupDescription,
  type BackupPhase,
  backupKeys,
  type ClusterResourcesMode,
  encodeIndex,
  encodeResourceList,
  type IndexEntry,
  itemPath,
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
import type { ObjectStore } from '../storage/index.ts';
import { RunLog } from './run-log.ts';
import { type BackupSelection, IncludeExclude, resolveSelection, resourceAliases } from './selection.ts';

/** What to back up, from where, to where. */
export interface BackupRequest {
  /** Backup name: a DNS-1123 subdomain of at most 63 characters. */
  name: string;
  kube: KubeClient;
  store: ObjectStore;
  /** Name recorded as the Backup's storage location (Velero's BSL name). Default `default`. */
  storageLocation?: string;
  includeNamespaces?: string[];
  excludeNamespaces?: string[];
  includeResources?: string[];
  excludeResources?: string[];
  clusterResources?: ClusterResourcesMode;
  /** A kubectl-style label selector. */
  labelSelector?: string;
  /** Time to live in ms; the backup expires at start + TTL. Default 30 days. */
  ttlMs?: number;
  /** Ask for volume data (not yet supported: recorded and reported as a warning). */
  includeDisks?: boolean;
  /** Extra labels on the Backup resource (schedule name, cluster id). */
  labels?: Record<string, string>;
  /** Resource types listed at once. Default 6. */
  parallelism?: number;
  onProgress?: (progress: BackupProgress) => void;
  /** Receives each log line as it is written. */
  onLog?: (line: string) => void;
}

/** Progress of a running backup. */
export interface BackupProgress {
  itemsBackedUp: number;
  /** Items backed up plus what the server says remains to list (an estimate until the end). */
  totalItems: number;
  /** Compressed bytes written so far. */
  bytes: number;
  currentResource?: string;
  done: boolean;
}

const excludeLabels = ['lifeboat.io/exclude-from-backup', 'velero.io/exclude-from-backup'];

function hashParts(parts: readonly Buffer[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

/** The state of one backup run. */
export class BackupRun {
  readonly results = new Results();
  readonly log: RunLog;
  itemsBackedUp = 0;
  private readonly request: BackupRequest;
  private readonly start: Date;
  private readonly index: IndexEntry[] = [];
  private readonly takenClusterScoped = new Set<string>();
  private readonly remaining = new Map<string, number>();
  /** PersistentVolume name → the claim that uses it. */
  private readonly claimedVolumes = new Map<string, string>();
  private tarball: TarballWriter | undefined;
  private lastProgress = 0;
  private currentResource: string | undefined;

  constructor(request: BackupRequest, start: Date) {
    this.request = request;
    this.start = start;
    this.log = new RunLog({ backup: request.name }, request.onLog);
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
    const upload = store.put(keys.tarball, tarball.stream, { contentType: 'application/gzip' });
    upload.catch(() => {}); // awaited below; this keeps an early failure from going unhandled meanwhile
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
      if (description.includeDisks) {
        const message =
          'volume data was asked for (include disks), but this version of Lifeboat backs up Kubernetes objects only: PersistentVolumes and PersistentVolumeClaims are in the backup, the data on them is not';
        this.results.warning(message);
        this.log.warn(message);
      }
      await tarball.writeVersion();
      if (selection.namespaceObjects) {
        for (const ns of namespaceObjects) {
          if (selection.namespaces.has(ns.object.metadata.name))
            await this.write(namespaceType, ns.parts, ns.object);
        }
      }
      await this.listSelected(selection, labelSelector);
      if (selection.relatedClusterScoped) await this.takeRelated(resources, description);
      tarball.finish();
      await upload;
    } catch (error) {
      tarball.abort(error instanceof Error ? error : new Error(String(error)));
      await upload.catch(() => {});
      throw error;
    }
    this.emitProgress(true);
    description.sizeBytes = tarball.bytes;
    description.itemsBackedUp = this.itemsBackedUp;
    description.totalItems = this.itemsBackedUp;
    description.errors = this.results.errorCount;
    description.warnings = this.results.warningCount;
    const phase: BackupPhase = description.errors > 0 ? 'PartiallyFailed' : 'Completed';
    description.phase = phase;
    description.completionTimestamp = new Date();
    this.log.info(`backed up a total of ${this.itemsBackedUp} items`, { phase, bytes: tarball.bytes });
    const index = { lifeboatIndexVersion: 1 as const, backup: description.name, items: this.index };
    await Promise.all([
      store.put(keys.resourceList, encodeResourceList(this.index), { contentType: 'application/gzip' }),
      store.put(keys.index, encodeIndex(index), { contentType: 'application/gzip' }),
      store.put(keys.results, this.results.encode(), { contentType: 'application/gzip' }),
    ]);
    await store.put(keys.logs, this.log.encode(), { contentType: 'application/gzip' });
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
          const object = item.object;
          const ns = object.metadata.namespace;
          if (resource.namespaced && (ns === undefined || !selection.namespaces.has(ns))) continue;
          if (await this.write(resource, item.parts, object)) count++;
        }
      }
      this.remaining.delete(taskKey);
      if (count > 0) {
        this.log.info(`listed ${count} ${name}`, { namespace, resource: name, ms: Date.now() - started });
      }
    } catch (error) {
      this.remaining.delete(taskKey);
      if (error instanceof KubeConnectionError) throw error;
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

  /** Writes one object (twice: plain and preferred-version paths). False when it is left out. */
  private async write(resource: ApiResource, parts: readonly Buffer[], object: KubeObject): Promise<boolean> {
    const meta = object.metadata;
    if (meta.deletionTimestamp) return false;
    if (excludeLabels.some((label) => meta.labels?.[label] === 'true')) return false;
    const groupResource = qualifiedName(resource);
    if (!resource.namespaced) {
      const key = `${groupResource}/${meta.name}`;
      if (this.takenClusterScoped.has(key)) return false;
      this.takenClusterScoped.add(key);
    }
    const tarball = this.tarball as TarballWriter;
    const namespace = resource.namespaced ? meta.namespace : undefined;
    await tarball.add(itemPath(groupResource, namespace, meta.name), parts);
    await tarball.add(itemPath(groupResource, namespace, meta.name, resource.version), parts);
    const entry: IndexEntry = {
      group: resource.group,
      version: resource.version,
      kind: resource.kind,
      resource: resource.resource,
      name: meta.name,
      sha256: hashParts(parts),
      size: parts.reduce((sum, part) => sum + part.length, 0),
    };
    if (namespace !== undefined) entry.namespace = namespace;
    this.index.push(entry);
    if (resource.group === '' && resource.resource === 'persistentvolumeclaims') {
      const volume = (object.spec as { volumeName?: string } | undefined)?.volumeName;
      if (volume) this.claimedVolumes.set(volume, `claim ${namespace}/${meta.name}`);
    }
    this.itemsBackedUp++;
    this.emitProgress(false);
    return true;
  }

  /**
   * In `auto` mode for some namespaces: the cluster-scoped objects that what was taken depends on —
   * the PersistentVolume bound to each claim taken, the CustomResourceDefinition of each custom resource
   * type taken. One list of each type, filtered here.
   */
  private async takeRelated(
    resources: readonly ApiResource[],
    description: BackupDescription,
  ): Promise<void> {
    const filter = new IncludeExclude(description.includedResources, description.excludedResources);
    const pvType = resources.find((r) => r.group === '' && r.resource === 'persistentvolumes');
    const crdType = resources.find(
      (r) => r.group === 'apiextensions.k8s.io' && r.resource === 'customresourcedefinitions',
    );
    const customTypes = new Set<string>();
    for (const entry of this.index)
      if (entry.group.includes('.')) customTypes.add(`${entry.resource}.${entry.group}`);
    const wanted: { type: ApiResource; names: Map<string, string> }[] = [];
    if (pvType && this.claimedVolumes.size > 0) wanted.push({ type: pvType, names: this.claimedVolumes });
    if (crdType && customTypes.size > 0) {
      wanted.push({
        type: crdType,
        names: new Map([...customTypes].map((name) => [name, `custom resources ${name}`])),
      });
    }
    for (const { type, names } of wanted) {
      if (!filter.matches(...resourceAliases(type))) continue;
      try {
        for await (const page of listPages(this.request.kube, type)) {
          for (const item of page.items) {
            const object = item.object;
            const why = names.get(object.metadata.name);
            if (why && (await this.write(type, item.parts, object))) {
              this.log.info('took related cluster-scoped object', {
                resource: qualifiedName(type),
                name: object.metadata.name,
                for: why,
              });
            }
          }
        }
      } catch (error) {
        if (error instanceof KubeConnectionError) throw error;
        const reason = describeError(error);
        this.results.error(`resource: /${qualifiedName(type)} error: /${reason}`, { cluster: true });
        this.log.error('could not list related objects', { resource: qualifiedName(type), error: reason });
      }
    }
  }

  private emitProgress(done: boolean): void {
    const { onProgress } = this.request;
    if (!onProgress) return;
    const now = Date.now();
    if (!done && now - this.lastProgress < 100) return;
    this.lastProgress = now;
    let remaining = 0;
    for (const count of this.remaining.values()) remaining += count;
    const progress: BackupProgress = {
      itemsBackedUp: this.itemsBackedUp,
      totalItems: this.itemsBackedUp + (done ? 0 : remaining),
      bytes: this.tarball?.bytes ?? 0,
      done,
    };
    if (this.currentResource && !done) progress.currentResource = this.currentResource;
    onProgress(progress);
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
