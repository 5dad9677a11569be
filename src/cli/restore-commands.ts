/**
 * `lifeboat restore create | list | describe | logs`. Local mode restores straight from the location into the
 * cluster (with `--dry-run`); with a server (`--server` or LIFEBOAT_SERVER) the control plane does it.
 */
import type { Command } from 'commander';
import type { ClusterResourcesMode } from '../archive/index.ts';
import { readRestoreLogs } from '../backup/index.ts';
import { planRestore, runRestore } from '../restore/index.ts';
import { openKube, outputFormat, printJson } from './context.ts';
import { existingResourcePolicy, list, parseMappings, volumeTimeoutMs } from './flags.ts';
import { type CliIo, phaseExitCode, UsageError } from './io.ts';
import { localMoverSettings } from './local-mover.ts';
import { openLocalStore, withBackupsElsewhere } from './local-store.ts';
import { formatTime, ProgressReporter, printRestorePlan, restoreCountsText, resultLines } from './output.ts';
import { planExitCode, printPlanChecks } from './plan-output.ts';
import {
  needsServer,
  type RestoreCreateFlags,
  refuseFlags,
  remoteContext,
  remoteRestoreCreate,
  remoteRestoreDescribe,
  remoteRestoreList,
  remoteRestoreLogs,
  requireRemote,
} from './remote/index.ts';
import { restoredVolumesText } from './restore-volume-output.ts';
import { volumeSource } from './volume-source-flag.ts';

function mode(value: string | undefined): ClusterResourcesMode {
  if (value === undefined || value === 'auto' || value === 'always' || value === 'never')
    return value ?? 'auto';
  throw new UsageError(`--include-cluster-resources must be auto, always or never, got "${value}"`);
}

function defaultName(backup: string): string {
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${backup.slice(0, 63 - 15)}-${stamp}`;
}

export function addRestoreCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const restore = program.command('restore').description('restore backups into a cluster');
  restore
    .command('create')
    .description('restore a backup into a cluster (the same one or another)')
    .argument('[name]', 'restore name (default: <backup>-<timestamp>)')
    .option('--from-backup <backup>', 'the backup to restore')
    .option('--location <url>', 'backup location URL: file:///dir or s3://bucket/prefix?region=R')
    .option(
      '--kubeconfig <file>',
      'kubeconfig of the target cluster (default: $KUBECONFIG or ~/.kube/config)',
    )
    .option('--context <name>', 'kubeconfig context to use')
    .option('--target-cluster <name>', 'with --server: the registered cluster to restore into')
    .option(
      '--include-namespaces <list>',
      'namespaces of the backup to restore (globs allowed; default: all)',
    )
    .option('--exclude-namespaces <list>', 'namespaces to leave out')
    .option('--include-resources <list>', 'resources to restore (default: all)')
    .option('--exclude-resources <list>', 'resources to leave out')
    .option('--include-cluster-resources <mode>', 'cluster-scoped resources: auto, always or never', 'auto')
    .option('--selector <selector>', 'restore only objects matching this label selector')
    .option('--namespace-mappings <pairs>', 'restore namespaces under other names: src:dst,...')
    .option('--storage-class-mappings <pairs>', 'use other storage classes: src:dst,...')
    .option(
      '--existing-resource-policy <policy>',
      'none (leave existing objects) or update (patch them to the backup)',
      'none',
    )
    .option('--preserve-nodeports', 'keep the node ports of Services')
    .option(
      '--volume-timeout <duration>',
      'how long each claim made from a CSI snapshot may take to be ready, then Bound: 10s to 1h (default 5m)',
    )
    .option(
      '--volume-source <source>',
      "where claims' data comes from when the backup kept a CSI snapshot beside a copy in the location: auto (the snapshot where the target can use it, else the copy), snapshot (snapshots only) or copy (copies only); a claim the source cannot restore fails, named",
      'auto',
    )
    .option(
      '--repository-secret-file <file>',
      "local mode: the location's volume repository secret, for claims whose data was copied there (or LIFEBOAT_REPOSITORY_SECRET)",
    )
    .option(
      '--mover-image <image>',
      'local mode: the image of mover pods (default: LIFEBOAT_MOVER_IMAGE or this release)',
    )
    .option(
      '--mover-endpoint <url>',
      "local mode: the store's URL as pods in the cluster reach it, when it differs from --location's",
    )
    .option('--dry-run', 'show what would happen, checked by the API server, and write nothing')
    .option(
      '--wait',
      'with --server: follow the restore until it ends (exit 0, 3 partially failed, 1 failed)',
    )
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (nameArg: string | undefined, options: RestoreCreateFlags, command: Command) => {
      const remote = remoteContext(io, command);
      if (remote) return remoteRestoreCreate(remote, nameArg, options, setExit);
      refuseFlags(options, {
        targetCluster: needsServer('--target-cluster'),
        wait: needsServer('--wait'),
      });
      const format = outputFormat(options.output);
      const backupName = options.fromBackup;
      if (!backupName) throw new UsageError('--from-backup is required: the name of the backup to restore');
      const policy = existingResourcePolicy(options.existingResourcePolicy);
      const volumeTimeout = volumeTimeoutMs(options.volumeTimeout);
      const source = volumeSource(options.volumeSource);
      const common = {
        name: nameArg ?? defaultName(backupName),
        backupName,
        includeNamespaces: list(options.includeNamespaces),
        excludeNamespaces: list(options.excludeNamespaces),
        includeResources: list(options.includeResources),
        excludeResources: list(options.excludeResources),
        clusterResources: mode(options.includeClusterResources),
        namespaceMappings: parseMappings('--namespace-mappings', options.namespaceMappings),
        storageClassMappings: parseMappings('--storage-class-mappings', options.storageClassMappings),
        existingResourcePolicy: policy,
        preserveNodePorts: options.preserveNodeports === true,
        ...(options.selector ? { labelSelector: options.selector } : {}),
        ...(source ? { volumeSource: source } : {}),
      } as const;
      const store = openLocalStore(options.location);
      const kube = await openKube(io, options.kubeconfig, options.context);
      try {
        const mover = await localMoverSettings(io, options.location as string, store, options);
        if (options.dryRun) {
          const plan = await withBackupsElsewhere(store, options.location as string, () =>
            planRestore({ ...common, store, kube, moverAvailable: mover !== undefined }),
          );
          if (format === 'json') printJson(io, plan);
          else {
            printRestorePlan(io, plan);
            printPlanChecks(io, plan);
          }
          setExit(planExitCode(plan));
          return;
        }
        const progress = new ProgressReporter(io);
        const outcome = await withBackupsElsewhere(store, options.location as string, () =>
          runRestore({
            ...common,
            store,
            kube,
            ...(mover ? { mover } : {}),
            ...(volumeTimeout === undefined ? {} : { volumeTimeoutMs: volumeTimeout }),
            onProgress: (p) => progress.update(p.itemsDone, p.totalItems, p.currentResource ?? '', p.done),
          }),
        );
        progress.finish();
        if (format === 'json') printJson(io, outcome);
        else {
          io.stdout(
            `Restore "${outcome.name}" of backup "${outcome.backupName}" ${outcome.phase}: ${restoreCountsText(outcome.counts)}; finished ${formatTime(outcome.completionTimestamp)}\n`,
          );
          if (outcome.failureReason) io.stdout(`Reason: ${outcome.failureReason}\n`);
          io.stdout(restoredVolumesText(outcome.volumes));
          io.stdout(resultLines('Errors', outcome.errors) + resultLines('Warnings', outcome.warnings));
        }
        setExit(phaseExitCode(outcome.phase));
      } finally {
        await Promise.all([kube.close(), store.close()]);
      }
    });

  restore
    .command('list')
    .description('list the restores of the project, newest first (needs --server)')
    .option('--cluster <name>', 'only restores into this cluster')
    .option('--backup <name>', 'only restores of this backup')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action((options: { output?: string; cluster?: string; backup?: string }, command: Command) =>
      remoteRestoreList(requireRemote(io, command), options),
    );

  restore
    .command('describe')
    .description(
      "show a restore's settings, progress and results; --details lists every object (needs --server)",
    )
    .argument('<name>', 'restore name')
    .option('--details', 'list every object the restore has done')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action((name: string, options: { output?: string; details?: boolean }, command: Command) =>
      remoteRestoreDescribe(requireRemote(io, command), name, options),
    );

  restore
    .command('logs')
    .description("print a restore's log")
    .argument('<name>', 'restore name')
    .option('--location <url>', 'backup location URL (not with --server)')
    .action(async (name: string, options: { location?: string }, command: Command) => {
      const remote = remoteContext(io, command);
      if (remote) return remoteRestoreLogs(remote, name, options);
      const store = openLocalStore(options.location);
      try {
        const text = await readRestoreLogs(store, name);
        if (text === undefined)
          throw new UsageError(`restore "${name}" has no log in ${store.description} (is the name right?)`);
        io.stdout(text.endsWith('\n') ? text : `${text}\n`);
      } finally {
        await store.close();
      }
    });
}
