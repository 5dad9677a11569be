/**
 * What a prepared restore is (prepare.ts makes it; the plan, the item writer and the run read it): each
 * object as the restore will treat it, and where the bodies to send wait.
 */
import type { BackupDescription } from '../archive/index.ts';
import { parseLossless } from '../kube/index.ts';
import type { BodyStore, StoredRange } from './body-store.ts';
import type { KubeJson } from './sanitize.ts';
import type { SnapshotVolume } from './volume-sources.ts';

/** One object of the backup as the restore will treat it. */
export interface PreparedItem {
  groupResource: string;
  /** API group and version from the stored object (empty when it could not be read). */
  apiVersion: string;
  kind: string;
  name: string;
  sourceNamespace?: string;
  targetNamespace?: string;
  /**
   * What will be sent to the API server, parsed (kept in memory for the few types read across objects, see
   * `residentTypes`); absent when skipped or refused, or when it waits on disk as `body`.
   */
  object?: KubeJson;
  /** What will be sent, as JSON in the restore's `bodies` (for most objects: see `objectOf`). */
  body?: StoredRange;
  skip?: string;
  /** Why the object is refused (a sentence naming its tarball path): it fails, the restore goes on. */
  refused?: string;
  /**
   * For a claim made from its CSI snapshot: the snapshot and the source the restore makes for it; for one
   * whose data was moved into the location's repository, that data (`moved`).
   */
  volume?: SnapshotVolume;
}

export interface PreparedRestore {
  description: BackupDescription;
  items: PreparedItem[];
  /** Target namespaces the restored objects live in. */
  namespaces: Set<string>;
  /** Target namespace → sanitized Namespace object from the backup (when the backup has it). */
  namespaceObjects: Map<string, KubeJson>;
  namespaceMapping: Map<string, string>;
  storageClassMapping: Map<string, string>;
  /** Claims made from their CSI snapshots or moved data (each is also the `volume` of its item). */
  volumes: SnapshotVolume[];
  /** Said once for the whole restore (e.g. that integrity could not be checked). */
  warnings: string[];
  /** Where the bodies of the objects to create wait; the caller closes it. */
  bodies: BodyStore;
}

/** Whether the restore sends the object (it is neither skipped nor refused). */
export function willCreate(item: PreparedItem): boolean {
  return item.object !== undefined || item.body !== undefined;
}

/** The object to send, parsed (read from disk unless resident). */
export async function objectOf(bodies: BodyStore, item: PreparedItem): Promise<KubeJson | undefined> {
  if (item.object || !item.body) return item.object;
  return parseLossless(await bodies.read(item.body)) as KubeJson;
}

/** The object to send, as the request body. */
export async function bodyOf(bodies: BodyStore, item: PreparedItem): Promise<string | Buffer> {
  if (item.object || !item.body) return JSON.stringify(item.object);
  return bodies.read(item.body);
}
