/**
 * The metadata files of a backup: `velero-backup.json` (Velero's Backup resource), the results and
 * resource-list files, and Lifeboat's content index. Writers follow Velero's encodings; readers validate
 * with zod and tolerate Velero's extra fields.
 */
import { Readable } from 'node:stream';
import { createGzip, gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { formatVersion, resourceListKey } from './layout.ts';

/** Phases a finished backup can be in (Velero's names). */
export type BackupPhase = 'InProgress' | 'Completed' | 'PartiallyFailed' | 'Failed';

/** Which cluster-scoped resources a backup takes (Velero's includeClusterResources nil/true/false). */
export type ClusterResourcesMode = 'auto' | 'always' | 'never';

/** Velero's LabelSelector. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: {
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }[];
}

/** What `velero-backup.json` records: Velero's Backup resource plus Lifeboat's annotations. */
export interface BackupDescription {
  name: string;
  storageLocation: string;
  includedNamespaces: string[];
  excludedNamespaces: string[];
  includedResources: string[];
  excludedResources: string[];
  clusterResources: ClusterResourcesMode;
  labelSelector?: LabelSelector;
  /** Time to live, in milliseconds. */
  ttlMs: number;
  includeDisks: boolean;
  phase: BackupPhase;
  startTimestamp: Date;
  completionTimestamp?: Date;
  expiration: Date;
  totalItems: number;
  itemsBackedUp: number;
  errors: number;
  warnings: number;
  /** Compressed size of the tarball. */
  sizeBytes: number;
  failureReason?: string;
  /** The API server's version, for `velero.io/source-cluster-k8s-*` annotations. */
  sourceCluster?: { gitVersion: string; major: string; minor: string };
  /** Lifeboat labels (schedule name, cluster id) carried on the Backup's metadata. */
  labels?: Record<string, string>;
}

/** Go's `time.Duration.String()` for whole seconds, e.g. 720h0m0s — what Velero writes for `ttl`. */
export function goDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/** Parses a Go duration such as `720h`, `90m`, `1h30m0s`, `36h0m0s` into milliseconds. */
export function parseGoDuration(text: string): number {
  const match = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?$/.exec(text.trim());
  if (!match || text.trim() === '' || (!match[1] && !match[2] && !match[3])) {
    throw new Error(
      `"${text}" is not a duration: use hours, minutes and seconds such as 720h, 36h30m or 90m`,
    );
  }
  const [, h = '0', m = '0', s = '0'] = match;
  return Math.round((Number(h) * 3600 + Number(m) * 60 + Number(s)) * 1000);
}

/** metav1.Time: RFC 3339 with whole seconds. */
function metaTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

const annotation = {
  clusterResources: 'lifeboat.io/include-cluster-resources',
  includeDisks: 'lifeboat.io/include-disks',
  sizeBytes: 'lifeboat.io/size-bytes',
  createdBy: 'lifeboat.io/created-by',
};

/** Encodes `velero-backup.json` as Velero does: 2-space indent, Go field order, no trailing newline. */
export function encodeBackupDescription(d: BackupDescription): Buffer {
  const spec: Record<string, unknown> = { metadata: {} };
  if (d.includedNamespaces.length) spec.includedNamespaces = d.includedNamespaces;
  if (d.excludedNamespaces.length) spec.excludedNamespaces = d.excludedNamespaces;
  if (d.includedResources.length) spec.includedResources = d.includedResources;
  if (d.excludedResources.length) spec.excludedResources = d.excludedResources;
  if (d.labelSelector) spec.labelSelector = d.labelSelector;
  spec.snapshotVolumes = d.includeDisks;
  spec.ttl = goDuration(d.ttlMs);
  if (d.clusterResources !== 'auto') spec.includeClusterResources = d.clusterResources === 'always';
  spec.hooks = {};
  spec.storageLocation = d.storageLocation;
  spec.defaultVolumesToFsBackup = false;
  spec.csiSnapshotTimeout = '10m0s';
  spec.itemOperationTimeout = '4h0m0s';

  const status: Record<string, unknown> = {
    version: 1,
    formatVersion,
    expiration: metaTime(d.expiration),
    phase: d.phase,
    startTimestamp: metaTime(d.startTimestamp),
  };
  if (d.completionTimestamp) status.completionTimestamp = metaTime(d.completionTimestamp);
  if (d.failureReason) status.failureReason = d.failureReason;
  if (d.warnings) status.warnings = d.warnings;
  if (d.errors) status.errors = d.errors;
  status.progress = { totalItems: d.totalItems, itemsBackedUp: d.itemsBackedUp };

  const annotations: Record<string, string> = {
    [annotation.clusterResources]: d.clusterResources,
    [annotation.includeDisks]: String(d.includeDisks),
    [annotation.sizeBytes]: String(d.sizeBytes),
    [annotation.createdBy]: 'lifeboat',
  };
  if (d.sourceCluster) {
    annotations['velero.io/source-cluster-k8s-gitversion'] = d.sourceCluster.gitVersion;
    annotations['velero.io/source-cluster-k8s-major-version'] = d.sourceCluster.major;
    annotations['velero.io/source-cluster-k8s-minor-version'] = d.sourceCluster.minor;
  }
  const document = {
    kind: 'Backup',
    apiVersion: 'velero.io/v1',
    metadata: {
      name: d.name,
      namespace: 'velero',
      creationTimestamp: metaTime(d.startTimestamp),
      labels: { 'velero.io/storage-location': d.storageLocation, ...d.labels },
      annotations,
    },
    spec,
    status,
  };
  return Buffer.from(JSON.stringify(document, null, 2));
}

const stringList = z
  .array(z.string())
  .nullish()
  .transform((v) => v ?? []);

/** The parts of a Backup resource Lifeboat reads back (Velero's or its own). Unknown fields are allowed. */
const backupDocumentSchema = z.object({
  apiVersion: z.literal('velero.io/v1'),
  kind: z.literal('Backup'),
  metadata: z.object({
    name: z.string().min(1),
    labels: z.record(z.string(), z.string()).nullish(),
    annotations: z.record(z.string(), z.string()).nullish(),
  }),
  spec: z
    .object({
      includedNamespaces: stringList,
      excludedNamespaces: stringList,
      includedResources: stringList,
      excludedResources: stringList,
      includeClusterResources: z.boolean().nullish(),
      labelSelector: z.unknown().optional(),
      snapshotVolumes: z.boolean().nullish(),
      ttl: z.string().nullish(),
      storageLocation: z.string().nullish(),
    })
    .default({
      includedNamespaces: [],
      excludedNamespaces: [],
      includedResources: [],
      excludedResources: [],
    }),
  status: z
    .object({
      formatVersion: z.string().nullish(),
      phase: z.string().nullish(),
      startTimestamp: z.string().nullish(),
      completionTimestamp: z.string().nullish(),
      expiration: z.string().nullish(),
      failureReason: z.string().nullish(),
      errors: z.number().nullish(),
      warnings: z.number().nullish(),
      progress: z.object({ totalItems: z.number().nullish(), itemsBackedUp: z.number().nullish() }).nullish(),
    })
    .default({}),
});

/** Raised when `velero-backup.json` is not a Backup this version can read. */
export class BackupMetadataError extends Error {
  override readonly name = 'BackupMetadataError';
}

/** Decodes `velero-backup.json` (written by Lifeboat or Velero). */
export function decodeBackupDescription(bytes: Buffer): BackupDescription {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new BackupMetadataError(`velero-backup.json is not JSON: ${(error as Error).message}`);
  }
  const parsed = backupDocumentSchema.safeParse(json);
  if (!parsed.success) {
    throw new BackupMetadataError(
      `velero-backup.json is not a Velero Backup: ${z.prettifyError(parsed.error)}`,
    );
  }
  const { metadata, spec, status } = parsed.data;
  const major = (status.formatVersion ?? formatVersion).split('.')[0];
  if (major !== '1') {
    throw new BackupMetadataError(
      `backup format ${status.formatVersion} is not supported (this Lifeboat reads 1.x)`,
    );
  }
  const annotations = metadata.annotations ?? {};
  const start = status.startTimestamp ? new Date(status.startTimestamp) : new Date(0);
  const ttlMs = spec.ttl ? parseGoDuration(spec.ttl) : 30 * 24 * 3600 * 1000;
  const mode = annotations[annotation.clusterResources];
  const clusterResources: ClusterResourcesMode =
    mode === 'auto' || mode === 'always' || mode === 'never'
      ? mode
      : spec.includeClusterResources === true
        ? 'always'
        : spec.includeClusterResources === false
          ? 'never'
          : 'auto';
  const phase = (status.phase ?? 'InProgress') as BackupPhase;
  const description: BackupDescription = {
    name: metadata.name,
    storageLocation: spec.storageLocation ?? 'default',
    includedNamespaces: spec.includedNamespaces,
    excludedNamespaces: spec.excludedNamespaces,
    includedResources: spec.includedResources,
    excludedResources: spec.excludedResources,
    clusterResources,
    ttlMs,
    includeDisks: annotations[annotation.includeDisks] === 'true' || spec.snapshotVolumes === true,
    phase,
    startTimestamp: start,
    expiration: status.expiration ? new Date(status.expiration) : new Date(start.getTime() + ttlMs),
    totalItems: status.progress?.totalItems ?? 0,
    itemsBackedUp: status.progress?.itemsBackedUp ?? 0,
    errors: status.errors ?? 0,
    warnings: status.warnings ?? 0,
    sizeBytes: Number(annotations[annotation.sizeBytes] ?? 0),
  };
  if (status.completionTimestamp) description.completionTimestamp = new Date(status.completionTimestamp);
  if (status.failureReason) description.failureReason = status.failureReason;
  if (spec.labelSelector) description.labelSelector = spec.labelSelector as LabelSelector;
  if (metadata.labels) description.labels = metadata.labels;
  return description;
}

/** Velero's results.Result: messages grouped as Velero's own, cluster-wide, and per namespace. */
export interface ResultGroup {
  velero?: string[];
  cluster?: string[];
  namespaces?: Record<string, string[]>;
}

/** Collects errors and warnings of a run, grouped as Velero groups them. */
export class Results {
  readonly errors: ResultGroup = {};
  readonly warnings: ResultGroup = {};

  private static add(group: ResultGroup, message: string, namespace?: string, clusterScoped?: boolean): void {
    if (namespace) {
      group.namespaces ??= {};
      group.namespaces[namespace] ??= [];
      group.namespaces[namespace].push(message);
    } else if (clusterScoped) {
      group.cluster ??= [];
      group.cluster.push(message);
    } else {
      group.velero ??= [];
      group.velero.push(message);
    }
  }

  error(message: string, where: { namespace?: string; cluster?: boolean } = {}): void {
    Results.add(this.errors, message, where.namespace, where.cluster);
  }

  warning(message: string, where: { namespace?: string; cluster?: boolean } = {}): void {
    Results.add(this.warnings, message, where.namespace, where.cluster);
  }

  static count(group: ResultGroup): number {
    return (
      (group.velero?.length ?? 0) +
      (group.cluster?.length ?? 0) +
      Object.values(group.namespaces ?? {}).reduce((sum, list) => sum + list.length, 0)
    );
  }

  get errorCount(): number {
    return Results.count(this.errors);
  }

  get warningCount(): number {
    return Results.count(this.warnings);
  }

  /** `<name>-results.gz`: gzipped `{"errors":{...},"warnings":{...}}` plus a newline, as Velero writes it. */
  encode(): Buffer {
    return gzipSync(`${JSON.stringify({ errors: this.errors, warnings: this.warnings })}\n`);
  }

  static decode(bytes: Buffer): { errors: ResultGroup; warnings: ResultGroup } {
    const parsed = JSON.parse(gunzipSync(bytes).toString('utf8')) as {
      errors?: ResultGroup;
      warnings?: ResultGroup;
    };
    return { errors: parsed.errors ?? {}, warnings: parsed.warnings ?? {} };
  }
}

/** One object in Lifeboat's content index. */
export interface IndexEntry {
  group: string;
  version: string;
  kind: string;
  resource: string;
  namespace?: string;
  name: string;
  /** SHA-256 (hex) of the object's stored JSON bytes. */
  sha256: string;
  size: number;
}

/** `lifeboat-index.json.gz`. */
export interface ContentIndex {
  lifeboatIndexVersion: 1;
  backup: string;
  items: IndexEntry[];
}

const indexSchema = z.object({
  lifeboatIndexVersion: z.literal(1),
  backup: z.string(),
  items: z.array(
    z.object({
      group: z.string(),
      version: z.string(),
      kind: z.string(),
      resource: z.string(),
      namespace: z.string().optional(),
      name: z.string(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      size: z.number(),
    }),
  ),
});

/**
 * `lifeboat-index.json.gz` as a gzip stream, written a thousand entries at a time: the index of a large
 * backup is never held as one string.
 */
export function encodeIndex(index: ContentIndex): Readable {
  function* chunks(): Generator<string> {
    yield `{"lifeboatIndexVersion":1,"backup":${JSON.stringify(index.backup)},"items":[`;
    for (let i = 0; i < index.items.length; i += 1000) {
      const batch = index.items.slice(i, i + 1000).map((item) => JSON.stringify(item));
      yield `${i > 0 ? ',' : ''}${batch.join(',')}`;
    }
    yield ']}\n';
  }
  return Readable.from(chunks(), { objectMode: false }).pipe(createGzip());
}

export function decodeIndex(bytes: Buffer): ContentIndex {
  const parsed = indexSchema.safeParse(JSON.parse(gunzipSync(bytes).toString('utf8')));
  if (!parsed.success)
    throw new BackupMetadataError(`lifeboat-index.json.gz is malformed: ${z.prettifyError(parsed.error)}`);
  const items = parsed.data.items.map((item) => {
    const { namespace, ...rest } = item;
    return namespace === undefined ? rest : { ...rest, namespace };
  });
  return { lifeboatIndexVersion: 1, backup: parsed.data.backup, items };
}

/**
 * `<name>-resource-list.json.gz`: `{"apps/v1/Deployment":["ns/name",...],...}`, keys and entries sorted as
 * Velero (Go's sort.Strings) sorts them. Streamed one type at a time.
 */
export function encodeResourceList(items: readonly IndexEntry[]): Readable {
  const byType = new Map<string, IndexEntry[]>();
  for (const item of items) {
    const key = resourceListKey(item.group ? `${item.group}/${item.version}` : item.version, item.kind);
    const list = byType.get(key) ?? [];
    list.push(item);
    byType.set(key, list);
  }
  function* chunks(): Generator<string> {
    yield '{';
    let first = true;
    for (const key of [...byType.keys()].sort()) {
      const entries = (byType.get(key) as IndexEntry[])
        .map((e) => (e.namespace ? `${e.namespace}/${e.name}` : e.name))
        .sort();
      yield `${first ? '' : ','}${JSON.stringify(key)}:${JSON.stringify(entries)}`;
      first = false;
    }
    yield '}\n';
  }
  return Readable.from(chunks(), { objectMode: false }).pipe(createGzip());
}
