/** The records the control plane keeps, as the repositories return them (camelCase, Dates, parsed JSON). */
import type { Row } from './database.ts';

export type Role = 'admin' | 'operator' | 'viewer';
export type ClusterHealth = 'Unknown' | 'Healthy' | 'Unhealthy';
export type LocationProvider = 'aws' | 'gcp' | 'minio' | 'azure';
export type LocationStatus = 'Unknown' | 'Valid' | 'Invalid';
/**
 * `Missing`: the row's folder is gone from its location (found by sync); deleting or expiring it removes the
 * row only.
 */
export type BackupPhase =
  | 'Queued'
  | 'InProgress'
  | 'Completed'
  | 'PartiallyFailed'
  | 'Failed'
  | 'Deleting'
  | 'Missing';
export type RestorePhase = 'Queued' | 'InProgress' | 'Completed' | 'PartiallyFailed' | 'Failed';
export type BackupTrigger = 'manual' | 'schedule' | 'sync';
export type JobKind = 'backup' | 'restore' | 'delete-backup';
export type ClusterResources = 'auto' | 'always' | 'never';
/** Errors or warnings grouped as Velero's results are: cluster-scoped, then by namespace. */
export interface ResultMessages {
  velero?: string[];
  cluster?: string[];
  namespaces?: Record<string, string[]>;
}

export interface UserRecord {
  id: string;
  name: string;
  isAdmin: boolean;
  createdAt: Date;
}
export interface TokenRecord {
  id: string;
  userId: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}
export interface ProjectRecord {
  id: string;
  name: string;
  createdAt: Date;
}
export interface MemberRecord {
  projectId: string;
  userId: string;
  userName: string;
  role: Role;
}
export interface ClusterRecord {
  id: string;
  projectId: string;
  name: string;
  /** Encrypted kubeconfig (vault format). */
  kubeconfigSecret: string;
  context: string | null;
  server: string | null;
  health: ClusterHealth;
  healthReason: string | null;
  healthCheckedAt: Date | null;
  createdAt: Date;
}
export interface WorkspaceRecord {
  id: string;
  projectId: string;
  name: string;
  namespaces: string[];
  clusterIds: string[];
  createdAt: Date;
}
export interface LocationRecord {
  id: string;
  projectId: string;
  name: string;
  provider: LocationProvider;
  /** Non-secret fields (bucket, region, endpoint, CA certificate...). */
  config: Record<string, unknown>;
  /** Encrypted secret fields (vault format), or null. */
  secret: string | null;
  status: LocationStatus;
  statusChecks: string[];
  statusProblems: string[];
  validatedAt: Date | null;
  /** Folders of the location the last sync could not read (at most `syncProblemLimit` kept). */
  syncProblems: SyncProblem[];
  /** How many folders the last sync could not read (may exceed the problems kept). */
  syncProblemCount: number;
  syncedAt: Date | null;
  /** The sealed secret of the location's volume repository (the data mover); null until first needed. */
  repositorySecret: string | null;
  createdAt: Date;
}
/** A folder under `backups/` that sync could not record as a backup, and why. */
export interface SyncProblem {
  folder: string;
  reason: string;
  /** When sync first saw this problem (ISO 8601). */
  seenAt: string;
}
/** A schedule as users pick it (DESIGN.md section 6). */
export type Schedule =
  | { kind: 'never' }
  | { kind: 'weekly' }
  | { kind: 'biweekly' }
  | { kind: 'monthly' }
  | { kind: 'bimonthly' }
  | { kind: 'custom'; month: string; day: string; hour: string; minute: string };
export interface PolicyRecord {
  id: string;
  projectId: string;
  clusterId: string | null;
  workspaceId: string | null;
  locationId: string;
  prefix: string;
  schedule: Schedule & { timeZone?: string };
  ttlHours: number;
  includeDisks: boolean;
  /** Copy the snapshots' data to the location (the data mover), with `includeDisks`; null: the location's default. */
  copyVolumeData: boolean | null;
  /** Keep each CSI snapshot beside its copied data (with copying); null: the location's default. */
  keepVolumeSnapshots: boolean | null;
  clusterResources: ClusterResources;
  namespaces: string[];
  anchorAt: Date;
  nextRunAt: Date | null;
  lastRunAt: Date | null;
  createdAt: Date;
}
/** One volume's data copied to the location by a backup (the data mover), as its progress shows it. */
export interface VolumeCopyRecord {
  namespace: string;
  pvc: string;
  phase: 'Pending' | 'Copying' | 'Completed' | 'Failed';
  bytesDone: number;
  bytesTotal?: number;
  bytesUploaded?: number;
  reason?: string;
}
/** What a backup was asked to do. */
export interface BackupOptions {
  includeNamespaces: string[];
  excludeNamespaces: string[];
  includeResources: string[];
  excludeResources: string[];
  clusterResources: ClusterResources;
  labelSelector?: string;
  includeDisks: boolean;
  /** Copy the snapshots' data to the location; absent: the location's default when the backup runs. */
  copyVolumeData?: boolean;
  /** Keep each CSI snapshot beside its copied data; absent: the location's default when the backup runs. */
  keepVolumeSnapshots?: boolean;
  ttlHours: number;
}
export interface BackupRecord {
  id: string;
  projectId: string;
  locationId: string;
  clusterId: string | null;
  clusterName: string | null;
  workspaceId: string | null;
  groupId: string | null;
  policyId: string | null;
  name: string;
  trigger: BackupTrigger;
  phase: BackupPhase;
  options: BackupOptions;
  /** Each volume's copy to the location, while and after the data mover runs. */
  volumeCopies?: VolumeCopyRecord[];
  itemsDone: number;
  itemsTotal: number;
  bytes: number;
  errorCount: number;
  warningCount: number;
  errors: ResultMessages;
  warnings: ResultMessages;
  failureReason: string | null;
  expiresAt: Date | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  /**
   * Set when a deletion could not succeed for good (a name that is no valid key, a location that refuses):
   * the row is Failed with the reason, and deleting it again forgets the row, leaving the location alone.
   */
  deleteFailedAt?: Date | null;
}
export interface RestoreOptionsRecord {
  includeNamespaces: string[];
  excludeNamespaces: string[];
  includeResources: string[];
  excludeResources: string[];
  clusterResources?: ClusterResources;
  labelSelector?: string;
  namespaceMappings: Record<string, string>;
  storageClassMappings: Record<string, string>;
  existingResourcePolicy: 'none' | 'update';
  preserveNodePorts: boolean;
  /** How long each claim made from a CSI snapshot may take (the engine's default when absent), in ms. */
  volumeTimeoutMs?: number;
  /** Where claims' data may come from (the engine's `volumeSource`); absent: `auto` (restores made before it). */
  volumeSource?: 'auto' | 'snapshot' | 'copy';
  /** Set on each member restore of a group restore (a workspace's backup group restored together). */
  groupRestore?: GroupRestoreTag;
}
/** Which group restore a restore belongs to: its id and name, the backup group and its workspace. */
export interface GroupRestoreTag {
  id: string;
  name: string;
  groupId: string;
  workspaceId: string | null;
}
/** A claim a restore makes from a CSI snapshot, and where it is: Pending, Bound, or Failed with the reason. */
export interface RestoreVolumeRecord {
  namespace: string;
  pvc: string;
  volumeSnapshot: string;
  snapshotHandle?: string;
  driver?: string;
  storageClass?: string;
  phase: 'Pending' | 'Bound' | 'Failed';
  reason?: string;
}
export interface RestoreRecord {
  id: string;
  projectId: string;
  backupId: string | null;
  backupName: string;
  /** Null once the location is deleted (the restore's history stays). */
  locationId: string | null;
  sourceClusterId: string | null;
  targetClusterId: string | null;
  targetClusterName: string;
  name: string;
  options: RestoreOptionsRecord;
  phase: RestorePhase;
  itemsDone: number;
  itemsTotal: number;
  counts: Record<string, number>;
  errorCount: number;
  warningCount: number;
  errors: ResultMessages;
  warnings: ResultMessages;
  failureReason: string | null;
  /** The claims made from CSI snapshots, as last saved (empty when the restore has none). */
  volumes: RestoreVolumeRecord[];
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
}
export interface RestoreItemRecord {
  seq: number;
  groupResource: string;
  /** The object's kind (null for items recorded before it was kept). */
  kind: string | null;
  namespace: string | null;
  name: string;
  action: string;
  detail: string | null;
}
export interface JobRecord {
  id: string;
  kind: JobKind;
  subjectId: string;
  state: 'queued' | 'running' | 'finished';
  replicaId: string | null;
  outcome: string | null;
  createdAt: Date;
  claimedAt: Date | null;
  heartbeatAt: Date | null;
  finishedAt: Date | null;
}

/** snake_case row → camelCase record; 64-bit integers become numbers. */
export function toRecord<T>(row: Row): T {
  const record: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    record[key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase())] =
      typeof value === 'bigint' ? Number(value) : value;
  }
  return record as T;
}
