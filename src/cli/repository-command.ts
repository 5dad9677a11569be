/**
 * `lifeboat repository check | stats | snapshots LOCATION`: the volume repository of a location (the data
 * mover's encrypted, deduplicated store, docs/repository-format.md), read straight from the bucket in local
 * mode. The repository secret comes from `--secret-file FILE` or LIFEBOAT_REPOSITORY_SECRET, never a flag's
 * value (a flag shows in `ps`). `check` exits 1 when it finds problems, listing them. With `--server`, check
 * and stats take a location's name and run in the control plane, which keeps the secret (remote/repository.ts).
 */
import type { Command } from 'commander';
import type { ObjectStore } from '../storage/index.ts';
import {
  checkRepository,
  type Repository,
  RepositoryNotFoundError,
  repositoryStats,
  type SnapshotEntry,
  WrongSecretError,
} from '../volumes/index.ts';
import { outputFormat, printJson } from './context.ts';
import { type CliIo, exitCodes, UsageError } from './io.ts';
import { openLocalStore } from './local-store.ts';
import { formatBytes, formatTime, ProgressReporter, table } from './output.ts';
import { remoteContext } from './remote/index.ts';
import { remoteRepositoryCheck, remoteRepositoryStats } from './remote/repository.ts';
import { printCheck, printStats } from './repository-output.ts';
import { addRepositoryRestoreCommand } from './repository-restore-command.ts';
import { openWithSecret, repositorySecret, repositorySecretVariable } from './repository-secret.ts';

interface RepositoryFlags {
  secretFile?: string;
  output?: string;
}

/**
 * Opens the store of `url` and the repository in it, runs `work`, and closes the store. A wrong secret or a
 * location without a repository is a usage error with the library's sentence (exit 2).
 */
async function withRepository<T>(
  io: CliIo,
  url: string,
  flags: RepositoryFlags,
  work: (repo: Repository, store: ObjectStore) => Promise<T>,
): Promise<T> {
  const secret = await repositorySecret(io, flags.secretFile);
  const store = openLocalStore(url);
  try {
    let repo: Repository;
    try {
      ({ repo } = await openWithSecret(store, secret));
    } catch (error) {
      if (error instanceof WrongSecretError || error instanceof RepositoryNotFoundError)
        throw new UsageError(error.message, { cause: error });
      throw error;
    }
    return await work(repo, store);
  } finally {
    await store.close();
  }
}

/** The first hex digits of an id, as the snapshot listing shows it (enough to name it: 8 is the minimum). */
const shortId = (id: string) => id.slice(0, 8);

/** `-o json` of a snapshot. */
function snapshotJson({ id, manifest }: SnapshotEntry) {
  return {
    id,
    time: manifest.time,
    hostname: manifest.hostname,
    tags: manifest.tags,
    ...(manifest.parent ? { parent: manifest.parent } : {}),
    stats: manifest.stats,
    skipped: manifest.skipped.length,
  };
}

function printSnapshots(io: CliIo, location: string, snapshots: SnapshotEntry[]): void {
  if (snapshots.length === 0) {
    io.stdout(`No snapshots in the volume repository of ${location}.\n`);
    return;
  }
  const tag = (entry: SnapshotEntry, name: string) => entry.manifest.tags[name] ?? '-';
  const rows = snapshots.map((entry) => [
    shortId(entry.id),
    formatTime(new Date(entry.manifest.time)),
    tag(entry, 'cluster'),
    tag(entry, 'namespace'),
    tag(entry, 'pvc'),
    tag(entry, 'backup'),
    String(entry.manifest.stats.files),
    formatBytes(entry.manifest.stats.logicalBytes),
  ]);
  io.stdout(table(['ID', 'TIME', 'CLUSTER', 'NAMESPACE', 'PVC', 'BACKUP', 'FILES', 'SIZE'], rows));
}

/** Progress of `check --read-data` on stderr: a bar on a terminal, elsewhere a line at most every 2 s. */
function packProgress(io: CliIo) {
  const bar = new ProgressReporter(io);
  let last = 0;
  return {
    update: ({ packsRead, packs }: { packsRead: number; packs: number }) => {
      const done = packsRead === packs;
      if (io.isTty) return bar.update(packsRead, packs, 'packs read and verified', done);
      if (!done && Date.now() - last < 2000) return;
      last = Date.now();
      io.stderr(`check --read-data: ${packsRead}/${packs} packs read and verified\n`);
    },
    finish: () => bar.finish(),
  };
}

/** Refuses remote mode for `snapshots`: it reads the bucket with the secret only the caller holds. */
function refuseRemote(io: CliIo, command: Command, verb: string): void {
  if (remoteContext(io, command))
    throw new UsageError(
      `repository ${verb} runs in local mode, straight from the bucket: unset --server (or LIFEBOAT_SERVER) and give the location URL (with --server, only check and stats run, by location name)`,
    );
}

/** Adds `repository check | stats | snapshots`. */
export function addRepositoryCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const repository = program
    .command('repository')
    .description(
      "check and inspect a location's volume repository (the data mover's store): from the bucket, or check and stats through --server",
    );
  const locationArg = [
    '<location>',
    'location URL: file:///dir, s3://bucket/prefix?..., gs://bucket/prefix?..., azblob://account/container/prefix?...; with --server (check, stats): a location name',
  ] as const;
  const withCommon = (command: Command) =>
    command
      .argument(...locationArg)
      .option(
        '--secret-file <file>',
        `file holding the repository secret, as text or base64 (default: env ${repositorySecretVariable}); not with --server`,
      )
      .option('-o, --output <format>', 'json for machine-readable output');

  withCommon(
    repository
      .command('check')
      .description(
        "verify that every snapshot's trees and chunks are indexed and their packs exist; exit 1 on problems",
      )
      .option('--read-data', 'also download every pack and verify every blob decrypts to its id (slow)'),
  ).action(async (url: string, options: RepositoryFlags & { readData?: boolean }, command: Command) => {
    const remote = remoteContext(io, command);
    if (remote) return remoteRepositoryCheck(remote, url, options, setExit);
    const format = outputFormat(options.output);
    const readData = options.readData === true;
    const progress = packProgress(io);
    const result = await withRepository(io, url, options, (repo) =>
      checkRepository(repo, { readData, onProgress: progress.update }),
    );
    progress.finish();
    const location = url.split('?', 1)[0] ?? url;
    if (format === 'json') printJson(io, { location, readData, ...result });
    else printCheck(io, location, result, readData);
    setExit(result.ok ? exitCodes.completed : exitCodes.failed);
  });

  withCommon(
    repository
      .command('stats')
      .description(
        'logical size of the snapshots against the bytes stored after deduplication and compression',
      ),
  ).action(async (url: string, options: RepositoryFlags, command: Command) => {
    const remote = remoteContext(io, command);
    if (remote) return remoteRepositoryStats(remote, url, options);
    const format = outputFormat(options.output);
    const stats = await withRepository(io, url, options, (repo) => repositoryStats(repo));
    const location = url.split('?', 1)[0] ?? url;
    if (format === 'json') printJson(io, { location, ...stats });
    else printStats(io, location, stats);
  });

  withCommon(
    repository
      .command('snapshots')
      .description('list the snapshots of volumes in the repository, oldest first'),
  ).action(async (url: string, options: RepositoryFlags, command: Command) => {
    refuseRemote(io, command, 'snapshots');
    const format = outputFormat(options.output);
    const snapshots = await withRepository(io, url, options, (repo) => repo.snapshots());
    const location = url.split('?', 1)[0] ?? url;
    if (format === 'json') printJson(io, snapshots.map(snapshotJson));
    else printSnapshots(io, location, snapshots);
  });

  addRepositoryRestoreCommand(repository, io, setExit);
}
