/**
 * Writing a backup's objects: each one — unless it is being deleted, excluded by its label, or a cluster-wide
 * object already written — goes into the tarball at its two paths (plain and preferred version) and into the
 * content record; a claim names its snapshot when the backup took disks. Answers at once: a promise only when
 * the tarball asks the caller to wait or for a claim, so listed objects are written without an async step.
 */
import { createHash, hash } from 'node:crypto';
import { type IndexEntry, itemPath, type TarballWriter } from '../archive/index.ts';
import { type ApiResource, type KubeObject, type ListedMetadata, qualifiedName } from '../kube/index.ts';
import type { ContentRecord } from './content-record.ts';
import type { DiskSnapshots } from './disks.ts';

/** Labels that leave an object (or a claim's volume) out of a backup, as Velero's does. */
export const excludeLabels = ['lifeboat.io/exclude-from-backup', 'velero.io/exclude-from-backup'];

function isExcluded(labels: Record<string, string>): boolean {
  for (const label of excludeLabels) if (labels[label] === 'true') return true;
  return false;
}

/** Where an object's parts are joined to be hashed in one call; objects larger than it are hashed in parts. */
const joined = Buffer.allocUnsafe(64 * 1024);

/**
 * The sha256 of an object's parts joined. One `crypto.hash` call over the joined bytes makes no `Hash`
 * object (a stream with a native context that only a garbage collection frees), once per listed object.
 */
function hashParts(parts: readonly Buffer[], size: number): string {
  if (parts.length === 1) return hash('sha256', parts[0] as Buffer, 'hex');
  if (size <= joined.length) {
    let at = 0;
    for (const part of parts) {
      joined.set(part, at);
      at += part.length;
    }
    return hash('sha256', joined.subarray(0, size), 'hex');
  }
  const incremental = createHash('sha256');
  for (const part of parts) incremental.update(part);
  return incremental.digest('hex');
}

/** What the writer needs of its run. */
export interface ObjectWriterContext {
  backupName: string;
  /** The backup's snapshots, once taken (claims then name theirs). */
  disks: () => DiskSnapshots | undefined;
  /** Called after each object written (progress). */
  onWritten: () => void;
}

/** Writes one backup's objects into its tarball and content record. */
export class ObjectWriter {
  /** Objects written. */
  count = 0;
  /** The types of the objects written. */
  readonly takenTypes = new Set<ApiResource>();
  /** PersistentVolume name → the claim that uses it. */
  readonly claimedVolumes = new Map<string, string>();
  private readonly takenClusterScoped = new Set<string>();
  private readonly tarball: TarballWriter;
  private readonly contents: ContentRecord;
  private readonly context: ObjectWriterContext;

  constructor(tarball: TarballWriter, contents: ContentRecord, context: ObjectWriterContext) {
    this.tarball = tarball;
    this.contents = contents;
    this.context = context;
  }

  /** Writes an object made here (not listed): its bytes are its JSON. */
  async writeObject(resource: ApiResource, object: KubeObject): Promise<boolean> {
    return this.write(resource, [Buffer.from(JSON.stringify(object))], object.metadata, { object });
  }

  /**
   * Writes one object (twice: plain and preferred-version paths). False when it is left out. `meta` is what
   * is read of every object; `whole.object` parses the rest, for a claim only. Answers at once — a promise
   * only when the tarball asks the caller to wait or for a claim of a backup with disks: the object is
   * written and recorded before it returns, without an async step per object.
   */
  write(
    resource: ApiResource,
    parts: readonly Buffer[],
    meta: ListedMetadata,
    whole: { readonly object: KubeObject },
  ): boolean | Promise<boolean> {
    if (meta.deletionTimestamp) return false;
    if (meta.labels && isExcluded(meta.labels)) return false;
    const groupResource = qualifiedName(resource);
    if (!resource.namespaced) {
      const key = `${groupResource}/${meta.name}`;
      if (this.takenClusterScoped.has(key)) return false;
      this.takenClusterScoped.add(key);
    }
    if (resource.group === '' && resource.resource === 'persistentvolumeclaims')
      return this.writeClaim(resource, groupResource, parts, meta, whole.object);
    const wait = this.place(resource, groupResource, parts, meta);
    return wait === undefined ? true : wait.then(() => true);
  }

  /** A claim: when snapshotted, its bytes name its snapshot; its volume is remembered for the related step. */
  private async writeClaim(
    resource: ApiResource,
    groupResource: string,
    stored: readonly Buffer[],
    meta: ListedMetadata,
    object: KubeObject,
  ): Promise<boolean> {
    let parts = stored;
    const disks = this.context.disks();
    if (disks) {
      const { snapshotClaimParts } = await import('./disks.ts');
      parts = snapshotClaimParts(disks, object, parts, this.context.backupName) ?? parts;
    }
    const volume = (object.spec as { volumeName?: string } | undefined)?.volumeName;
    if (volume) this.claimedVolumes.set(volume, `claim ${meta.namespace}/${meta.name}`);
    await this.place(resource, groupResource, parts, meta);
    return true;
  }

  /** Adds an object to the tarball and the index; what to wait for when the tarball asks the caller to. */
  private place(
    resource: ApiResource,
    groupResource: string,
    parts: readonly Buffer[],
    meta: ListedMetadata,
  ): Promise<void> | undefined {
    const { tarball } = this;
    const namespace = resource.namespaced ? meta.namespace : undefined;
    const plain = tarball.add(itemPath(groupResource, namespace, meta.name), parts);
    const preferred = tarball.add(itemPath(groupResource, namespace, meta.name, resource.version), parts);
    let size = 0;
    for (const part of parts) size += part.length;
    const entry: IndexEntry = {
      group: resource.group,
      version: resource.version,
      kind: resource.kind,
      resource: resource.resource,
      name: meta.name,
      sha256: hashParts(parts, size),
      size,
    };
    if (namespace !== undefined) entry.namespace = namespace;
    this.contents.add(entry);
    this.takenTypes.add(resource);
    this.count++;
    this.context.onWritten();
    if (plain && preferred) return Promise.all([plain, preferred]).then(() => {});
    return plain ?? preferred;
  }
}
