/**
 * A finished backup's or restore's errors and warnings as badges beside its phase, so a run that did not do
 * all it was asked (disks it could not snapshot, objects it skipped) never reads as a clean Completed. The
 * tooltip lists the first few; the run's page has them all.
 */
import { plural } from '../format.ts';

/** Velero's grouping of a run's messages: the run's own, cluster-wide, then by namespace. */
export interface RunMessages {
  velero?: string[];
  cluster?: string[];
  namespaces?: Record<string, string[]>;
}

/** What the badges read of a backup or a restore. */
export interface RunWithMessages {
  phase: string;
  errorCount: number;
  warningCount: number;
  errors: RunMessages;
  warnings: RunMessages;
}

/** Every message on one line, prefixed with where it arose unless it is the run's own. */
export function runMessageLines(messages: RunMessages): string[] {
  return [
    ...(messages.velero ?? []),
    ...(messages.cluster ?? []).map((line) => `Cluster-wide: ${line}`),
    ...Object.entries(messages.namespaces ?? {}).flatMap(([namespace, lines]) =>
      lines.map((line) => `Namespace ${namespace}: ${line}`),
    ),
  ];
}

/** The most a tooltip lists. */
const tooltipLines = 5;

/** What a run is, and where all its messages are. */
const pageOf = {
  backup: "the backup's page",
  restore: "the restore's page",
  'group restore': "its restores' pages",
} as const;

function tooltip(lines: string[], kind: keyof typeof pageOf): string {
  const shown = lines.slice(0, tooltipLines);
  const more = lines.length - shown.length;
  return [...shown, ...(more > 0 ? [`… and ${more} more on ${pageOf[kind]}`] : [])].join('\n');
}

export function MessageCounts(props: {
  run: RunWithMessages;
  kind: keyof typeof pageOf;
  /** The lines of a tooltip (default {@link runMessageLines}). */
  lines?: (messages: RunMessages) => string[];
}) {
  const { run, kind } = props;
  const lines = props.lines ?? runMessageLines;
  // A failed run says why in its own badge; a clean one has nothing to add.
  if (run.phase === 'Failed' || (run.errorCount === 0 && run.warningCount === 0)) return null;
  return (
    <>
      {run.errorCount > 0 ? (
        <span className="badge badge-bad badge-count" title={tooltip(lines(run.errors), kind)}>
          {plural(run.errorCount, 'error')}
        </span>
      ) : null}
      {run.warningCount > 0 ? (
        <span className="badge badge-warn badge-count" title={tooltip(lines(run.warnings), kind)}>
          {plural(run.warningCount, 'warning')}
        </span>
      ) : null}
    </>
  );
}
