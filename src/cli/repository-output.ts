/**
 * How `lifeboat repository check | stats` print what they found, in local mode (read from the bucket) and
 * through the server (`--server`, run by the control plane) alike.
 */
import type { CheckProblem, CheckResult, RepositoryStats } from '../volumes/index.ts';
import type { CliIo } from './io.ts';
import { formatBytes } from './output.ts';

export function printStats(io: CliIo, location: string, stats: RepositoryStats): void {
  const rows: [string, string][] = [
    ['Snapshots:', String(stats.snapshots)],
    ['Files:', `${stats.files} (over every snapshot)`],
    ['Logical size:', `${formatBytes(stats.logicalBytes)} (what restoring every snapshot would write)`],
    [
      'Unique data:',
      `${formatBytes(stats.uniqueBytes)} in ${stats.dataBlobs} chunks (deduplicated, before compression)`,
    ],
    ['Trees:', `${formatBytes(stats.treeBytes)} in ${stats.treeBlobs} trees`],
    ['Stored:', `${formatBytes(stats.storedBytes)} in ${stats.packs} packs (compressed and encrypted)`],
    ['Index:', formatBytes(stats.indexBytes)],
    ['Keys:', String(stats.keys)],
    [
      'Ratio:',
      stats.storedBytes > 0 ? `${stats.ratio.toFixed(2)} (logical size / stored)` : '- (nothing stored yet)',
    ],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 1;
  io.stdout(`Volume repository of ${location}\n`);
  for (const [label, value] of rows) io.stdout(`  ${label.padEnd(width)}${value}\n`);
}

const problemLine = (problem: CheckProblem) =>
  `  ${problem.kind}${problem.key ? ` ${problem.key}` : ''}: ${problem.message}\n`;

/** How many problems are listed in the human output; `-o json` lists every one. */
const problemsListed = 50;

export function printCheck(io: CliIo, location: string, result: CheckResult, readData: boolean): void {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  io.stdout(
    `Volume repository of ${location}: ${plural(result.snapshots, 'snapshot')}, ${plural(result.trees, 'tree')} and ${plural(result.dataBlobs, 'chunk')} needed, ${plural(result.packs, 'pack')}${readData ? ` (${result.packsRead} read and verified)` : ' (present and long enough; --read-data reads and verifies them)'}\n`,
  );
  const list = (title: string, problems: CheckProblem[]) => {
    if (problems.length === 0) return;
    io.stdout(`${title}:\n`);
    for (const problem of problems.slice(0, problemsListed)) io.stdout(problemLine(problem));
    if (problems.length > problemsListed)
      io.stdout(`  ... and ${problems.length - problemsListed} more (-o json lists every one)\n`);
  };
  list(`${plural(result.errors.length, 'problem')}`, result.errors);
  list(`${plural(result.warnings.length, 'warning')}`, result.warnings);
  io.stdout(
    result.ok
      ? 'No problems found.\n'
      : 'The repository is damaged: the snapshots that need the objects above cannot be fully restored. Back the volumes up again to store their data anew.\n',
  );
}
