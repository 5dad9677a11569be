/** `lifeboat policy get | set | delete (--cluster C | --workspace W)` (remote mode only). */
import type { Command } from 'commander';
import type { PolicyOwner, PolicyRequest, PolicyView } from '../api-client.ts';
import { outputFormat, printJson } from '../context.ts';
import { addExpiryOptions, clusterResourcesMode, type ExpiryFlags, expiryHours, list } from '../flags.ts';
import { type CliIo, UsageError } from '../io.ts';
import { formatIsoTime } from '../output.ts';
import { copyVolumeDataField } from './backups.ts';
import { requireRemote } from './context.ts';

const presets = ['never', 'weekly', 'biweekly', 'monthly', 'bimonthly'] as const;

/** `--schedule`: a preset, or `MINUTE HOUR DAY MONTH` as in cron (without the day of the week). */
export function parseSchedule(value: string): PolicyRequest['schedule'] {
  const preset = presets.find((p) => p === value.trim());
  if (preset) return { kind: preset };
  const fields = value.trim().split(/\s+/);
  const [minute, hour, day, month] = fields;
  if (fields.length !== 4 || !minute || !hour || !day || !month)
    throw new UsageError(
      `--schedule must be never, weekly, biweekly, monthly, bimonthly, or "MINUTE HOUR DAY MONTH" as in cron, such as "30 2 * *" for every day at 02:30 (no day-of-week field); got "${value}"`,
    );
  return { kind: 'custom', minute, hour, day, month };
}

function scheduleText(schedule: PolicyView['schedule']): string {
  switch (schedule.kind) {
    case 'never':
      return 'never (no scheduled backups)';
    case 'weekly':
      return 'every week on Sunday at midnight';
    case 'biweekly':
      return 'every two weeks at midnight';
    case 'monthly':
      return 'every month on the 1st at midnight';
    case 'bimonthly':
      return 'every two months on the 1st at midnight';
    case 'custom':
      return `custom: minute ${schedule.minute}, hour ${schedule.hour}, day ${schedule.day}, month ${schedule.month}`;
  }
}

/** A run time in the policy's own zone, with UTC beside it: `2024-03-01 02:30 Europe/Paris (01:30Z)`. */
function zonedTime(iso: string, timeZone: string): string {
  if (timeZone === 'UTC') return formatIsoTime(iso);
  try {
    const local = new Intl.DateTimeFormat('sv-SE', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    }).format(new Date(iso));
    return `${local} ${timeZone} (${iso.slice(11, 16)}Z)`;
  } catch {
    return formatIsoTime(iso);
  }
}

function ownerOf(flags: { cluster?: string; workspace?: string }): PolicyOwner {
  if (flags.cluster !== undefined && flags.workspace === undefined) return { cluster: flags.cluster };
  if (flags.workspace !== undefined && flags.cluster === undefined) return { workspace: flags.workspace };
  throw new UsageError('give either --cluster NAME or --workspace NAME: whose backup policy');
}

function ownerText(owner: PolicyOwner): string {
  return 'cluster' in owner ? `cluster "${owner.cluster}"` : `workspace "${owner.workspace}"`;
}

/** What the policy's backups do with the data of their snapshots (null: the location's default). */
function volumeDataText(view: PolicyView): string {
  if (!view.includeDisks) return 'not backed up';
  const copy = view.copyVolumeData === null ? "location's default" : String(view.copyVolumeData);
  const keep = view.keepVolumeSnapshots === null ? "location's default" : String(view.keepVolumeSnapshots);
  return `copy to the location: ${copy}; keep the CSI snapshots too: ${keep}`;
}

function describe(owner: PolicyOwner, view: PolicyView): string {
  const lines = [
    `Backup policy of ${ownerText(owner)}`,
    `Schedule:        ${scheduleText(view.schedule)} (${view.timeZone})`,
    `Location:        ${view.location.name}`,
    `Name prefix:     ${view.prefix}`,
    `Expiry:          ${view.expiryHours}h (each backup is deleted this long after it is made)`,
    `Namespaces:      ${view.namespaces.join(', ') || '* (all)'}`,
    `Cluster-scoped:  ${view.includeClusterResources}`,
    `Include disks:   ${view.includeDisks}`,
    `Volume data:     ${volumeDataText(view)}`,
    `Last run:        ${formatIsoTime(view.lastRunAt)}`,
  ];
  lines.push(
    view.upcomingRuns.length
      ? `Next runs:\n${view.upcomingRuns.map((run) => `  ${zonedTime(run, view.timeZone)}`).join('\n')}`
      : 'Next runs:       none',
  );
  return `${lines.join('\n')}\n`;
}

interface OwnerFlags {
  cluster?: string;
  workspace?: string;
  output?: string;
}

interface SetFlags extends OwnerFlags, ExpiryFlags {
  prefix: string;
  location: string;
  schedule: string;
  timeZone?: string;
  includeDisks?: boolean;
  /** Copy the snapshots' data to the location (the data mover); `--snapshot-move-data` is Velero's name. */
  copyVolumeData?: boolean;
  snapshotMoveData?: boolean;
  keepVolumeSnapshots?: boolean;
  includeClusterResources?: string;
  namespaces?: string;
}

function ownerOptions(command: Command): Command {
  return command
    .option('--cluster <name>', 'the policy of this cluster')
    .option('--workspace <name>', 'the policy of this workspace')
    .option('-o, --output <format>', 'json for machine-readable output');
}

export function addPolicyCommands(program: Command, io: CliIo): void {
  const policy = program
    .command('policy')
    .description('the scheduled backups of a cluster or a workspace (needs --server)');

  ownerOptions(policy.command('get').description('show a backup policy and its next runs')).action(
    async (flags: OwnerFlags, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      const owner = ownerOf(flags);
      const view = await remote.api.getPolicy(remote.project(), owner);
      if (format === 'json') return printJson(io, view);
      io.stdout(describe(owner, view));
    },
  );

  ownerOptions(
    addExpiryOptions(
      policy
        .command('set')
        .description('create or replace a backup policy')
        .requiredOption('--prefix <prefix>', 'names of its backups start with this')
        .requiredOption('--location <name>', 'location its backups go to')
        .requiredOption(
          '--schedule <schedule>',
          'never, weekly, biweekly, monthly, bimonthly, or "MINUTE HOUR DAY MONTH" (e.g. "30 2 * *")',
        )
        .option('--time-zone <zone>', 'time zone of the schedule, e.g. Europe/Paris (default UTC)'),
      'each backup',
    )
      .option('--include-disks', 'ask for volume data too')
      .option(
        '--copy-volume-data',
        "copy the snapshots' data to the location (default: the location's setting)",
      )
      .option('--no-copy-volume-data', "keep the snapshots' data in the storage only")
      .option('--snapshot-move-data', "same as --copy-volume-data (Velero's name)")
      .option(
        '--keep-volume-snapshots',
        "keep each CSI snapshot beside its copied data (default: the location's setting; Velero deletes them)",
      )
      .option('--no-keep-volume-snapshots', 'delete each CSI snapshot once its data is copied')
      .option('--include-cluster-resources <mode>', 'cluster-scoped resources: auto, always or never')
      .option('--namespaces <list>', 'namespaces to back up (default: all, or the workspace’s)'),
  ).action(async (flags: SetFlags, command: Command) => {
    const remote = requireRemote(io, command);
    const format = outputFormat(flags.output);
    const owner = ownerOf(flags);
    const expiry = expiryHours(flags);
    const body: PolicyRequest = {
      prefix: flags.prefix,
      location: flags.location,
      schedule: parseSchedule(flags.schedule),
      ...(flags.timeZone ? { timeZone: flags.timeZone } : {}),
      ...(expiry === undefined ? {} : { expiryHours: expiry }),
      includeDisks: flags.includeDisks === true,
      ...copyVolumeDataField(flags),
      includeClusterResources: clusterResourcesMode(flags.includeClusterResources),
      namespaces: list(flags.namespaces),
    };
    const view = await remote.api.setPolicy(remote.project(), owner, body);
    if (format === 'json') return printJson(io, view);
    io.stdout(describe(owner, view));
  });

  ownerOptions(policy.command('delete').description('remove a backup policy (its backups stay)')).action(
    async (flags: OwnerFlags, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      const owner = ownerOf(flags);
      await remote.api.deletePolicy(remote.project(), owner);
      if (format === 'json') return printJson(io, { ...owner, deleted: true });
      io.stdout(`Backup policy of ${ownerText(owner)} removed (its backups stay until they expire)\n`);
    },
  );
}
