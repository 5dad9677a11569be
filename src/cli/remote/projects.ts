/** `lifeboat project list | create | rename | delete` (remote mode only). */
import type { Command } from 'commander';
import { outputFormat, printJson } from '../context.ts';
import type { CliIo } from '../io.ts';
import { formatIsoTime, table } from '../output.ts';
import { requireRemote } from './context.ts';

export function addProjectCommands(program: Command, io: CliIo): void {
  const project = program
    .command('project')
    .description('list, create and delete projects on the control plane (needs --server)');

  project
    .command('list')
    .description('the projects you belong to, with your role in each')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (flags: { output?: string }, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      const projects = await remote.api.listProjects();
      if (format === 'json') return printJson(io, projects);
      if (projects.length === 0)
        return io.stdout(
          'No projects yet: an administrator creates them with `lifeboat project create NAME`\n',
        );
      io.stdout(
        table(
          ['NAME', 'ROLE', 'CREATED'],
          projects.map((p) => [p.name, p.role, formatIsoTime(p.createdAt)]),
        ),
      );
    });

  project
    .command('create')
    .description('create a project (Lifeboat administrators only); you become its admin')
    .argument('<name>', 'project name (lower-case letters, digits and -)')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (name: string, flags: { output?: string }, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      const created = await remote.api.createProject(name);
      if (format === 'json') return printJson(io, created);
      io.stdout(
        `Project "${created.name}" created; use it with --project ${created.name} or LIFEBOAT_PROJECT\n`,
      );
    });

  project
    .command('rename')
    .description('rename a project (its admins); everything in it stays')
    .argument('<name>', 'project name')
    .argument('<new-name>', 'its new name (lower-case letters, digits and -)')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (name: string, newName: string, flags: { output?: string }, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      const renamed = await remote.api.renameProject(name, newName);
      if (format === 'json') return printJson(io, renamed);
      io.stdout(
        `Project "${name}" renamed "${renamed.name}": use --project ${renamed.name} (or LIFEBOAT_PROJECT) from now on\n`,
      );
    });

  project
    .command('delete')
    .description(
      'delete an empty project: no clusters, workspaces, backup locations or backups (Lifeboat administrators only)',
    )
    .argument('<name>', 'project name')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (name: string, flags: { output?: string }, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      await remote.api.deleteProject(name);
      if (format === 'json') return printJson(io, { name, deleted: true });
      io.stdout(`Project "${name}" deleted\n`);
    });
}
