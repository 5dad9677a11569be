/**
 * `lifeboat backup create | list | describe | logs | delete`. Local mode goes straight to the cluster and the
 * location; with a server (`--server` or LIFEBOAT_SERVER) each verb acts through the control plane instead.
 * `create` is in backup-create-command.ts; the verbs on existing backups are here.
 */
import type { Command } from 'commander';
import {
  backupVolumesOf,
  deleteBackupWithSnapshots,
  describeBackup,
  listBackups,
  readBackupLogs,
  readBackupVolumeInfo,
} from '../backup/index.ts';
import { describeError } from '../kube/index.ts';
import type { ObjectStore } from '../storage/index.ts';
import { addBackupCreateCommand } from './backup-create-command.ts';
import { backupJson } from './backup-json.ts';
import { contentsNote, contentsTable, describeVolumes, includeDisksText } from './backup-output.ts';
import { openKube, outputFormat, printJson } from './context.ts';
import { type CliIo, exitCodes, UsageError } from './io.ts';
import { backupsElsewhere, openLocalStore, withBackupsElsewhere } from './local-store.ts';
import { formatBytes, formatTime, resultLines, table } from './output.ts';
import {
  remoteBackupDelete,
  remoteBackupDescribe,
  remoteBackupList,
  remoteBackupLogs,
} from './remote/backups.ts';
import { needsServer, refuseFlags, remoteContext } from './remote/context.ts';
import { snapshotLabel, summarizeVolumes, type VolumesSummary } from './volume-output.ts';

export { backupJson } from './backup-json.ts';

interface CommonOptions {
  location?: string;
  output?: string;
}

/** A backup's volumes read from its location; a volume info that cannot be read is said, not thrown. */
async function localVolumes(store: ObjectStore, name: string): Promise<VolumesSummary> {
  try {
    const entries = await readBackupVolumeInfo(store, name);
    return summarizeVolumes(entries && backupVolumesOf(entries));
  } catch (error) {
    return {
      state: 'unreadable',
      reason: `the volumes cannot be listed: ${describeError(error)}`,
      items: [],
      snapshotted: 0,
    };
  }
}

export function addBackupCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const backup = program
    .command('backup')
    .description('create, list, describe and delete backups in a location (or through --server)');

  addBackupCreateCommand(backup, io, setExit);

  backup
    .command('list')
    .description('list the backups in a location (with --server: of the project)')
    .option('--location <url>', 'backup location URL; with --server, only the backups of this location')
    .option('--cluster <name>', 'with --server: only the backups of this cluster')
    .option('--workspace <name>', 'with --server: only the backups of this workspace')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (options: CommonOptions & { cluster?: string; workspace?: string }, command: Command) => {
      const remote = remoteContext(io, command);
      if (remote) return remoteBackupList(remote, options);
      refuseFlags(options, { cluster: needsServer('--cluster'), workspace: needsServer('--workspace') });
      const format = outputFormat(options.output);
      const store = openLocalStore(options.location);
      try {
        const backups = await listBackups(store);
        // A prefix one level too high (s3://b/ for backups made at s3://b/prod/) is the likely slip.
        const elsewhere =
          backups.length === 0 ? await backupsElsewhere(store, options.location as string) : undefined;
        if (format === 'json') {
          // stdout stays the JSON a script parses; the hint goes where a person running it looks.
          if (elsewhere) io.stderr(`${elsewhere}\n`);
          printJson(
            io,
            backups.map((b) =>
              'description' in b
                ? backupJson(b.description)
                : { name: b.name, phase: 'Unreadable', error: b.error },
            ),
          );
          return;
        }
        if (backups.length === 0) {
          io.stdout(elsewhere ? `${elsewhere}\n` : `No backups in ${store.description}\n`);
          return;
        }
        // An unreadable backup is listed with the reason, and the others with it: one bad folder fails alone.
        const rows = backups.map((b) =>
          'description' in b
            ? [
                b.name,
                b.description.phase,
                String(b.description.itemsBackedUp),
                String(b.description.errors),
                String(b.description.warnings),
                formatBytes(b.description.sizeBytes),
                formatTime(b.description.startTimestamp),
                formatTime(b.description.expiration),
                '',
              ]
            : [b.name, 'Unreadable', '-', '-', '-', '-', '-', '-', b.error],
        );
        const headers = ['NAME', 'STATUS', 'ITEMS', 'ERRORS', 'WARNINGS', 'SIZE', 'CREATED', 'EXPIRES'];
        io.stdout(table(backups.some((b) => 'error' in b) ? [...headers, 'PROBLEM'] : headers, rows));
      } finally {
        await store.close();
      }
    });

  backup
    .command('describe')
    .description("show a backup's settings, results and (with --details) its objects")
    .argument('<name>', 'backup name')
    .option('--location <url>', 'backup location URL (not with --server)')
    .option('--details', 'list every object in the backup')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (name: string, options: CommonOptions & { details?: boolean }, command: Command) => {
      const remote = remoteContext(io, command);
      if (remote) return remoteBackupDescribe(remote, name, options);
      const format = outputFormat(options.output);
      const store = openLocalStore(options.location);
      try {
        const details = await withBackupsElsewhere(store, options.location as string, () =>
          describeBackup(store, name, { details: options.details === true }),
        );
        const d = details.description;
        const volumes = await localVolumes(store, name);
        if (format === 'json') {
          const contents = details.contents;
          printJson(io, {
            ...backupJson(d, details.errors, details.warnings),
            volumes,
            ...(contents
              ? {
                  contentsSource: contents.source,
                  ...(contents.warning ? { contentsWarning: contents.warning } : {}),
                  items: contents.items,
                }
              : options.details
                ? { contentsSource: 'none' }
                : {}),
          });
          return;
        }
        const lines = [
          `Name:             ${d.name}`,
          `Phase:            ${d.phase}${d.failureReason ? ` (${d.failureReason})` : ''}`,
          `Storage location: ${d.storageLocation}`,
          `Namespaces:       included: ${d.includedNamespaces.join(', ') || '*'}; excluded: ${d.excludedNamespaces.join(', ') || '<none>'}`,
          `Resources:        included: ${d.includedResources.join(', ') || '*'}; excluded: ${d.excludedResources.join(', ') || '<none>'}`,
          `Cluster-scoped:   ${d.clusterResources}`,
          `Label selector:   ${d.labelSelector ? JSON.stringify(d.labelSelector) : '<none>'}`,
          `Include disks:    ${includeDisksText(d.includeDisks, d.includeDisksSource)}`,
          `Started:          ${formatTime(d.startTimestamp)}`,
          `Completed:        ${formatTime(d.completionTimestamp)}`,
          `Expires:          ${formatTime(d.expiration)}`,
          `Items:            ${d.itemsBackedUp} of ${d.totalItems}`,
          `Size:             ${formatBytes(d.sizeBytes)}`,
          `Errors:           ${d.errors}`,
          `Warnings:         ${d.warnings}`,
        ];
        io.stdout(
          `${lines.join('\n')}\n${describeVolumes(d.includeDisks, d.includeDisksSource, volumes)}${resultLines('\nErrors', details.errors)}${resultLines('\nWarnings', details.warnings)}`,
        );
        if (options.details) {
          const contents = details.contents;
          const note = contentsNote(
            contents?.source ?? 'none',
            contents?.warning ?? null,
            `${name}-resource-list.json.gz`,
          );
          io.stdout(`\n${note}${contents && contents.items.length > 0 ? contentsTable(contents) : ''}`);
        }
      } finally {
        await store.close();
      }
    });

  backup
    .command('logs')
    .description("print a backup's log")
    .argument('<name>', 'backup name')
    .option('--location <url>', 'backup location URL (not with --server)')
    .action(async (name: string, options: CommonOptions, command: Command) => {
      const remote = remoteContext(io, command);
      if (remote) return remoteBackupLogs(remote, name, options);
      const store = openLocalStore(options.location);
      try {
        const text = await readBackupLogs(store, name);
        if (text === undefined)
          throw new UsageError(`backup "${name}" has no log in ${store.description} (is the name right?)`);
        io.stdout(text.endsWith('\n') ? text : `${text}\n`);
      } finally {
        await store.close();
      }
    });

  backup
    .command('delete')
    .description(
      'delete a backup from a location, then its volume snapshots through the cluster it was taken of',
    )
    .argument('<name>', 'backup name')
    .option('--location <url>', 'backup location URL (not with --server)')
    .option(
      '--kubeconfig <file>',
      'kubeconfig of the cluster the backup was taken of, to delete its snapshots (default: $KUBECONFIG or ~/.kube/config)',
    )
    .option('--context <name>', 'kubeconfig context of that cluster')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(
      async (
        name: string,
        options: CommonOptions & { kubeconfig?: string; context?: string },
        command: Command,
      ) => {
        const remote = remoteContext(io, command);
        if (remote) return remoteBackupDelete(remote, name, options);
        const format = outputFormat(options.output);
        const store = openLocalStore(options.location);
        const cluster = `the cluster of ${options.context ? `context "${options.context}" of ` : ''}${options.kubeconfig ? `kubeconfig ${options.kubeconfig}` : 'the default kubeconfig'}`;
        try {
          const deletion = await deleteBackupWithSnapshots(store, name, {
            openCluster: () => openKube(io, options.kubeconfig, options.context),
            clusterDescription: cluster,
          });
          const { deletedObjects, snapshots, left } = deletion;
          if (left.length > 0) setExit(exitCodes.partiallyFailed);
          if (format === 'json') {
            printJson(io, { name, deleted: true, deletedObjects, snapshots });
            return;
          }
          const gone = snapshots.length - left.length;
          io.stdout(
            `Backup "${name}" deleted (${deletedObjects} objects removed from ${store.description}${
              snapshots.length > 0 ? `; ${gone} of ${snapshots.length} volume snapshots deleted` : ''
            })\n`,
          );
          for (const report of left)
            io.stderr(
              `warning: volume snapshot ${snapshotLabel(report)} is left in the storage: ${report.reason ?? 'not deleted'}\n`,
            );
          if (left.length > 0)
            io.stderr(
              'Delete the snapshots left in the storage yourself (or through a VolumeSnapshotContent of each handle): the backup that named them is gone.\n',
            );
        } finally {
          await store.close();
        }
      },
    );
}
