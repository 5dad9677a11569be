/**
 * Sync: the bucket is the source of truth, and it is written by others too. A pass over a location:
 * - records the backups Lifeboat does not know (a rebuilt server, another Lifeboat, the CLI in local mode,
 *   Velero), each under its FOLDER's name — a backup's identity is its location and folder, never the name
 *   its description claims — attributed to its cluster when its label names a cluster of the location's
 *   project, with its tarball's size when its description records none (Velero's);
 * - records the folders it cannot read as backups (a description naming another backup, malformed,
 *   oversized...) as problems of the location, shown with it, replaced at every pass (so cleared once gone);
 * - marks Missing the finished backups whose folder is gone.
 * It costs one listing of `backups/` plus one read per folder not known yet (and a HEAD of the tarball of
 * each that records no size).
 */
import { randomUUID } from 'node:crypto';
import type { BackupDescription } from '../archive/index.ts';
import { listBackups as listStoredBackups } from '../backup/index.ts';
import type { BackupRecord, LocationRecord, SyncProblem } from '../db/index.ts';
import * as db from '../db/index.ts';
import { describeError } from '../kube/index.ts';
import { clusterIdLabel } from './backup-files.ts';
import type { BackupViewOptions } from './backup-view.ts';
import type { ControlContext } from './context.ts';
import { openStoredLocation } from './locations.ts';

/** At most this many of a location's sync problems are kept and shown (their number is kept whole). */
export const syncProblemLimit = 50;

/** What one pass over a location found. */
export interface SyncResult {
  /** Folders recorded as new backups. */
  added: string[];
  /** Backups marked Missing: their folder is gone from the location. */
  missing: string[];
  /** Folders that could not be recorded, with the reason. */
  problems: SyncProblem[];
}

function recordOf(
  location: LocationRecord,
  folder: string,
  d: BackupDescription,
  clusterName: Map<string, string>,
) {
  const clusterId = d.labels?.[clusterIdLabel];
  const known = clusterId !== undefined && clusterName.has(clusterId);
  // Kept in the row's options (JSON): a view tells Velero's unset snapshotVolumes from false by it.
  const options: BackupViewOptions = {
    includeNamespaces: d.includedNamespaces,
    excludeNamespaces: d.excludedNamespaces,
    includeResources: d.includedResources,
    excludeResources: d.excludedResources,
    clusterResources: d.clusterResources,
    includeDisks: d.includeDisks,
    ...(d.includeDisksSource ? { includeDisksSource: d.includeDisksSource } : {}),
    ttlHours: Math.round(d.ttlMs / 3600_000),
  };
  const record: BackupRecord = {
    id: randomUUID(),
    projectId: location.projectId,
    locationId: location.id,
    clusterId: known ? clusterId : null,
    clusterName: known ? (clusterName.get(clusterId) ?? null) : null,
    workspaceId: null,
    groupId: null,
    policyId: null,
    name: folder,
    trigger: 'sync',
    phase: d.phase === 'Completed' || d.phase === 'PartiallyFailed' ? d.phase : 'Failed',
    options,
    itemsDone: d.itemsBackedUp,
    itemsTotal: d.totalItems,
    bytes: d.sizeBytes,
    errorCount: d.errors,
    warningCount: d.warnings,
    errors: {},
    warnings: {},
    failureReason: d.failureReason ?? null,
    expiresAt: d.expiration,
    createdAt: d.startTimestamp,
    startedAt: d.startTimestamp,
    completedAt: d.completionTimestamp ?? null,
  };
  return record;
}

/** Syncs one location: records unknown backups, its problems, and backups gone missing. */
export async function syncLocation(ctx: ControlContext, location: LocationRecord): Promise<SyncResult> {
  const store = openStoredLocation(ctx, location);
  try {
    // Read before the listing: every backup finished by then has all its files in the location, so one not
    // listed is gone (one finishing during the pass is checked at the next).
    const finished = await db.finishedBackupsIn(ctx.db, location.id);
    const known = await db.backupNamesIn(ctx.db, location.id);
    const clusterName = new Map(
      (await db.listClusters(ctx.db, location.projectId)).map((c) => [c.id, c.name]),
    );
    const present = new Set<string>();
    // Only the folders not known yet are read: a pass over thousands of backups is one listing. `wanted`
    // sees every folder of that listing, which also tells which known backups are still there.
    const stored = await listStoredBackups(store, (folder) => {
      present.add(folder);
      return !known.has(folder);
    });
    const result: SyncResult = { added: [], missing: [], problems: [] };
    for (const found of stored) {
      if ('error' in found) {
        result.problems.push({ folder: found.name, reason: found.error, seenAt: '' });
        continue;
      }
      if (found.description.name !== found.name) {
        // A decoy or a copied folder: recording it would let its description act on another backup.
        result.problems.push({
          folder: found.name,
          reason: `its description names backup "${found.description.name}", not its folder: refused (a backup is known by its folder)`,
          seenAt: '',
        });
        continue;
      }
      if (await db.insertBackup(ctx.db, recordOf(location, found.name, found.description, clusterName)))
        result.added.push(found.name);
    }
    const gone = finished.filter((backup) => !present.has(backup.name));
    if (gone.length > 0) {
      await db.markBackupsMissing(
        ctx.db,
        gone.map((backup) => backup.id),
      );
      result.missing = gone.map((backup) => backup.name);
      ctx.log.warn(
        { location: location.id, missing: result.missing.slice(0, 20), count: gone.length },
        'backups missing from their location',
      );
    }
    await saveProblems(ctx, location, result.problems);
    if (result.added.length > 0)
      ctx.log.info({ location: location.id, added: result.added.length }, 'backups synced from the bucket');
    return result;
  } finally {
    await store.close().catch(() => undefined);
  }
}

/** Replaces the location's problems with this pass's, keeping when each was first seen. */
async function saveProblems(ctx: ControlContext, location: LocationRecord, problems: SyncProblem[]) {
  const now = ctx.clock.now().toISOString();
  const before = new Map(location.syncProblems.map((p) => [`${p.folder}\n${p.reason}`, p.seenAt]));
  for (const problem of problems) problem.seenAt = before.get(`${problem.folder}\n${problem.reason}`) ?? now;
  problems.sort((a, b) => a.folder.localeCompare(b.folder));
  if (problems.length > 0)
    ctx.log.warn(
      { location: location.id, folders: problems.slice(0, 20).map((p) => p.folder), count: problems.length },
      'folders of a location could not be read as backups',
    );
  await db.setSyncResult(
    ctx.db,
    location.id,
    problems.slice(0, syncProblemLimit),
    problems.length,
    ctx.clock.now(),
  );
}

/** Syncs every location; a location that cannot be read is logged and skipped. */
export async function syncAllLocations(ctx: ControlContext): Promise<number> {
  let added = 0;
  for (const location of await db.listLocations(ctx.db)) {
    try {
      added += (await syncLocation(ctx, location)).added.length;
    } catch (error) {
      ctx.log.warn({ location: location.id, err: describeError(error) }, 'sync of a location failed');
    }
  }
  return added;
}
