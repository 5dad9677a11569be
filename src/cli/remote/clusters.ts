/** `lifeboat cluster list | register | get | check | delete` (remote mode only). */
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
        let kubeconfig: string;
        try {
          kubeconfig = await readFile(flags.kubeconfig, 'utf8');
        } catch (error) {
          throw new UsageError(`--kubeconfig: cannot read ${flags.kubeconfig}: ${(error as Error).message}`);
        }
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
    .command('delete')
    .description('remove a cluster from the project (its backups stay in their locations)')
    .argument('<name>', 'cluster name')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (name: string, flags: { output?: string }, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      await remote.api.deleteCluster(remote.project(), name);
      if (format === 'json') return printJson(io, { name, deleted: true });
      io.stdout(`Cluster "${name}" removed (its backups stay in their locations)\n`);
    });
}
