/** Human output: tables, sizes, times, progress. */
import type { ResultGroup } from '../archive/index.ts';
import type { RestorePlan } from '../restore/index.ts';
import type { CliIo } from './io.ts';

/** Renders rows as left-aligned columns under upper-case headers, as kubectl does. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}

/** Sizes read the same in every command's output (and in the engines' sentences). */
export { formatBytes } from '../archive/index.ts';

export function formatTime(date: Date | undefined): string {
  if (!date || Number.isNaN(date.getTime())) return '-';
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** A time the API sent (ISO 8601, or null when not yet). */
export function formatIsoTime(value: string | null | undefined): string {
  return formatTime(value ? new Date(value) : undefined);
}

/** Progress on a terminal: one bar redrawn in place. Elsewhere: a plain line at most every 2 s. */
export class ProgressReporter {
  private readonly io: CliIo;
  private lastLine = 0;
  private drawn = false;

  constructor(io: CliIo) {
    this.io = io;
  }

  update(done: number, total: number, detail: string, final = false): void {
    const now = Date.now();
    if (this.io.isTty) {
      const width = 30;
      const ratio = total > 0 ? Math.min(1, done / total) : 0;
      const filled = Math.round(ratio * width);
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
      this.io.stderr(`\r\x1b[2K${bar} ${done}/${total} ${detail}`);
      this.drawn = true;
      if (final) this.finish();
      return;
    }
    if (final || now - this.lastLine >= 2000) {
      this.lastLine = now;
      this.io.stderr(`progress: ${done}/${total} items ${detail}\n`);
    }
  }

  finish(): void {
    if (this.drawn) this.io.stderr('\n');
    this.drawn = false;
  }
}

/** A restore's result counts in the words of its plan and the console, in one order, whichever mode ran it. */
const restoreCountWords: [key: string, words: string][] = [
  ['created', 'created'],
  ['updated', 'updated'],
  ['unchanged', 'unchanged'],
  ['exists', 'left as they were (differ)'],
  ['skipped', 'skipped'],
  ['failed', 'failed'],
];

export function restoreCountsText(counts: Readonly<Record<string, number>>): string {
  const known = new Set(restoreCountWords.map(([key]) => key));
  return [
    ...restoreCountWords.map(([key, words]) => `${counts[key] ?? 0} ${words}`),
    ...Object.entries(counts)
      .filter(([key]) => !known.has(key))
      .map(([key, n]) => `${n} ${key}`),
  ].join(', ');
}

/** Errors or warnings grouped as Velero groups them, one per line under a title; empty when there are none. */
export function resultLines(title: string, group: ResultGroup): string {
  const lines: string[] = [];
  for (const message of group.velero ?? []) lines.push(`  ${message}`);
  for (const message of group.cluster ?? []) lines.push(`  cluster: ${message}`);
  for (const [ns, messages] of Object.entries(group.namespaces ?? {}))
    for (const m of messages) lines.push(`  ${ns}: ${m}`);
  return lines.length ? `${title}:\n${lines.join('\n')}\n` : '';
}

/** A restore's dry run: every object with what would happen to it, then namespaces and storage classes. */
export function printRestorePlan(io: CliIo, plan: RestorePlan): void {
  const rows = plan.items.map((item) => [
    item.action,
    item.kind,
    item.namespace ?? '',
    item.name,
    item.reason ??
      (item.changedFields
        ? `changed: ${item.changedFields.slice(0, 6).join(', ')}${item.changedFields.length > 6 ? ', ...' : ''}`
        : (item.serverVerdict ?? '')),
  ]);
  io.stdout(
    `Dry run of restore "${plan.restoreName}" from backup "${plan.backupName}" (nothing was written)\n\n`,
  );
  io.stdout(table(['ACTION', 'KIND', 'NAMESPACE', 'NAME', 'DETAIL'], rows));
  const c = plan.counts;
  io.stdout(
    `\n${c.create} to create (${c.rejected} rejected by the API server), ${c.unchanged} unchanged, ${c.differs} left as they are (differ), ${c.update} to update, ${c.skip} skipped\n`,
  );
  if (plan.namespaces.length) {
    io.stdout(
      `\nNamespaces:\n${table(
        ['NAMESPACE', 'FROM', 'STATE'],
        plan.namespaces.map((n) => [n.name, n.mappedFrom ?? '', n.state]),
      )}`,
    );
  }
  if (plan.storageClasses.length) {
    io.stdout(
      `\nStorage classes:\n${table(
        ['STORAGE CLASS', 'FROM', 'IN TARGET', 'USED BY'],
        plan.storageClasses.map((s) => [
          s.name,
          s.mappedFrom ?? '',
          s.exists ? 'yes' : 'MISSING (map it with --storage-class-mappings)',
          s.usedBy.join(', '),
        ]),
      )}`,
    );
  }
}
