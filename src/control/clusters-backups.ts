/**
 * The backups that can be restored into a cluster: every finished backup of its project (a backup restores
 * into any cluster of its project), the cluster's own first, then the others grouped by the cluster they were
 * taken of (a removed cluster's under the name it had).
 */
import type { BackupRecord } from '../db/index.ts';
import * as db from '../db/index.ts';
import type { Caller } from './access.ts';
import { type BackupView, viewBackup } from './backup-view.ts';
import { resolveCluster } from './clusters.ts';
import type { ControlContext } from './context.ts';

export interface RestorableBackupsView {
  cluster: { id: string; name: string };
  /** Backups of this cluster, newest first. */
  own: BackupView[];
  /**
   * Backups of the project's other clusters, by cluster (by name), newest first in each. `removed`: the
   * cluster is no longer in the project (its backups remain); `id` null when Lifeboat never knew it.
   */
  others: {
    cluster: { id: string | null; name: string; removed: boolean };
    backups: BackupView[];
  }[];
}

const restorable = (backup: BackupRecord) =>
  backup.phase === 'Completed' || backup.phase === 'PartiallyFailed';

export async function restorableBackups(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  clusterRef: string,
): Promise<RestorableBackupsView> {
  const cluster = await resolveCluster(ctx, caller, projectRef, clusterRef, 'viewer');
  const [backups, clusters] = await Promise.all([
    db.listBackupRecords(ctx.db, cluster.projectId),
    db.listClusters(ctx.db, cluster.projectId),
  ]);
  const current = new Map(clusters.map((c) => [c.id, c.name]));
  const own: BackupView[] = [];
  const others = new Map<string, RestorableBackupsView['others'][number]>();
  for (const backup of backups.filter(restorable)) {
    if (backup.clusterId === cluster.id) {
      own.push(viewBackup(backup));
      continue;
    }
    const live = backup.clusterId ? current.get(backup.clusterId) : undefined;
    const name = live ?? backup.clusterName ?? '(unknown cluster)';
    const key = backup.clusterId ?? `name:${name}`;
    const group = others.get(key) ?? {
      cluster: { id: backup.clusterId, name, removed: live === undefined },
      backups: [],
    };
    others.set(key, group);
    group.backups.push(viewBackup(backup));
  }
  return {
    cluster: { id: cluster.id, name: cluster.name },
    own,
    // Clusters of the project first, by name; then removed or unknown ones.
    others: [...others.values()].sort(
      (a, b) =>
        Number(a.cluster.removed) - Number(b.cluster.removed) || a.cluster.name.localeCompare(b.cluster.name),
    ),
  };
}
