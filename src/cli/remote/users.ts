/** `lifeboat user list | create | delete` (remote mode only; Lifeboat administrators). */
import type { Command } from 'commander';
import { outputFormat, printJson } from '../context.ts';
import type { CliIo } from '../io.ts';
import { formatIsoTime, table } from '../output.ts';
import { requireRemote } from './context.ts';
import { parseRole } from './members.ts';

export function addUserCommands(program: Command, io: CliIo): void {
  const user = program
    .command('user')
    .description('the users of the control plane (Lifeboat administrators; needs --server)');

  user
    .command('list')
    .description('every user, and whether they are a Lifeboat administrator')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (flags: { output?: string }, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      const users = await remote.api.listUsers();
      if (format === 'json') return printJson(io, users);
      io.stdout(
        table(
          ['NAME', 'ADMINISTRATOR', 'CREATED'],
          users.map((u) => [u.name, u.isAdmin ? 'yes' : 'no', formatIsoTime(u.createdAt)]),
        ),
      );
    });

  user
    .command('create')
    .description('create a user; their first token is printed this once only, to hand over')
    .argument('<name>', 'user name (lower-case letters, digits and -)')
    .option('--admin', 'make them a Lifeboat administrator (every project, users)')
    .option('--role <role>', 'also add them to the project (--project) as viewer, operator or admin')
    .option('-o, --output <format>', 'json for machine-readable output (carries the token)')
    .action(
      async (name: string, flags: { admin?: boolean; role?: string; output?: string }, command: Command) => {
        const remote = requireRemote(io, command);
        const format = outputFormat(flags.output);
        const role = flags.role === undefined ? undefined : parseRole(flags.role);
        const project = role ? remote.project() : undefined;
        const created = await remote.api.createUser({ name, isAdmin: Boolean(flags.admin) });
        if (project && role) await remote.api.setMember(project, created.user.name, role);
        if (format === 'json')
          return printJson(io, { ...created, ...(project && role ? { member: { project, role } } : {}) });
        io.stdout(
          `User "${created.user.name}" created${created.user.isAdmin ? ' (a Lifeboat administrator)' : ''}${project ? `, ${role} of project "${project}"` : ''}. Their first token, shown only this once:\n\n`,
        );
        io.stdout(`  ${created.token}\n\n`);
        io.stdout(
          'Hand it over privately; they sign in with it and make their own tokens (`lifeboat token create`, or Tokens in the console).\n',
        );
      },
    );

  user
    .command('delete')
    .description('delete a user and every token of theirs (not the last admin of a project)')
    .argument('<name>', 'user name')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (name: string, flags: { output?: string }, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      await remote.api.deleteUser(name);
      if (format === 'json') return printJson(io, { name, deleted: true });
      io.stdout(`User "${name}" deleted; their tokens no longer work\n`);
    });
}
