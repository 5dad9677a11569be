/** `lifeboat workspace list | create | get | update | rename | delete` (remote mode only). */
import type { Command } from 'commander';
import type { WorkspaceView } from '../api-client.ts';
import { outputFormat, printJson } from '../context.ts';
import { list } from '../flags.ts';
import { type CliIo, UsageError } from '../io.ts';
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
    .command('update')
    .description('change a workspace’s clusters, namespaces or name')
    .argument('<name>', 'workspace name')
    .option('--name <new-name>', 'rename it')
    .option('--clusters <list>', 'its clusters, replacing the current ones: a,b')
    .option('--add-clusters <list>', 'clusters to add: a,b')
    .option('--remove-clusters <list>', 'clusters to take out: a,b')
    .option('--namespaces <list>', 'namespaces backed up in every cluster, replacing the current ones')
    .option('--all-namespaces', 'back up every namespace of each cluster')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (name: string, flags: UpdateFlags, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      const current = await remote.api.getWorkspace(remote.project(), name);
      const view = await remote.api.updateWorkspace(remote.project(), name, changesOf(current, flags));
      if (format === 'json') return printJson(io, view);
      io.stdout(
        `Workspace "${view.name}" updated: ${clusterNames(view)}; namespaces ${view.namespaces.join(', ') || '* (all)'}\n`,
      );
    });

  workspace
    .command('rename')
    .description('rename a workspace')
    .argument('<name>', 'workspace name')
    .argument('<new-name>', 'its new name (lower-case letters, digits and -)')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (name: string, newName: string, flags: { output?: string }, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      const view = await remote.api.updateWorkspace(remote.project(), name, { name: newName });
      if (format === 'json') return printJson(io, view);
      io.stdout(`Workspace "${name}" renamed "${view.name}"\n`);
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

interface UpdateFlags {
  name?: string;
  clusters?: string;
  addClusters?: string;
  removeClusters?: string;
  namespaces?: string;
  allNamespaces?: boolean;
  output?: string;
}

/** The PATCH body of `workspace update`: only what the flags change. */
export function changesOf(current: WorkspaceView, flags: UpdateFlags): WorkspaceRequestChanges {
  if (flags.clusters !== undefined && (flags.addClusters || flags.removeClusters))
    throw new UsageError('give --clusters (the whole list) or --add-clusters/--remove-clusters, not both');
  if (flags.namespaces !== undefined && flags.allNamespaces)
    throw new UsageError('give --namespaces or --all-namespaces, not both');
  const changes: WorkspaceRequestChanges = {};
  if (flags.name) changes.name = flags.name;
  if (flags.clusters !== undefined) changes.clusters = list(flags.clusters);
  if (flags.addClusters || flags.removeClusters) {
    const removed = new Set(list(flags.removeClusters));
    const unknown = [...removed].filter((c) => !current.clusters.some((m) => m.name === c || m.id === c));
    if (unknown.length > 0)
      throw new UsageError(`--remove-clusters: ${unknown.join(', ')} not in workspace "${current.name}"`);
    const kept = current.clusters
      .filter((c) => !removed.has(c.name) && !removed.has(c.id))
      .map((c) => c.name);
    changes.clusters = [...new Set([...kept, ...list(flags.addClusters)])];
  }
  if (flags.namespaces !== undefined) changes.namespaces = list(flags.namespaces);
  if (flags.allNamespaces) changes.namespaces = [];
  if (Object.keys(changes).length === 0)
    throw new UsageError(
      'nothing to change: give --name, --clusters, --add-clusters, --remove-clusters, --namespaces or --all-namespaces',
    );
  return changes;
}

type WorkspaceRequestChanges = { name?: string; clusters?: string[]; namespaces?: string[] };
