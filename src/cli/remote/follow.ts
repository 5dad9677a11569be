/**
 * `--wait`: follows backups or restores the control plane runs, by reading them once a second, until every
 * one has ended. Progress goes to stderr as in local mode; the server-side job goes on if the user stops
 * following.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError } from '../api-client.ts';
import { type CliIo, exitCodes, phaseExitCode } from '../io.ts';
import { ProgressReporter } from '../output.ts';

/** What following needs of a backup or restore view. */
export interface Run {
  name: string;
  phase: string;
  progress: { itemsDone: number; itemsTotal: number };
}

const endPhases = new Set(['Completed', 'PartiallyFailed', 'Failed']);
/** Answers that may fail in a row (a restarting server, a proxy hiccup) before following gives up. */
const maxRetries = 10;

export function hasEnded(run: Run): boolean {
  return endPhases.has(run.phase);
}

/** The exit status of runs that have ended: the worst of their phases. */
export function runsExitCode(runs: readonly Run[]): number {
  const codes = runs.map((run) => phaseExitCode(run.phase));
  if (codes.includes(exitCodes.failed)) return exitCodes.failed;
  if (codes.includes(exitCodes.partiallyFailed)) return exitCodes.partiallyFailed;
  return exitCodes.completed;
}

/** Reads `load()` every `intervalMs` until every run it returns has ended; resolves to the last reading. */
export async function follow<T extends Run>(
  io: CliIo,
  load: () => Promise<T[]>,
  intervalMs = 1000,
): Promise<T[]> {
  const progress = new ProgressReporter(io);
  let failures = 0;
  try {
    for (;;) {
      let runs: T[];
      try {
        runs = await load();
        failures = 0;
      } catch (error) {
        if (!(error instanceof ApiError && error.retryable) || ++failures > maxRetries) throw error;
        await sleep(intervalMs);
        continue;
      }
      const done = runs.reduce((sum, run) => sum + run.progress.itemsDone, 0);
      const total = runs.reduce((sum, run) => sum + run.progress.itemsTotal, 0);
      const ended = runs.every(hasEnded);
      const phases = [...new Set(runs.map((run) => run.phase))].join(', ');
      progress.update(done, total, phases, ended);
      if (ended) return runs;
      await sleep(intervalMs);
    }
  } finally {
    progress.finish();
  }
}
