/**
 * `velero-backup.json`: Velero's Backup resource, which makes a folder of a location a backup. Written as
 * Velero writes it; read back as untrusted input — validated with zod, every value checked to be possible,
 * and the backup's identity taken from its folder, never from the name written inside.
 */
import { z } from 'zod';
import { BackupMetadataError, issuesLine } from './errors.ts';
import { goDuration, parseGoDuration } from './go-duration.ts';
import { backupKeys, formatVersion } from './layout.ts';

/** Phases a finished backup can be in (Velero's names). */
export type BackupPhase = 'InProgress' | 'Completed' | 'PartiallyFailed' | 'Failed';

/** Which cluster-scoped resources a backup takes (Velero's includeClusterResources nil/true/false). */
export type ClusterResourcesMode = 'auto' | 'always' | 'never';

/**
 * Where `includeDisks` came from, read back: Lifeboat's own annotation, Velero's `spec.snapshotVolumes` set to
 * true or false, or Velero's field left unset — which Velero does not read as "no": it snapshots every volume
 * it can (those a volume snapshotter or a CSI snapshot class serves) unless the field is explicitly false.
 */
export type IncludeDisksSource = 'lifeboat' | 'velero-set' | 'velero-unset';

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
  /**
   * Whether the backup snapshots volumes. False when Velero's `snapshotVolumes` is unset, which
   * `includeDisksSource` tells apart from an explicit false.
   */
  includeDisks: boolean;
  /** Read back only: where `includeDisks` came from (see `IncludeDisksSource`). Never encoded. */
  includeDisksSource?: IncludeDisksSource;
  /**
   * Whether the snapshots' data is copied into the location (Velero's `snapshotMoveData`; Lifeboat's data
   * mover, recorded as `datamover: lifeboat`). Absent: not asked for.
   */
  snapshotMoveData?: boolean;
  phase: BackupPhase;
  startTimestamp: Date;
  completionTimestamp?: Date;
  expiration: Date;
  totalItems: number;
  itemsBackedUp: number;
  errors: number;
  warnings: number;
  /**
   * Compressed size of the tarball, from Lifeboat's annotation; 0 read back from a description without one
   * (Velero's), for which the catalog asks the store for the tarball's size.
   */
  sizeBytes: number;
  /** CSI snapshots started and completed (Velero's `csiVolumeSnapshotsAttempted`/`Completed`). */
  volumeSnapshotsAttempted?: number;
  volumeSnapshotsCompleted?: number;
  failureReason?: string;
  /** The API server's version, for `velero.io/source-cluster-k8s-*` annotations. */
  sourceCluster?: { gitVersion: string; major: string; minor: string };
  /** Lifeboat labels (schedule name, cluster id) carried on the Backup's metadata. */
  labels?: Record<string, string>;
  /**
   * Read back only: true when the description says Lifeboat wrote it (`lifeboat.io/created-by`), so the
   * backup must have Lifeboat's content index — one without it has lost it or had it removed.
   */
  madeByLifeboat?: boolean;
}

/**
 * What a backup name is: a Backup's metadata.name for Kubernetes (an RFC 1123 subdomain: dot-separated parts
 * of lower-case letters, digits and '-', each starting and ending with a letter or digit) that is also a
 * label value (at most 63 characters), as Velero requires.
 */
const backupNamePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Whether `name` can be a backup's name, hence a backup folder's. */
export function isBackupName(name: string): boolean {
  // The length first: the pattern is only ever run on short strings.
  return name.length <= 63 && backupNamePattern.test(name);
}

/** Why folder `folder` of `backups/` cannot be a backup, or undefined when its name can be one. */
export function backupFolderProblem(folder: string): string | undefined {
  if (isBackupName(folder)) return undefined;
  return `backups/${quote(folder)}/ is not a backup Lifeboat reads: ${quote(folder)} is not a valid backup name (at most 63 lower-case letters, digits, '-' and '.', with a letter or digit at each end and on each side of every '.'); rename or delete the folder`;
}

/** The longest TTL read back: a century. Longer ones (or their expirations) cannot be real. */
export const maxTtlMs = 100 * 365 * 24 * 3600 * 1000;

/** Timestamps read back must fall in this range; outside it they are corrupt or hostile. */
const earliest = Date.UTC(2000, 0, 1);
const latest = Date.UTC(3000, 0, 1);

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
  if (d.snapshotMoveData) {
    spec.snapshotMoveData = true;
    spec.datamover = 'lifeboat';
  }

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
  if (d.volumeSnapshotsAttempted) status.csiVolumeSnapshotsAttempted = d.volumeSnapshotsAttempted;
  if (d.volumeSnapshotsCompleted) status.csiVolumeSnapshotsCompleted = d.volumeSnapshotsCompleted;

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

/** A count: a whole number a JavaScript number holds exactly (JSON's 1e400 is Infinity, refused). */
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullish();

/** metav1.Time as Velero writes it (RFC 3339), in a plausible range. */
const timestamp = z
  .string()
  .max(40)
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/, 'not an RFC 3339 time')
  .transform((text, ctx) => {
    const date = new Date(text);
    const time = date.getTime();
    if (Number.isNaN(time)) ctx.addIssue({ code: 'custom', message: `${quote(text)} is not a date` });
    else if (time < earliest || time >= latest)
      ctx.addIssue({ code: 'custom', message: `${quote(text)} is not between the years 2000 and 3000` });
    return date;
  })
  .nullish();

const labelSelectorSchema = z
  .object({
    matchLabels: z.record(z.string(), z.string()).nullish(),
    matchExpressions: z
      .array(
        z.object({
          key: z.string(),
          operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
          values: z.array(z.string()).nullish(),
        }),
      )
      .nullish(),
  })
  .nullish();

/** Velero's phases of a Backup; those a stored backup cannot end in read as the closest of Lifeboat's. */
const veleroPhases: Record<string, BackupPhase> = {
  New: 'InProgress',
  InProgress: 'InProgress',
  WaitingForPluginOperations: 'InProgress',
  WaitingForPluginOperationsPartiallyFailed: 'InProgress',
  Finalizing: 'InProgress',
  FinalizingPartiallyFailed: 'InProgress',
  Completed: 'Completed',
  PartiallyFailed: 'PartiallyFailed',
  Failed: 'Failed',
  FailedValidation: 'Failed',
};

/** The parts of a Backup resource Lifeboat reads back (Velero's or its own). Unknown fields are allowed. */
const backupDocumentSchema = z.object({
  apiVersion: z.literal('velero.io/v1'),
  kind: z.literal('Backup'),
  metadata: z.object({
    name: z.string().min(1).max(253),
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
      labelSelector: labelSelectorSchema,
      snapshotVolumes: z.boolean().nullish(),
      snapshotMoveData: z.boolean().nullish(),
      ttl: z.string().max(64).nullish(),
      storageLocation: z.string().max(253).nullish(),
    })
    .default({
      includedNamespaces: [],
      excludedNamespaces: [],
      includedResources: [],
      excludedResources: [],
    }),
  status: z
    .object({
      formatVersion: z.string().max(32).nullish(),
      phase: z
        .string()
        .refine((phase) => Object.hasOwn(veleroPhases, phase), 'not a phase of a Velero Backup')
        .nullish(),
      startTimestamp: timestamp,
      completionTimestamp: timestamp,
      expiration: timestamp,
      failureReason: z.string().nullish(),
      errors: count,
      warnings: count,
      progress: z.object({ totalItems: count, itemsBackedUp: count }).nullish(),
      csiVolumeSnapshotsAttempted: count,
      csiVolumeSnapshotsCompleted: count,
    })
    .default({}),
});

/**
 * Decodes `backups/<folder>/velero-backup.json` (written by Lifeboat or Velero). Refuses, with
 * `BackupMetadataError` saying why and what to do: a folder that is not a backup name, a file that is not a
 * Backup, impossible values (dates, TTL, counts), and a description naming another backup than its folder —
 * a decoy or a copy, which must never be taken for the backup it names.
 */
export function decodeBackupDescription(bytes: Buffer, folder: string): BackupDescription {
  const folderProblem = backupFolderProblem(folder);
  if (folderProblem) throw new BackupMetadataError(folderProblem);
  const file = backupKeys(folder).metadata;
  const refuse = (reason: string, cause?: unknown) =>
    new BackupMetadataError(
      `${file} ${reason}: Lifeboat will not read, restore or delete it as "${folder}" — put back a good copy of the file or delete the folder`,
      { file, cause },
    );
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw refuse('is not JSON', error);
  }
  const parsed = backupDocumentSchema.safeParse(json);
  if (!parsed.success) throw refuse(`is not a Velero Backup Lifeboat can read (${issuesLine(parsed.error)})`);
  const { metadata, spec, status } = parsed.data;
  if (metadata.name !== folder)
    throw new BackupMetadataError(
      `${file} describes a backup named ${quote(metadata.name)}: a backup's name is its folder, so this description was copied or altered — Lifeboat will not read, restore or delete it as "${folder}"; delete the folder or put it back under its own name`,
      { file },
    );
  const major = (status.formatVersion ?? formatVersion).split('.')[0];
  if (major !== '1')
    throw new BackupMetadataError(
      `${file}: backup format ${quote(status.formatVersion ?? '')} is not supported (this Lifeboat reads 1.x)`,
      { file },
    );
  const annotations = metadata.annotations ?? {};
  let ttlMs = 30 * 24 * 3600 * 1000;
  if (spec.ttl) {
    try {
      ttlMs = parseGoDuration(spec.ttl);
    } catch (error) {
      throw refuse(`has a TTL that is not a duration (${quote(spec.ttl)})`, error);
    }
    if (ttlMs > maxTtlMs) throw refuse(`has a TTL of more than a century (${quote(spec.ttl)})`);
  }
  const sizeText = annotations[annotation.sizeBytes];
  if (sizeText !== undefined && !/^\d{1,15}$/.test(sizeText))
    throw refuse(`has a size that is not a number of bytes (${quote(sizeText)})`);
  const start = status.startTimestamp ?? new Date(0);
  const mode = annotations[annotation.clusterResources];
  const clusterResources: ClusterResourcesMode =
    mode === 'auto' || mode === 'always' || mode === 'never'
      ? mode
      : spec.includeClusterResources === true
        ? 'always'
        : spec.includeClusterResources === false
          ? 'never'
          : 'auto';
  const disksAnnotation = annotations[annotation.includeDisks];
  const description: BackupDescription = {
    name: folder,
    storageLocation: spec.storageLocation ?? 'default',
    includedNamespaces: spec.includedNamespaces,
    excludedNamespaces: spec.excludedNamespaces,
    includedResources: spec.includedResources,
    excludedResources: spec.excludedResources,
    clusterResources,
    ttlMs,
    includeDisks: disksAnnotation === 'true' || spec.snapshotVolumes === true,
    includeDisksSource:
      disksAnnotation === 'true' || disksAnnotation === 'false'
        ? 'lifeboat'
        : typeof spec.snapshotVolumes === 'boolean'
          ? 'velero-set'
          : 'velero-unset',
    ...(spec.snapshotMoveData ? { snapshotMoveData: true } : {}),
    phase: veleroPhases[status.phase ?? 'InProgress'] ?? 'InProgress',
    startTimestamp: start,
    expiration: status.expiration ?? new Date(start.getTime() + ttlMs),
    totalItems: status.progress?.totalItems ?? 0,
    itemsBackedUp: status.progress?.itemsBackedUp ?? 0,
    errors: status.errors ?? 0,
    warnings: status.warnings ?? 0,
    sizeBytes: Number(sizeText ?? 0),
  };
  if (status.completionTimestamp) description.completionTimestamp = status.completionTimestamp;
  if (status.failureReason) description.failureReason = status.failureReason;
  if (status.csiVolumeSnapshotsAttempted)
    description.volumeSnapshotsAttempted = status.csiVolumeSnapshotsAttempted;
  if (status.csiVolumeSnapshotsCompleted)
    description.volumeSnapshotsCompleted = status.csiVolumeSnapshotsCompleted;
  if (spec.labelSelector) description.labelSelector = labelSelector(spec.labelSelector);
  if (metadata.labels) description.labels = metadata.labels;
  if (annotations[annotation.createdBy] === 'lifeboat') description.madeByLifeboat = true;
  return description;
}

/** A validated selector without Velero's nulls. */
function labelSelector(read: NonNullable<z.infer<typeof labelSelectorSchema>>): LabelSelector {
  const selector: LabelSelector = {};
  if (read.matchLabels) selector.matchLabels = read.matchLabels;
  if (read.matchExpressions)
    selector.matchExpressions = read.matchExpressions.map(({ key, operator, values }) =>
      values ? { key, operator, values } : { key, operator },
    );
  return selector;
}

/** A string from a file, for a message: JSON-quoted (control characters escaped) and at most ~80 characters. */
function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
