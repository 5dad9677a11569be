/** `lifeboat backup create | list | describe | logs | delete` through the control plane. */
import type { BackupRequest, BackupView } from '../api-client.ts';
import { ApiError } from '../api-client.ts';
import { contentsViewText, describeVolumes, includeDisksText } from '../backup-output.ts';
import { outputFormat, printJson } from '../context.ts';
import { clusterResourcesMode, type ExpiryFlags, expiryHours, list } from '../flags.ts';
import { exitCodes, UsageError } from '../io.ts';
import { formatBytes, formatIsoTime, resultLines, table } from '../output.ts';
import type { Remote } from './context.ts';
import { localOnly, refuseFlags } from './context.ts';
import { follow, hasEnded, runsExitCode } from './follow.ts';

/** Flags of `backup create` (local-mode ones included, to refuse them). */
export interface BackupCreateFlags extends ExpiryFlags {
  output?: string;
  kubeconfig?: string;
  context?: string;
  location?: string;
  cluster?: string;
  workspace?: string;
  includeNamespaces?: string;
  excludeNamespaces?: string;
  includeResources?: string;
  excludeResources?: string;
  includeClusterResources?: string;
  selector?: string;
  includeDisks?: boolean;
  /** Copy the snapshots' data to the location (the data mover); `--snapshot-move-data` is Velero's name. */
  copyVolumeData?: boolean;
  snapshotMoveData?: boolean;
  /** Keep the CSI snapshots beside their copied data (Lifeboat's addition; Velero always deletes them). */
  keepVolumeSnapshots?: boolean;
  wait?: boolean;
}

function summary(view: BackupView): string {
  const lines = [
    `Backup "${view.name}" of cluster "${view.cluster.name ?? '?'}" ${view.phase}: ${view.progress.itemsDone} items, ${formatBytes(view.bytes)}, ${view.errorCount} errors, ${view.warningCount} warnings, expires ${formatIsoTime(view.expiresAt)}\n`,
  ];
  if (view.failureReason) lines.push(`Reason: ${view.failureReason}\n`);
  lines.push(resultLines('Errors', view.errors), resultLines('Warnings', view.warnings));
  return lines.join('');
}

export async function remoteBackupCreate(
  remote: Remote,
  name: string | undefined,
  flags: BackupCreateFlags,
  setExit: (code: number) => void,
): Promise<void> {
  const { api, io } = remote;
  const format = outputFormat(flags.output);
  refuseFlags(flags, {
    kubeconfig: localOnly('--kubeconfig', 'give --cluster NAME of a registered cluster'),
    context: localOnly('--context', 'the registered cluster’s own context is used'),
  });
  if ((flags.cluster === undefined) === (flags.workspace === undefined))
    throw new UsageError('give either --cluster NAME or --workspace NAME: what to back up');
  if (!flags.location)
    throw new UsageError(
      '--location is required: the name of a location of the project (`lifeboat location list` shows them)',
    );
  const expiry = expiryHours(flags);
  const body: BackupRequest = {
    ...(name ? { name } : {}),
    location: flags.location,
    namespaces: list(flags.includeNamespaces),
    excludeNamespaces: list(flags.excludeNamespaces),
    includeResources: list(flags.includeResources),
    excludeResources: list(flags.excludeResources),
    includeClusterResources: clusterResourcesMode(flags.includeClusterResources),
    includeDisks: flags.includeDisks === true,
    ...copyVolumeDataField(flags),
    ...(flags.selector ? { labelSelector: flags.selector } : {}),
    ...(expiry === undefined ? {} : { expiryHours: expiry }),
  };
  const project = remote.project();
  let started: BackupView[];
  let load: () => Promise<BackupView[]>;
  if (flags.cluster !== undefined) {
    const backup = await api.backUpCluster(project, flags.cluster, body);
    started = [backup];
    load = async () => [await api.getBackup(project, backup.name)];
    if (format === 'json' && !flags.wait) printJson(io, backup);
  } else {
    const group = await api.backUpWorkspace(project, flags.workspace as string, body);
    started = group.backups;
    load = () => api.listBackups(project, { group: group.groupId });
    if (format === 'json' && !flags.wait) printJson(io, group);
    else if (format !== 'json')
      for (const skipped of group.skipped)
        io.stdout(`Skipped cluster "${skipped.cluster}": ${skipped.reason}\n`);
    if (started.length === 0) {
      io.stderr(`error: no backup was started for workspace "${flags.workspace}"\n`);
      setExit(exitCodes.failed);
      return;
    }
  }
  if (!flags.wait) {
    // Members skipped as unhealthy have ended already (Failed); when nothing else started, say so by the exit.
    const running = started.filter((backup) => !hasEnded(backup));
    if (running.length === 0) setExit(runsExitCode(started));
    if (format !== 'json')
      for (const backup of running)
        io.stdout(
          `Backup "${backup.name}" of cluster "${backup.cluster.name ?? '?'}" ${backup.phase === 'Queued' ? 'queued' : backup.phase} (location "${flags.location}"); follow it with \`lifeboat backup describe ${backup.name}\`, or create with --wait\n`,
        );
    return;
  }
  io.stderr(
    `Following ${started.map((b) => `"${b.name}"`).join(', ')} (Ctrl-C stops following; the backup goes on)\n`,
  );
  const ended = await follow(io, load);
  if (format === 'json') printJson(io, flags.cluster !== undefined ? ended[0] : ended);
  else for (const backup of ended) io.stdout(summary(backup));
  setExit(runsExitCode(ended));
}

export async function remoteBackupList(
  remote: Remote,
  flags: { output?: string; cluster?: string; workspace?: string; location?: string },
): Promise<void> {
  const format = outputFormat(flags.output);
  const filter = {
    ...(flags.cluster ? { cluster: flags.cluster } : {}),
    ...(flags.workspace ? { workspace: flags.workspace } : {}),
    ...(flags.location ? { location: flags.location } : {}),
  };
  const backups = await remote.api.listBackups(remote.project(), filter);
  if (format === 'json') return printJson(remote.io, backups);
  if (backups.length === 0) return remote.io.stdout(`No backups in project "${remote.project()}"\n`);
  const rows = backups.map((b) => [
    b.name,
    b.phase,
    b.cluster.name ?? '-',
    b.trigger,
    String(b.progress.itemsDone),
    String(b.errorCount),
    String(b.warningCount),
    formatBytes(b.bytes),
    formatIsoTime(b.createdAt),
    formatIsoTime(b.expiresAt),
  ]);
  remote.io.stdout(
    table(
      ['NAME', 'STATUS', 'CLUSTER', 'TRIGGER', 'ITEMS', 'ERRORS', 'WARNINGS', 'SIZE', 'CREATED', 'EXPIRES'],
      rows,
    ),
  );
}

/** With a server, backups are found by name in the project: a location URL means the user meant local mode. */
const byName = {
  location: localOnly('--location', 'backups are found by name in the project'),
};

/** The location's name, or its id when it cannot be read (it is only shown). */
async function locationName(remote: Remote, id: string): Promise<string> {
  try {
    return (await remote.api.getLocation(remote.project(), id)).name;
  } catch (error) {
    if (error instanceof ApiError) return id;
    throw error;
  }
}

export async function remoteBackupDescribe(
  remote: Remote,
  name: string,
  flags: { output?: string; details?: boolean; location?: string },
): Promise<void> {
  refuseFlags(flags, byName);
  const format = outputFormat(flags.output);
  const project = remote.project();
  const view = await remote.api.getBackup(project, name);
  // Contents come from the backup's files (its index, or Velero's resource list) once it has finished.
  const finished = view.phase === 'Completed' || view.phase === 'PartiallyFailed';
  const contents = flags.details && finished ? await remote.api.backupContents(project, name) : undefined;
  if (format === 'json') return printJson(remote.io, contents ? { ...view, contents } : view);
  const o = view.options;
  const lines = [
    `Name:             ${view.name}`,
    `Phase:            ${view.phase}${view.failureReason ? ` (${view.failureReason})` : ''}`,
    `Cluster:          ${view.cluster.name ?? '-'}`,
    `Location:         ${await locationName(remote, view.location.id)}`,
    `Trigger:          ${view.trigger}`,
    `Namespaces:       included: ${o.includeNamespaces.join(', ') || '*'}; excluded: ${o.excludeNamespaces.join(', ') || '<none>'}`,
    `Resources:        included: ${o.includeResources.join(', ') || '*'}; excluded: ${o.excludeResources.join(', ') || '<none>'}`,
    `Cluster-scoped:   ${o.clusterResources}`,
    `Label selector:   ${o.labelSelector ?? '<none>'}`,
    `Include disks:    ${includeDisksText(o.includeDisks, o.includeDisksSource)}`,
    `Created:          ${formatIsoTime(view.createdAt)}`,
    `Started:          ${formatIsoTime(view.startedAt)}`,
    `Completed:        ${formatIsoTime(view.completedAt)}`,
    `Expires:          ${formatIsoTime(view.expiresAt)}`,
    `Items:            ${view.progress.itemsDone} of ${view.progress.itemsTotal}`,
    `Size:             ${formatBytes(view.bytes)}`,
    `Errors:           ${view.errorCount}`,
    `Warnings:         ${view.warningCount}`,
  ];
  remote.io.stdout(
    `${lines.join('\n')}\n${describeVolumes(o.includeDisks, o.includeDisksSource, view.volumes)}${resultLines('\nErrors', view.errors)}${resultLines('\nWarnings', view.warnings)}`,
  );
  if (contents) remote.io.stdout(`\n${contentsViewText(contents, `${view.name}-resource-list.json.gz`)}`);
  else if (flags.details) remote.io.stdout(`\nNo contents to list: the backup is ${view.phase}.\n`);
}

export async function remoteBackupLogs(
  remote: Remote,
  name: string,
  flags: { location?: string },
): Promise<void> {
  refuseFlags(flags, byName);
  const text = await remote.api.backupLogs(remote.project(), name);
  remote.io.stdout(text && !text.endsWith('\n') ? `${text}\n` : text);
}

export async function remoteBackupDelete(
  remote: Remote,
  name: string,
  flags: { output?: string; location?: string; kubeconfig?: string; context?: string },
): Promise<void> {
  refuseFlags(flags, {
    ...byName,
    kubeconfig: localOnly('--kubeconfig', 'the server deletes snapshots through the registered cluster'),
    context: localOnly('--context', 'the server deletes snapshots through the registered cluster'),
  });
  const format = outputFormat(flags.output);
  const view = await remote.api.deleteBackup(remote.project(), name);
  if (format === 'json') return printJson(remote.io, view);
  remote.io.stdout(
    `Backup "${view.name}" is ${view.phase}: it is removed from its location, then its volume snapshots, then it from Lifeboat (\`lifeboat backup describe ${view.name}\` says if anything was left)\n`,
  );
}

/**
 * The `copyVolumeData` and `keepVolumeSnapshots` fields from `--copy-volume-data`/`--no-copy-volume-data`
 * (or Velero's `--snapshot-move-data`) and `--keep-volume-snapshots`/`--no-keep-volume-snapshots`; each absent
 * when not given: the location's default applies.
 */
export function copyVolumeDataField(flags: {
  includeDisks?: boolean;
  copyVolumeData?: boolean;
  snapshotMoveData?: boolean;
  keepVolumeSnapshots?: boolean;
}): { copyVolumeData?: boolean; keepVolumeSnapshots?: boolean } {
  const copy = flags.copyVolumeData ?? flags.snapshotMoveData;
  const keep = flags.keepVolumeSnapshots;
  if (copy && flags.includeDisks !== true)
    throw new UsageError("--copy-volume-data copies the data of the disks' snapshots: add --include-disks");
  if (keep && (copy === false || flags.includeDisks !== true))
    throw new UsageError(
      `--keep-volume-snapshots keeps the CSI snapshots whose data is copied: ${copy === false ? 'drop --no-copy-volume-data' : 'add --include-disks'} (and --copy-volume-data unless the location copies by default)`,
    );
  return {
    ...(copy === undefined ? {} : { copyVolumeData: copy }),
    ...(keep === undefined ? {} : { keepVolumeSnapshots: keep }),
  };
}
