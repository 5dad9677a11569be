/** Local mode's `-o json` of a backup: shared by `backup create` and `backup list | describe`. */
import type { BackupDescription, ResultGroup } from '../archive/index.ts';

/** The JSON shape of a backup in `-o json` output. */
export function backupJson(d: BackupDescription, errors?: ResultGroup, warnings?: ResultGroup) {
  return {
    name: d.name,
    phase: d.phase,
    ...(d.failureReason ? { failureReason: d.failureReason } : {}),
    startTimestamp: d.startTimestamp.toISOString(),
    completionTimestamp: d.completionTimestamp?.toISOString() ?? null,
    expiration: d.expiration.toISOString(),
    itemsBackedUp: d.itemsBackedUp,
    totalItems: d.totalItems,
    errors: d.errors,
    warnings: d.warnings,
    sizeBytes: d.sizeBytes,
    storageLocation: d.storageLocation,
    includedNamespaces: d.includedNamespaces,
    excludedNamespaces: d.excludedNamespaces,
    includedResources: d.includedResources,
    excludedResources: d.excludedResources,
    includeClusterResources: d.clusterResources,
    includeDisks: d.includeDisks,
    // Velero's snapshotVolumes left unset reads as includeDisks false, but Velero then snapshots what it can.
    includeDisksSource: d.includeDisksSource ?? 'lifeboat',
    labelSelector: d.labelSelector ?? null,
    ...(errors ? { results: { errors, warnings } } : {}),
  };
}
