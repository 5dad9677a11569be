/** `lifeboat workspace list | create | get | delete` (remote mode only). */
import type { Command } from 'commander';
import type { WorkspaceView } from '../api-client.ts';
import { outputFormat, printJson } from '../context.ts';
import { list } from '../flags.ts';
import type { CliIo } from '../io.ts';
import { formatIsoTime, table } from '../output.ts';
import { requireRemote } from './context.ts';

function clusterNames(view: WorkspaceView): string {
  return view.clusters.map((c) => `${c.name} (${c.health})`).join(', ') || '<none>';
}

export function addWorkspaceCommands(program: Command, io: CliIo): void {
  const workspace = program
    .command('workspace')
    .description('group clusters of a project to back them up together (needs --server)');

  workspace
    .command('list')
    .description('the workspaces of the project')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (flags: { output?: string }, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      const workspaces = await remote.api.listWorkspaces(remote.project());
      if (format === 'json') return printJson(io, workspaces);
      if (workspaces.length === 0) return io.stdout(`No workspaces in project "${remote.project()}"\n`);
      io.stdout(
        table(
          ['NAME', 'CLUSTERS', 'NAMESPACES'],
          workspaces.map((w) => [
            w.name,
            w.clusters.map((c) => c.name).join(','),
            w.namespaces.join(',') || '*',
          ]),
        ),
      );
    });

  workspace
    .command('create')
    .description('create a workspace of clusters of the project')
    .argument('<name>', 'workspace name (lower-case letters, digits and -)')
    .requiredOption('--clusters <list>', 'clusters of the project: a,b')
    .option('--namespaces <list>', 'namespaces backed up in every cluster (default: all)')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(
      async (
        name: string,
        flags: { clusters: string; namespaces?: string; output?: string },
        command: Command,
      ) => {
        const remote = requireRemote(io, command);
        const format = outputFormat(flags.output);
        const view = await remote.api.createWorkspace(remote.project(), {
          name,
          clusters: list(flags.clusters),
          namespaces: list(flags.namespaces),
        });
        if (format === 'json') return printJson(io, view);
        io.stdout(`Workspace "${view.name}" created: ${clusterNames(view)}\n`);
      },
    );

  workspace
    .command('get')
    .description('show a workspace and the health of its clusters')
    .argument('<name>', 'workspace name')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (name: string, flags: { output?: string }, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      const view = await remote.api.getWorkspace(remote.project(), name);
      if (format === 'json') return printJson(io, view);
      io.stdout(
        [
          `Name:        ${view.name}`,
          `Clusters:    ${clusterNames(view)}`,
          `Namespaces:  ${view.namespaces.join(', ') || '* (all)'}`,
          `Created:     ${formatIsoTime(view.createdAt)}`,
          '',
        ].join('\n'),
      );
    });

  workspace
    .command('delete')
    .description('delete a workspace (its clusters and backups stay)')
    .argument('<name>', 'workspace name')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (name: string, flags: { output?: string }, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      await remote.api.deleteWorkspace(remote.project(), name);
      if (format === 'json') return printJson(io, { name, deleted: true });
      io.stdout(`Workspace "${name}" deleted\n`);
    });
}
