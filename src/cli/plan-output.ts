/**
 * What a dry-run plan says beyond its objects, printed after the plan's table: the claims that would be made
 * from CSI snapshots (with the verdict on each), objects refused (bad, tampered, or not the object their path
 * names), the rights each RBAC object would grant with what deserves a second look, and warnings about the
 * backup as a whole (local and remote mode alike).
 */
import type { RestorePlan } from '../restore/index.ts';
import { type CliIo, exitCodes } from './io.ts';
import { table } from './output.ts';
import { planVolumesText } from './restore-volume-output.ts';

/** Prints the plan's volumes, refusals, RBAC grants and warnings; nothing when it has none. */
export function printPlanChecks(io: CliIo, plan: RestorePlan): void {
  io.stdout(planVolumesText(plan.volumes));
  const refused = plan.counts.refuse ?? 0;
  if (refused > 0)
    io.stdout(
      `\n${refused === 1 ? '1 object' : `${refused} objects`} refused (rows marked refuse above): bad, tampered, or not the object their path names; a restore would fail ${refused === 1 ? 'it' : 'them'} and go on\n`,
    );
  const grants = plan.items.filter((item) => item.grants);
  if (grants.length > 0) {
    const flagged = grants.filter((item) => item.grants?.flags.length).length;
    io.stdout(
      `\nRights granted by RBAC objects${flagged ? ` (${flagged} flagged with !: check them before restoring)` : ''}:\n`,
    );
    io.stdout(
      table(
        ['', 'ACTION', 'KIND', 'NAMESPACE', 'NAME', 'GRANTS', 'FLAGS'],
        grants.map((item) => {
          const grant = item.grants as NonNullable<typeof item.grants>;
          const what = grant.role
            ? `${grant.role} to ${grant.subjects?.join(', ') || 'no one'}`
            : (grant.rules ?? []).join('; ');
          return [
            grant.flags.length ? '!' : '',
            item.action,
            item.kind,
            item.namespace ?? '',
            item.name,
            what,
            grant.flags.join('; '),
          ];
        }),
      ),
    );
  }
  for (const warning of plan.warnings ?? []) io.stdout(`\nWarning: ${warning}\n`);
}

/** The dry run's exit status: 3 when something would fail (rejected by the server, or refused), else 0. */
export function planExitCode(plan: RestorePlan): number {
  const failing = plan.counts.rejected > 0 || (plan.counts.refuse ?? 0) > 0;
  return failing ? exitCodes.partiallyFailed : exitCodes.completed;
}
