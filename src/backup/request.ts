/** What a backup run is asked to do, and the progress it reports. */
import type { ClusterResourcesMode } from '../archive/index.ts';
import type { KubeClient } from '../kube/index.ts';
import type { ObjectStore } from '../storage/index.ts';
import type { SnapshotProgress } from '../volumes/index.ts';
import type { MoveDataRequest, VolumeCopyProgress } from './move-data.ts';

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
  /**
   * Snapshot every claim's volume through CSI (Velero's `snapshotVolumes`): each claim that is a CSI volume
   * gets a retained snapshot recorded in the backup; others are listed as not snapshotted, with the reason.
   */
  includeDisks?: boolean;
  /** How long one volume snapshot may take to be ready, in ms. Default 10 minutes. */
  snapshotTimeoutMs?: number;
  /**
   * Copy each snapshot's files into the location's volume repository (Velero's `snapshotMoveData`), with
   * the data mover's settings; only with `includeDisks`.
   */
  moveData?: MoveDataRequest;
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
  /** While volumes are snapshotted ("snapshotting N volumes"): how many, and how many ended. */
  volumes?: SnapshotProgress;
  /** While volumes' data is copied to the location: each volume's bytes. */
  volumeCopies?: VolumeCopyProgress[];
  done: boolean;
}
