/** `lifeboat location list | create | get | validate | sync | delete` through the control plane. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import type { LocationView } from '../api-client.ts';
import { outputFormat, printJson } from '../context.ts';
import { type CliIo, exitCodes, UsageError } from '../io.ts';
import { formatIsoTime, table } from '../output.ts';
import { type Remote, requireRemote } from './context.ts';

function describe(view: LocationView): string {
  const lines = [
    `Name:        ${view.name}`,
    `Provider:    ${view.provider}`,
    `Where:       ${view.where}`,
    `Status:      ${view.status}${view.validatedAt ? ` (checked ${formatIsoTime(view.validatedAt)})` : ''}`,
    `Settings:    ${
      Object.entries(view.config)
        .filter(([key]) => key !== 'caCert')
        .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
        .join(', ') || '<none>'
    }`,
    `Secrets set: ${view.secretFields.join(', ') || '<none>'}`,
  ];
  if (view.checks.length) lines.push(`What worked: ${view.checks.join(', ')}`);
  if (view.problems.length) lines.push(`Problems:\n${view.problems.map((p) => `  - ${p}`).join('\n')}`);
  return `${lines.join('\n')}\n`;
}

/** Reads the fields of a location from a JSON or a YAML file. */
async function readLocationFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--file: cannot read ${file}: ${(error as Error).message}`);
  }
  let fields: unknown;
  try {
    fields = JSON.parse(text);
  } catch {
    fields = undefined;
  }
  try {
    fields ??= parseYaml(text);
  } catch (error) {
    throw new UsageError(`--file: ${file} is neither JSON nor YAML: ${(error as Error).message.trim()}`);
  }
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields))
    throw new UsageError(
      `--file: ${file} must hold one object with the location's fields (provider, name, bucket, ...)`,
    );
  return fields as Record<string, unknown>;
}

/** `location validate NAME` with a server: validates the saved location again; exits 1 when it fails. */
export async function remoteLocationValidate(
  remote: Remote,
  name: string,
  flags: { output?: string },
  setExit: (code: number) => void,
): Promise<void> {
  const format = outputFormat(flags.output);
  const view = await remote.api.validateLocation(remote.project(), name);
  const { result } = view;
  if (format === 'json') printJson(remote.io, view);
  else if (result.ok)
    remote.io.stdout(`Location "${view.name}" (${result.where}) is usable: ${result.checks.join(', ')}.\n`);
  else {
    remote.io.stdout(
      `Location "${view.name}" (${result.where}) is not usable:\n${result.problems.map((p) => `  - ${p}`).join('\n')}\n`,
    );
    if (result.checks.length) remote.io.stdout(`What worked: ${result.checks.join(', ')}.\n`);
  }
  setExit(result.ok ? exitCodes.completed : exitCodes.failed);
}

/** Adds the location verbs that exist only in remote mode to the `location` command. */
export function addRemoteLocationCommands(location: Command, io: CliIo): void {
  location
    .command('list')
    .description('list the backup locations of the project, with their status (needs --server)')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (flags: { output?: string }, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      const locations = await remote.api.listLocations(remote.project());
      if (format === 'json') return printJson(io, locations);
      if (locations.length === 0) return io.stdout(`No locations in project "${remote.project()}"\n`);
      io.stdout(
        table(
          ['NAME', 'PROVIDER', 'WHERE', 'STATUS', 'CHECKED'],
          locations.map((l) => [l.name, l.provider, l.where, l.status, formatIsoTime(l.validatedAt)]),
        ),
      );
    });

  location
    .command('create')
    .description('save a location; the server validates it against the store first (needs --server)')
    .requiredOption(
      '--file <file>',
      'JSON or YAML with the fields of the location: provider (aws, minio, gcp or azure), name, bucket, ...',
    )
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (flags: { file: string; output?: string }, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      const view = await remote.api.createLocation(remote.project(), await readLocationFile(flags.file));
      if (format === 'json') return printJson(io, view);
      io.stdout(`Location "${view.name}" saved: ${view.where} is ${view.status}\n`);
    });

  location
    .command('get')
    .description('show a location: its settings (never its secrets) and status (needs --server)')
    .argument('<name>', 'location name')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (name: string, flags: { output?: string }, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      const view = await remote.api.getLocation(remote.project(), name);
      if (format === 'json') return printJson(io, view);
      io.stdout(describe(view));
    });

  location
    .command('sync')
    .description('record the backups in the location that Lifeboat does not know yet (needs --server)')
    .argument('<name>', 'location name')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (name: string, flags: { output?: string }, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      const { added } = await remote.api.syncLocation(remote.project(), name);
      if (format === 'json') return printJson(io, { added });
      io.stdout(
        added.length
          ? `Found ${added.length} new backup(s) in "${name}": ${added.join(', ')}\n`
          : `No new backups in "${name}"\n`,
      );
    });

  location
    .command('delete')
    .description('delete a location no policy or backup uses; the bucket is left as it is (needs --server)')
    .argument('<name>', 'location name')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (name: string, flags: { output?: string }, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      await remote.api.deleteLocation(remote.project(), name);
      if (format === 'json') return printJson(io, { name, deleted: true });
      io.stdout(`Location "${name}" deleted (the data in the bucket is untouched)\n`);
    });
}
