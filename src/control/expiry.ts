/**
 * Expiry: every backup past its expiry is deleted by the same delete job as an API DELETE (backup-deletion.ts):
 * its files from its location, then its volume snapshots through the cluster it was taken of, then its row. A
 * Missing backup (its folder already gone) only loses its row: its name in the location may be another
 * writer's by now. A backup being restored expires once the restore has finished (the next pass).
 */
import * as db from '../db/index.ts';
import type { ControlContext } from './context.ts';

/** Queues the deletion of every backup past its expiry; resolves to how many it deleted or queued. */
export async function expireBackups(ctx: ControlContext): Promise<number> {
  const now = ctx.clock.now();
  return ctx.db.transaction(async (tx) => {
    const expired = await db.claimExpiredBackups(tx, now);
    let queued = 0;
    for (const backup of expired) {
      if ((await db.activeRestoresOf(tx, backup.id)).length > 0) continue;
      queued += 1;
      if (backup.phase === 'Missing') {
        await db.forgetBackup(tx, backup.id);
        ctx.log.info({ backup: backup.id, name: backup.name }, 'missing backup expired: its row was removed');
        continue;
      }
      await db.markBackupDeleting(tx, backup.id);
      if (!(await db.hasOpenJob(tx, 'delete-backup', backup.id)))
        await db.enqueueJob(tx, 'delete-backup', backup.id, now);
    }
    return queued;
  });
}
