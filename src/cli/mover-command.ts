/**
 * `lifeboat mover JOB-FILE`: what a mover pod runs (src/volumes/mover). It reads its job from the Secret
 * mounted into the pod, opens the location's repository and backs up `/data` into it or restores a snapshot
 * into `/data`; it prints a progress line (JSON) every second on stdout and leaves its result as the
 * container's termination message, where the control plane reads it. Not meant to be run by hand.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { describeError } from '../kube/index.ts';
import {
  backupDirectory,
  encodeMoverResult,
  type MoverProgress,
  type MoverResult,
  moverDataDir,
  moverJobSchema,
  openRepository,
  restoreSnapshot,
} from '../volumes/index.ts';
import { type CliIo, exitCodes } from './io.ts';
import { tuneHeapForVolumeData } from './runtime.ts';

/** Where Kubernetes reads a container's termination message from (the pod's default path). */
const terminationLog = '/dev/termination-log';

/** Adds the hidden `mover` command. */
export function addMoverCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('mover', { hidden: true })
    .description('run a data mover job (what mover pods run; not for use by hand)')
    .argument('<job>', 'the job file (JSON)')
    .option('--data <dir>', 'the volume directory', moverDataDir)
    .option('--result <file>', 'where the result goes', terminationLog)
    .action(async (jobFile: string, options: { data: string; result: string }) => {
      tuneHeapForVolumeData();
      const result = await runJob(jobFile, options.data, io);
      await writeFile(options.result, encodeMoverResult(result)).catch((error: unknown) => {
        io.stderr(`the result could not be written to ${options.result}: ${describeError(error)}\n`);
      });
      io.stdout(`${JSON.stringify(result.ok ? { done: true } : { error: result.error })}\n`);
      setExit(result.ok ? exitCodes.completed : exitCodes.failed);
    });
}

async function runJob(jobFile: string, dataDir: string, io: CliIo): Promise<MoverResult> {
  let latest: MoverProgress = { bytesDone: 0 };
  const timer = setInterval(() => io.stdout(`${JSON.stringify({ progress: latest })}\n`), 1000);
  try {
    const parsed = moverJobSchema.safeParse(JSON.parse(await readFile(jobFile, 'utf8')));
    if (!parsed.success)
      return {
        ok: false,
        error: `the job file is not a mover job of this Lifeboat version: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      };
    const job = parsed.data;
    // The control plane's modules load only in a mover pod, not at every start of the CLI.
    const { locationInput, openLocationStore, parseInput } = await import('../control/index.ts');
    const { store } = openLocationStore(
      parseInput(locationInput, job.store),
      job.awsSession ? { awsSession: job.awsSession } : {},
    );
    try {
      const secret = Buffer.from(job.secret, 'base64');
      if (job.operation === 'backup') {
        const repo = await openRepository(store, secret, { create: true });
        const parent = job.parentTags ? await repo.latestSnapshot(job.parentTags) : undefined;
        const { snapshotId, manifest } = await backupDirectory(repo, dataDir, {
          tags: job.tags,
          ...(parent ? { parent: parent.id } : {}),
          onProgress: (progress) => {
            latest = { bytesDone: progress.bytesRead, files: progress.files };
          },
        });
        return {
          ok: true,
          snapshotId,
          files: manifest.stats.files,
          logicalBytes: manifest.stats.logicalBytes,
          transferredBytes: manifest.stats.newBytes,
          durationMs: manifest.stats.durationMs,
          problems: manifest.skipped.slice(0, 20),
          problemCount: manifest.skipped.length,
        };
      }
      const repo = await openRepository(store, secret);
      const snapshotId = await repo.resolveSnapshotId(job.snapshotId);
      const done = await restoreSnapshot(repo, snapshotId, dataDir, {
        onProgress: (progress) => {
          latest = { bytesDone: progress.bytesWritten, bytesTotal: progress.totalBytes };
        },
      });
      return {
        ok: true,
        snapshotId,
        files: done.files,
        logicalBytes: done.bytes,
        transferredBytes: done.bytes,
        durationMs: done.durationMs,
        problems: done.problems.slice(0, 20),
        problemCount: done.problems.length,
      };
    } finally {
      await store.close();
    }
  } catch (error) {
    return { ok: false, error: describeError(error) };
  } finally {
    clearInterval(timer);
  }
}
