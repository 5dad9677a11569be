/**
 * The scheduler: each policy's next run is persisted. A tick locks the due policies (skipping those another
 * replica holds), records their backups and moves each policy to its next run after *now* — so after
 * downtime a missed run happens once, and with several replicas each scheduled backup happens once (the
 * backup's name is derived from the slot, and a row of that policy under it means the slot ran: a second
 * guard). Expiry is in expiry.ts.
 */
import * as db from '../db/index.ts';
import { startPolicyRun } from './backup-runs.ts';
import type { ControlContext } from './context.ts';
import { nextRun, scheduledBackupName } from './schedule.ts';

/** Runs the policies due now; resolves to the number of backups recorded. */
export async function runDuePolicies(ctx: ControlContext): Promise<number> {
  const now = ctx.clock.now();
  return ctx.db.transaction(async (tx) => {
    let started = 0;
    for (const policy of await db.claimDuePolicies(tx, now)) {
      const slot = policy.nextRunAt ?? now;
      started += await startPolicyRun(ctx, tx, policy, scheduledBackupName(policy.prefix, slot));
      await db.setPolicyRun(tx, policy.id, now, nextRun(policy.schedule, policy.anchorAt, now));
      ctx.log.info({ policy: policy.id, slot: slot.toISOString() }, 'scheduled backup recorded');
    }
    return started;
  });
}

export { expireBackups } from './expiry.ts';
