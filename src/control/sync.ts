/**
 * Sync: the bucket is the source of truth. Backups found in a location that the database does not know
 * (a rebuilt server, another Lifeboat, the CLI in local mode) are recorded, attributed to their cluster when
 * its label names a cluster of the location's project.
 */
import { randomUUID } from 'node:crypto';
import { listBackups as listStoredBackups } from '../backup/index.ts';
import type { BackupRecord, LocationRecord } from '../db/index.ts';
import * as db from '../db/index.ts';
import { describeError } from '../kube/index.ts';
import { clusterIdLabel } from './backups.ts';
import type { ControlContext } from './context.ts';
import { openStoredLocation } from './locations.ts';

/** Records the unknown backups of one location; resolves to their names. */
export async function syncLocation(ctx: ControlContext, location: LocationRecord): Promise<string[]> {
  const store = openStoredLocation(ctx, location);
  try {
    const known = await db.backupNamesIn(ctx.db, location.id);
    const clusters = new Map((await db.listClusters(ctx.db, location.projectId)).map((c) => [c.id, c]));
    const added: string[] = [];
    // Only the names not known yet are read: a sync pass over a location of thousands of backups is one list.
    for (const stored of await listStoredBackups(store, (name) => !known.has(name))) {
      if (!('description' in stored)) continue;
      const d = stored.description;
      const cluster = clusters.get(d.labels?.[clusterIdLabel] ?? '');
      const record: BackupRecord = {
        id: randomUUID(),
        projectId: location.projectId,
        locationId: location.id,
        clusterId: cluster?.id ?? null,
        clusterName: cluster?.name ?? null,
        workspaceId: null,
        groupId: null,
        policyId: null,
        name: d.name,
        trigger: 'sync',
        phase: d.phase === 'Completed' || d.phase === 'PartiallyFailed' ? d.phase : 'Failed',
        options: {
          includeNamespaces: d.includedNamespaces,
          excludeNamespaces: d.excludedNamespaces,
          includeResources: d.includedResources,
          excludeResources: d.excludedResources,
          clusterResources: d.clusterResources,
          includeDisks: d.includeDisks,
          ttlHours: Math.round(d.ttlMs / 3600_000),
        },
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
      if (await db.insertBackup(ctx.db, record)) added.push(d.name);
    }
    if (added.length > 0)
      ctx.log.info({ location: location.id, added: added.length }, 'backups synced from the bucket');
    return added;
  } finally {
    await store.close().catch(() => undefined);
  }
}

/** Syncs every location; a location that cannot be read is logged and skipped. */
export async function syncAllLocations(ctx: ControlContext): Promise<number> {
  let added = 0;
  for (const location of await db.listLocations(ctx.db)) {
    try {
      added += (await syncLocation(ctx, location)).length;
    } catch (error) {
      ctx.log.warn({ location: location.id, err: describeError(error) }, 'sync of a location failed');
    }
  }
  return added;
}
