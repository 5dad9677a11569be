/**
 * `lifeboat cluster list | register | get | check | rotate-kubeconfig | rename | remove` (remote mode only).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { ClusterView } from '../api-client.ts';
import { outputFormat, printJson } from '../context.ts';
import { type CliIo, exitCodes, UsageError } from '../io.ts';
import { formatIsoTime, table } from '../output.ts';
import { requireRemote } from './context.ts';

function healthLine(view: ClusterView): string {
  return `${view.health}${view.healthReason ? `: ${view.healthReason}` : ''}`;
}

function describe(view: ClusterView): string {
  return [
    `Name:        ${view.name}`,
    `Server:      ${view.server ?? '-'}`,
    `Context:     ${view.context ?? '(current context of the kubeconfig)'}`,
    `Health:      ${healthLine(view)}`,
    `Checked:     ${formatIsoTime(view.healthCheckedAt)}`,
    `Registered:  ${formatIsoTime(view.createdAt)}`,
    '',
  ].join('\n');
}

export function addClusterCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cluster = program
    .command('cluster')
    .description('register clusters with the control plane and check their health (needs --server)');

  cluster
    .command('list')
    .description('the clusters of the project, with their health')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (flags: { output?: string }, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      const clusters = await remote.api.listClusters(remote.project());
      if (format === 'json') return printJson(io, clusters);
      if (clusters.length === 0) return io.stdout(`No clusters in project "${remote.project()}"\n`);
      io.stdout(
        table(
          ['NAME', 'HEALTH', 'SERVER', 'CHECKED', 'REASON'],
          clusters.map((c) => [
            c.name,
            c.health,
            c.server ?? '-',
            formatIsoTime(c.healthCheckedAt),
            c.healthReason ?? '',
          ]),
        ),
      );
    });

  cluster
    .command('register')
    .description('register a cluster by its kubeconfig (stored encrypted); its health is checked at once')
    .argument('<name>', 'cluster name in the project (lower-case letters, digits and -)')
    .requiredOption('--kubeconfig <file>', 'kubeconfig file of the cluster')
    .option('--context <name>', 'kubeconfig context to use (default: its current context)')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(
      async (
        name: string,
        flags: { kubeconfig: string; context?: string; output?: string },
        command: Command,
      ) => {
        const remote = requireRemote(io, command);
        const format = outputFormat(flags.output);
        const kubeconfig = await readKubeconfig(flags.kubeconfig);
        const view = await remote.api.registerCluster(remote.project(), {
          name,
          kubeconfig,
          ...(flags.context ? { context: flags.context } : {}),
        });
        if (format === 'json') return printJson(io, view);
        io.stdout(`Cluster "${view.name}" registered (${view.server ?? '-'}): ${healthLine(view)}\n`);
        if (view.health !== 'Healthy')
          io.stdout(
            `It cannot be backed up until it is Healthy: fix the above, then run \`lifeboat cluster check ${view.name}\`\n`,
          );
      },
    );

  cluster
    .command('get')
    .description('show a cluster and its last health check')
    .argument('<name>', 'cluster name')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (name: string, flags: { output?: string }, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      const view = await remote.api.getCluster(remote.project(), name);
      if (format === 'json') return printJson(io, view);
      io.stdout(describe(view));
    });

  cluster
    .command('check')
    .description('check a cluster’s health now; exits 1 when it is not Healthy')
    .argument('<name>', 'cluster name')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (name: string, flags: { output?: string }, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      const view = await remote.api.checkCluster(remote.project(), name);
      if (format === 'json') printJson(io, view);
      else io.stdout(`Cluster "${view.name}": ${healthLine(view)}\n`);
      setExit(view.health === 'Healthy' ? exitCodes.completed : exitCodes.failed);
    });

  cluster
    .command('rotate-kubeconfig')
    .description(
      'replace a cluster’s kubeconfig (a rotated token, a renewed certificate): saved only once it works against the same cluster; otherwise the current one stays and the reason is printed',
    )
    .argument('<name>', 'cluster name')
    .requiredOption('--kubeconfig <file>', 'the new kubeconfig file of the cluster')
    .option('--context <name>', 'kubeconfig context to use (default: its current context)')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(
      async (
        name: string,
        flags: { kubeconfig: string; context?: string; output?: string },
        command: Command,
      ) => {
        const remote = requireRemote(io, command);
        const format = outputFormat(flags.output);
        const view = await remote.api.updateCluster(remote.project(), name, {
          kubeconfig: await readKubeconfig(flags.kubeconfig),
          ...(flags.context ? { context: flags.context } : {}),
        });
        if (format === 'json') return printJson(io, view);
        io.stdout(
          `Cluster "${view.name}": new kubeconfig saved (${view.server ?? '-'}): ${healthLine(view)}\n`,
        );
      },
    );

  cluster
    .command('rename')
    .description('rename a cluster (its backups and restores show the new name)')
    .argument('<name>', 'cluster name')
    .argument('<new-name>', 'its new name (lower-case letters, digits and -)')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (name: string, newName: string, flags: { output?: string }, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      const view = await remote.api.updateCluster(remote.project(), name, { name: newName });
      if (format === 'json') return printJson(io, view);
      io.stdout(`Cluster "${name}" renamed "${view.name}"\n`);
    });

  cluster
    .command('remove')
    .alias('delete')
    .description(
      'remove a cluster from the project: its backups stay in their locations, its backup policy is deleted, it leaves its workspaces; refused while a backup or restore of it runs',
    )
    .argument('<name>', 'cluster name')
    .option('--dry-run', 'say what removing it would do, and change nothing')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (name: string, flags: { dryRun?: boolean; output?: string }, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      const removal = await remote.api.clusterRemoval(remote.project(), name);
      if (flags.dryRun) {
        if (format === 'json') printJson(io, removal);
        else
          io.stdout(`Removing cluster "${removal.cluster.name}" would do this:\n${bullets(removal.summary)}`);
        if (removal.blockedBy.length > 0) setExit(exitCodes.failed);
        return;
      }
      await remote.api.deleteCluster(remote.project(), name);
      if (format === 'json') return printJson(io, { ...removal, removed: true });
      io.stdout(`Cluster "${removal.cluster.name}" removed.\n${bullets(removal.summary)}`);
    });
}

function bullets(lines: string[]): string {
  return lines.map((line) => `  - ${line}\n`).join('');
}

async function readKubeconfig(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--kubeconfig: cannot read ${file}: ${(error as Error).message}`);
  }
}
