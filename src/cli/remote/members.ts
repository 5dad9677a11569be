/** `lifeboat member list | set | remove` (remote mode only): who is in the project, with which role. */
import type { Command } from 'commander';
import type { MemberView } from '../../control/index.ts';
import { outputFormat, printJson } from '../context.ts';
import { type CliIo, UsageError } from '../io.ts';
import { table } from '../output.ts';
import { requireRemote } from './context.ts';

const roles = ['viewer', 'operator', 'admin'] as const;
type Role = MemberView['role'];

/** What each role may do, as `member --help` and the console say it. */
export const roleHelp =
  'viewer reads; operator also runs backups, restores and checks; admin also changes the configuration and the members';

/** A role as typed on the command line. */
export function parseRole(value: string): Role {
  const role = roles.find((known) => known === value.trim().toLowerCase());
  if (!role) throw new UsageError(`unknown role "${value}": give viewer, operator or admin (${roleHelp})`);
  return role;
}

export function addMemberCommands(program: Command, io: CliIo): void {
  const member = program
    .command('member')
    .description(`the members of a project and their roles (needs --server): ${roleHelp}`);

  member
    .command('list')
    .description('the members of the project with their roles')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (flags: { output?: string }, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      const members = await remote.api.listMembers(remote.project());
      if (format === 'json') return printJson(io, members);
      io.stdout(
        table(
          ['USER', 'ROLE'],
          members.map((m) => [m.userName, m.role]),
        ),
      );
    });

  member
    .command('set')
    .alias('add')
    .description('give a user a role in the project, adding them if they are not a member (project admins)')
    .argument('<user>', 'user name')
    .argument('<role>', 'viewer, operator or admin')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (user: string, roleText: string, flags: { output?: string }, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      const role = parseRole(roleText);
      const project = remote.project();
      await remote.api.setMember(project, user, role);
      if (format === 'json') return printJson(io, { project, user, role });
      io.stdout(`"${user}" is ${role === 'viewer' ? 'a' : 'an'} ${role} of project "${project}"\n`);
    });

  member
    .command('remove')
    .description('remove a user from the project (project admins; the last admin stays)')
    .argument('<user>', 'user name')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (user: string, flags: { output?: string }, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      const project = remote.project();
      await remote.api.removeMember(project, user);
      if (format === 'json') return printJson(io, { project, user, removed: true });
      io.stdout(`"${user}" is no longer a member of project "${project}"\n`);
    });
}
