/** A group restore's errors and warnings as one run's, for the badges beside its phase. */
import type { GroupRestoreView } from '../../../src/api/types.ts';
import { type RunMessages, type RunWithMessages, runMessageLines } from '../components/MessageCounts.tsx';

/** Each member's messages, prefixed with the cluster it restored into (the counts are the group's). */
export function groupRun(group: GroupRestoreView): RunWithMessages {
  const of = (kind: 'errors' | 'warnings'): RunMessages => ({
    velero: group.members.flatMap((member) =>
      runMessageLines(member[kind]).map((line) => `Into ${member.targetCluster.name}: ${line}`),
    ),
  });
  return {
    phase: group.phase,
    errorCount: group.errorCount,
    warningCount: group.warningCount,
    errors: of('errors'),
    warnings: of('warnings'),
  };
}
