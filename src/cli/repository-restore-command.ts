/**
 * `lifeboat repository restore LOCATION SNAPSHOT --target DIR`: break-glass restore of one volume snapshot
 * of a location's repository into a local directory, straight from the bucket with the repository secret
 * (local mode, no server, no cluster). It writes what the mover pod writes into a claim: contents, modes,
 * times, symlinks, hard links, empty directories, and owners when run as root. The target must be missing
 * or empty, so nothing already there is overwritten. Exit 0 when every entry was restored, 3 when some
 * were not (each listed), 2 for bad input (unknown snapshot, target not empty, wrong secret).
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { ObjectStore } from '../storage/index.ts';
import {
  RepositoryNotFoundError,
  type RestoreResult,
  RestoreTargetError,
  restoreSnapshot,
  SnapshotNotFoundError,
  WrongSecretError,
} from '../volumes/index.ts';
import { outputFormat, printJson } from './context.ts';
import { type CliIo, exitCodes, UsageError } from './io.ts';
import { openLocalStore } from './local-store.ts';
import { formatBytes } from './output.ts';
import { remoteContext } from './remote/index.ts';
import { openWithSecret, repositorySecret } from './repository-secret.ts';
import { tuneHeapForVolumeData } from './runtime.ts';

interface RestoreFlags {
  target?: string;
  secretFile?: string;
  output?: string;
  owners?: boolean;
}

/** Problems listed in the human output; `-o json` lists every one the library kept. */
const problemsListed = 50;

/** Progress on stderr: a line every 2 s (the library reports per blob), and a last one at the end. */
function byteProgress(io: CliIo) {
  let last = 0;
  const started = Date.now();
  return ({ bytesWritten, totalBytes }: { bytesWritten: number; totalBytes: number }) => {
    const now = Date.now();
    if (now - last < 2000) return;
    last = now;
    const rate = bytesWritten / 1024 / 1024 / Math.max(0.001, (now - started) / 1000);
    io.stderr(
      `restore: ${formatBytes(bytesWritten)} of ${formatBytes(totalBytes)} written (${rate.toFixed(1)} MiB/s)\n`,
    );
  };
}

function printResult(io: CliIo, snapshotId: string, target: string, result: RestoreResult): void {
  const seconds = result.durationMs / 1000;
  const rate = result.bytes / 1024 / 1024 / Math.max(0.001, seconds);
  io.stdout(
    `Restored volume snapshot ${snapshotId.slice(0, 8)} into ${target}: ${result.files} files, ${result.dirs} directories, ${result.symlinks} symlinks, ${result.hardlinks} hard links, ${formatBytes(result.bytes)} in ${seconds.toFixed(1)} s (${rate.toFixed(1)} MiB/s)\n`,
  );
  if (result.problems.length === 0) return;
  io.stdout(`${result.problems.length} entries not (fully) restored:\n`);
  for (const { path, reason } of result.problems.slice(0, problemsListed))
    io.stdout(`  ${path}: ${reason}\n`);
  if (result.problems.length > problemsListed)
    io.stdout(`  ... and ${result.problems.length - problemsListed} more (-o json lists them)\n`);
  io.stdout(
    'The other entries are restored. Run `lifeboat repository check URL --read-data` to see what is damaged in the repository.\n',
  );
}

/** Adds `restore` to the `repository` command. */
export function addRepositoryRestoreCommand(
  repository: Command,
  io: CliIo,
  setExit: (code: number) => void,
): void {
  repository
    .command('restore')
    .description(
      'write one volume snapshot into a local directory (contents, modes, times, links; owners as root)',
    )
    .argument(
      '<location>',
      'location URL: file:///dir, s3://bucket/prefix?..., gs://bucket/prefix?..., azblob://account/container/prefix?...',
    )
    .argument('<snapshot>', 'snapshot id, or a unique prefix of 8+ hex digits (see `repository snapshots`)')
    .option('--target <dir>', 'directory to restore into: missing or empty (required)')
    .option(
      '--secret-file <file>',
      'file holding the repository secret, as text or base64 (default: env LIFEBOAT_REPOSITORY_SECRET)',
    )
    .option('--no-owners', 'do not set owners (by default they are set when running as root, who alone can)')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (url: string, snapshot: string, options: RestoreFlags, command: Command) => {
      if (remoteContext(io, command))
        throw new UsageError(
          'repository restore runs in local mode, straight from the bucket: unset --server (or LIFEBOAT_SERVER) and give the location URL',
        );
      const format = outputFormat(options.output);
      tuneHeapForVolumeData();
      if (!options.target)
        throw new UsageError(
          'give --target DIR: the directory to restore into (it is created when missing and must be empty)',
        );
      const target = resolve(options.target);
      const location = url.split('?', 1)[0] ?? url;
      const secret = await repositorySecret(io, options.secretFile);
      const store = openLocalStore(url);
      try {
        const { id, result } = await restoreFrom(store, secret, snapshot, target, {
          ...(options.owners === false ? { owners: false } : {}),
          ...(format === 'json' ? {} : { onProgress: byteProgress(io) }),
        });
        if (format === 'json') printJson(io, { location, snapshot: id, target, ...result });
        else printResult(io, id, target, result);
        setExit(result.problems.length === 0 ? exitCodes.completed : exitCodes.partiallyFailed);
      } catch (error) {
        throw usageErrorOf(error, location) ?? error;
      } finally {
        await store.close();
      }
    });
}

async function restoreFrom(
  store: ObjectStore,
  secret: string,
  snapshot: string,
  target: string,
  options: Parameters<typeof restoreSnapshot>[3],
): Promise<{ id: string; result: RestoreResult }> {
  const { repo } = await openWithSecret(store, secret);
  const id = await repo.resolveSnapshotId(snapshot);
  return { id, result: await restoreSnapshot(repo, id, target, options) };
}

/** The library's errors that a user fixes by typing something else, as usage errors (exit 2). */
function usageErrorOf(error: unknown, location: string): UsageError | undefined {
  if (error instanceof SnapshotNotFoundError)
    return new UsageError(
      `volume snapshot "${error.snapshotId}" is not in the repository of ${location}: list them with \`lifeboat repository snapshots ${location} --secret-file FILE\` and give an id (or a unique prefix of 8+ hex digits)`,
      { cause: error },
    );
  if (error instanceof RestoreTargetError)
    return new UsageError(`${error.message}; give --target a new or empty directory`, { cause: error });
  if (error instanceof WrongSecretError || error instanceof RepositoryNotFoundError)
    return new UsageError(error.message, { cause: error });
  return undefined;
}
