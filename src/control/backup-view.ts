/** What the API shows of a backup: its row, and what it holds. */
import type { BackupDescription } from '../archive/index.ts';
import type { BackupDetails } from '../backup/index.ts';
import type { BackupOptions, BackupRecord, VolumeCopyRecord } from '../db/index.ts';
import type { BackupVolumesView } from './backup-volumes.ts';
import { progressOf } from './progress.ts';

/**
 * What a backup was asked to do. `includeDisksSource` is set on backups sync found (kept in the row's
 * options): `velero-unset` when Velero's `snapshotVolumes` was left unset, which Velero reads as "snapshot
 * every volume a snapshotter serves" — not as false, though `includeDisks` then is false.
 */
export type BackupViewOptions = BackupOptions & {
  includeDisksSource?: NonNullable<BackupDescription['includeDisksSource']>;
};

export interface BackupView {
  id: string;
  projectId: string;
  name: string;
  location: { id: string };
  cluster: { id: string | null; name: string | null };
  workspaceId: string | null;
  groupId: string | null;
  trigger: BackupRecord['trigger'];
  /**
   * Queued, InProgress, Completed, PartiallyFailed, Failed, Deleting, or Missing: its folder is gone from the
   * location (found by sync); deleting or expiring a Missing backup removes it from Lifeboat only.
   */
  phase: BackupRecord['phase'];
  progress: { itemsDone: number; itemsTotal: number; percent: number };
  /** Each volume's data copied to the location (the data mover): bytes done, phase, reason. Empty when none. */
  volumeCopies: VolumeCopyRecord[];
  bytes: number;
  errorCount: number;
  warningCount: number;
  errors: BackupRecord['errors'];
  warnings: BackupRecord['warnings'];
  failureReason: string | null;
  /**
   * Set when a deletion could not succeed for good (the reason is `failureReason`): deleting the backup again
   * removes it from Lifeboat only, leaving whatever is in the location.
   */
  deleteFailedAt: string | null;
  options: BackupViewOptions;
  expiresAt: string | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
}

/** One backup as its own page shows it: the view, and its volumes (from its volume info in the location). */
export interface BackupDetailView extends BackupView {
  volumes: BackupVolumesView;
}

export function viewBackup(backup: BackupRecord): BackupView {
  const finished = backup.phase === 'Completed' || backup.phase === 'PartiallyFailed';
  return {
    id: backup.id,
    projectId: backup.projectId,
    name: backup.name,
    location: { id: backup.locationId },
    cluster: { id: backup.clusterId, name: backup.clusterName },
    workspaceId: backup.workspaceId,
    groupId: backup.groupId,
    trigger: backup.trigger,
    phase: backup.phase,
    progress: progressOf(finished, backup.itemsDone, backup.itemsTotal),
    volumeCopies: backup.volumeCopies ?? [],
    bytes: backup.bytes,
    errorCount: backup.errorCount,
    warningCount: backup.warningCount,
    errors: backup.errors,
    warnings: backup.warnings,
    failureReason: backup.failureReason,
    deleteFailedAt: backup.deleteFailedAt?.toISOString() ?? null,
    options: backup.options,
    expiresAt: backup.expiresAt?.toISOString() ?? null,
    createdAt: backup.createdAt.toISOString(),
    startedAt: backup.startedAt?.toISOString() ?? null,
    completedAt: backup.completedAt?.toISOString() ?? null,
  };
}

/** Where a backup's contents were listed from, or `none` when it has none of the files they come from. */
export type ContentsSource = NonNullable<BackupDetails['contents']>['source'] | 'none';

/** What a finished backup holds, by namespace (null for cluster-scoped) and kind. */
export interface ContentsView {
  /** Whether the backup has Lifeboat's index (a Velero-made backup does not). */
  indexed: boolean;
  /**
   * Where the contents come from: `lifeboat-index` (each object with its checksum), `velero-resource-list`
   * (Velero's list of the backup's objects, completed with the tarball's paths; no per-object checksums),
   * `tarball` (the tarball's paths alone: no kinds, so each `kind` is the resource, e.g. `deployments`), or
   * `none`.
   */
  source: ContentsSource;
  /** Why part of the contents could not be read (they are shown without it), or null. */
  warning: string | null;
  totalItems: number;
  namespaces: { namespace: string | null; kinds: ContentsKind[] }[];
}

/** The objects of one kind in one namespace. */
export interface ContentsKind {
  kind: string;
  group: string;
  /**
   * The plural resource of the tarball's paths (`deployments`): with the group, namespace and name it is how
   * one object is opened (`GET .../backups/{backup}/object`). Absent when the contents do not say it (a kind
   * of Velero's resource list the tarball's paths could not be matched to).
   */
  resource?: string;
  items: string[];
}

/** The contents of a backup (`describeBackup` with details) grouped by namespace and kind, sorted. */
export function contentsView(contents: BackupDetails['contents']): ContentsView {
  const byNamespace = new Map<string | null, Map<string, ContentsKind>>();
  for (const entry of contents?.items ?? []) {
    const namespace = entry.namespace ?? null;
    const kinds = byNamespace.get(namespace) ?? new Map();
    byNamespace.set(namespace, kinds);
    const kindName = entry.kind || (entry.resource ?? '');
    const key = `${entry.group}/${kindName}`;
    const kind: ContentsKind = kinds.get(key) ?? { kind: kindName, group: entry.group, items: [] };
    if (kind.resource === undefined && entry.resource !== undefined) kind.resource = entry.resource;
    kinds.set(key, kind);
    kind.items.push(entry.name);
  }
  const namespaces = [...byNamespace.entries()]
    .sort(([a], [b]) => (a ?? '').localeCompare(b ?? ''))
    .map(([namespace, kinds]) => ({
      namespace,
      kinds: [...kinds.values()]
        .sort((a, b) => a.kind.localeCompare(b.kind))
        .map((kind) => ({ ...kind, items: kind.items.sort() })),
    }));
  return {
    indexed: contents?.source === 'lifeboat-index',
    source: contents?.source ?? 'none',
    warning: contents?.warning ?? null,
    totalItems: contents?.items.length ?? 0,
    namespaces,
  };
}
