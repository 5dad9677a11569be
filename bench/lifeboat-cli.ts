/**
 * Running the `lifeboat` CLI as a user does (its own process, `-o json`) from a benchmark, with its wall time,
 * the engine's own time from its start and completion timestamps, and the process's CPU time when
 * /usr/bin/time is there to measure it.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { nodeFlags } from '../src/cli/runtime.ts';
import { projectRoot, type TestbedEnv } from '../test/testbed/testbed.ts';

const run = promisify(execFile);
const time = '/usr/bin/time';
const usageLine = /^lifeboat-rusage ([\d.]+) ([\d.]+) (\d+)$/m;

/** `load 1.00 0.90 0.80`: the load average, printed beside every figure (the machine may be shared). */
export const loadAverage = () =>
  `load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;

export interface CliRun {
  /** Wall time of the whole process, start-up included. */
  seconds: number;
  /** The answer printed with `-o json`. */
  out: Record<string, unknown>;
  /** User and system CPU seconds of the process and its peak RSS, when /usr/bin/time measured them. */
  cpuSeconds?: number;
  peakRssMiB?: number;
}

/**
 * Runs the lifeboat CLI with `args` (plus `-o json`) and the test bed's S3 keys in its environment: this
 * checkout's, or the one at `root` (an earlier version, to compare with).
 */
export async function lifeboatCli(env: TestbedEnv, args: string[], root = projectRoot): Promise<CliRun> {
  // As users run it: bin/lifeboat.js (the compile cache on before the first TypeScript module loads).
  const command = [...nodeFlags, join(root, 'bin/lifeboat.js'), ...args, '-o', 'json'];
  const measured = existsSync(time);
  const started = performance.now();
  let stdout: string;
  let stderr = '';
  try {
    ({ stdout, stderr } = await run(
      measured ? time : process.execPath,
      measured ? ['-f', 'lifeboat-rusage %U %S %M', process.execPath, ...command] : command,
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: env.s3.accessKeyId,
          AWS_SECRET_ACCESS_KEY: env.s3.secretAccessKey,
        },
        maxBuffer: 512 << 20,
      },
    ));
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    if (!failed.stdout?.trim())
      throw new Error(`lifeboat ${args.slice(0, 2).join(' ')} failed: ${failed.stderr}`);
    stdout = failed.stdout; // a phase other than Completed exits non-zero; its answer is still printed
    stderr = failed.stderr ?? '';
  }
  const seconds = (performance.now() - started) / 1000;
  const result: CliRun = { seconds, out: JSON.parse(stdout) as Record<string, unknown> };
  const usage = usageLine.exec(stderr);
  if (usage) {
    result.cpuSeconds = Number(usage[1]) + Number(usage[2]);
    result.peakRssMiB = Number(usage[3]) / 1024;
  }
  return result;
}

/** The engine's own seconds: from the answer's start to its completion timestamp. */
export const engineSeconds = (out: Record<string, unknown>) =>
  (Date.parse(String(out.completionTimestamp)) - Date.parse(String(out.startTimestamp))) / 1000;

/** The median of some figures (the mean of the middle two when there is an even number). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
