/**
 * `lifeboat backup create`: in local mode, straight from the cluster to the location, with progress; with a
 * server (`--server` or LIFEBOAT_SERVER), through the control plane (remote/backups.ts).
 */
import type { Command } from 'commander';
import { runBackup } from '../backup/index.ts';
import { backupJson } from './backup-json.ts';
import { openKube, outputFormat, printJson } from './context.ts';
import { addExpiryOptions, clusterResourcesMode, expiryMs, list } from './flags.ts';
import { type CliIo, phaseExitCode, UsageError } from './io.ts';
import { openLocalStore } from './local-store.ts';
import { formatBytes, formatTime, ProgressReporter, resultLines } from './output.ts';
import { type BackupCreateFlags, remoteBackupCreate } from './remote/backups.ts';
import { needsServer, refuseFlags, remoteContext } from './remote/context.ts';
import { storageLocationName } from './storage-location.ts';

/** Adds `create` to the `backup` command. */
export function addBackupCreateCommand(backup: Command, io: CliIo, setExit: (code: number) => void): void {
  const create = backup
    .command('create')
    .description('back up a cluster to a location')
    .argument('[name]', 'backup name (lower-case letters, digits, - and .); optional with --server')
    .option('--kubeconfig <file>', 'kubeconfig of the cluster (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use')
    .option(
      '--location <url>',
      'backup location URL: file:///dir or s3://bucket/prefix?region=R; with --server, a location name',
    )
    .option(
      '--storage-location <name>',
      "the location's name recorded in the backup (Velero's BackupStorageLocation name; default: made from the URL's bucket and prefix, or folder)",
    )
    .option('--cluster <name>', 'with --server: the registered cluster to back up')
    .option('--workspace <name>', 'with --server: back up every cluster of this workspace')
    .option('--wait', 'with --server: follow the backup until it ends (exit 0, 3 partially failed, 1 failed)')
    .option('--include-namespaces <list>', 'namespaces to take (globs allowed; default: all)')
    .option('--exclude-namespaces <list>', 'namespaces to leave out')
    .option('--include-resources <list>', 'resources to take (default: all)')
    .option('--exclude-resources <list>', 'resources to leave out')
    .option('--include-cluster-resources <mode>', 'cluster-scoped resources: auto, always or never', 'auto')
    .option('--selector <selector>', 'take only objects matching this label selector');
  addExpiryOptions(create, 'the backup')
    .option(
      '--include-disks',
      'snapshot the CSI volumes of the PVCs backed up (kept as long as the backup, deleted with it)',
    )
    .option(
      '--copy-volume-data',
      "with --server: copy the snapshots' files to the location, encrypted and deduplicated, so disks restore into any cluster (default: the location's setting)",
    )
    .option('--no-copy-volume-data', "with --server: keep the snapshots' data in the storage only")
    .option('--snapshot-move-data', "same as --copy-volume-data (Velero's name)")
    .option(
      '--keep-volume-snapshots',
      "with --server: keep each CSI snapshot beside its copied data (default: the location's setting; Velero's data mover deletes them)",
    )
    .option('--no-keep-volume-snapshots', 'with --server: delete each CSI snapshot once its data is copied')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(
      async (
        nameArg: string | undefined,
        options: BackupCreateFlags & { storageLocation?: string },
        command: Command,
      ) => {
        const remote = remoteContext(io, command);
        if (remote && options.storageLocation !== undefined)
          throw new UsageError(
            "--storage-location is for local mode: the server records its location's name (--location NAME)",
          );
        if (remote) return remoteBackupCreate(remote, nameArg, options, setExit);
        refuseFlags(options, {
          cluster: needsServer('--cluster'),
          workspace: needsServer('--workspace'),
          wait: needsServer('--wait'),
          copyVolumeData: needsServer('--copy-volume-data'),
          snapshotMoveData: needsServer('--snapshot-move-data'),
          keepVolumeSnapshots: needsServer('--keep-volume-snapshots'),
        });
        if (!nameArg)
          throw new UsageError('give the backup a name: lifeboat backup create NAME --location URL');
        const name = nameArg;
        const format = outputFormat(options.output);
        const store = openLocalStore(options.location);
        const storageLocation = storageLocationName(options.location as string, options.storageLocation);
        const ttlMs = expiryMs(options);
        const mode = clusterResourcesMode(options.includeClusterResources);
        const kube = await openKube(io, options.kubeconfig, options.context);
        const progress = new ProgressReporter(io);
        try {
          const outcome = await runBackup({
            name,
            kube,
            store,
            storageLocation,
            includeNamespaces: list(options.includeNamespaces),
            excludeNamespaces: list(options.excludeNamespaces),
            includeResources: list(options.includeResources),
            excludeResources: list(options.excludeResources),
            clusterResources: mode,
            ...(options.selector ? { labelSelector: options.selector } : {}),
            ...(ttlMs === undefined ? {} : { ttlMs }),
            includeDisks: options.includeDisks === true,
            onProgress: (p) =>
              progress.update(
                p.itemsBackedUp,
                p.totalItems,
                `${formatBytes(p.bytes)}${p.currentResource ? ` ${p.currentResource}` : ''}`,
                p.done,
              ),
          });
          progress.finish();
          const d = outcome.description;
          if (format === 'json') printJson(io, backupJson(d, outcome.errors, outcome.warnings));
          else {
            io.stdout(
              `Backup "${d.name}" ${d.phase}: ${d.itemsBackedUp} items, ${formatBytes(d.sizeBytes)}, ${d.errors} errors, ${d.warnings} warnings, expires ${formatTime(d.expiration)}\n`,
            );
            if (d.failureReason) io.stdout(`Reason: ${d.failureReason}\n`);
            io.stdout(resultLines('Errors', outcome.errors) + resultLines('Warnings', outcome.warnings));
          }
          setExit(phaseExitCode(d.phase));
        } finally {
          progress.finish();
          await Promise.all([kube.close(), store.close()]);
        }
      },
    );
}
