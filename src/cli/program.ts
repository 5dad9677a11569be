/** The `lifeboat` command: builds the command tree and maps every failure to a message and an exit status. */
import { Command, CommanderError } from 'commander';
import { BackupMetadataError } from '../archive/index.ts';
import { BackupExistsError, BackupInputError, BackupNotFoundError } from '../backup/index.ts';
import { KubeApiError, KubeConnectionError, KubeconfigError } from '../kube/index.ts';
import { RestoreInputError } from '../restore/index.ts';
import { LocationError } from '../storage/index.ts';
import { addAdminCommands } from './admin-command.ts';
import { ApiError } from './api-client.ts';
import { addBackupCommands } from './backup-commands.ts';
import { type CliIo, exitCodes, UsageError } from './io.ts';
import { addLocationCommands } from './location-commands.ts';
import { addMoverCommand } from './mover-command.ts';
import {
  addClusterCommands,
  addPolicyCommands,
  addProjectCommands,
  addWorkspaceCommands,
} from './remote/index.ts';
import { addMemberCommands } from './remote/members.ts';
import { addTokenCommands } from './remote/tokens.ts';
import { addUserCommands } from './remote/users.ts';
import { addRepositoryCommands } from './repository-command.ts';
import { addRestoreCommands } from './restore-commands.ts';
import { addServeCommand } from './serve-command.ts';
import { addVerifyCommand } from './verify-command.ts';

/** Runs `lifeboat` with `argv` (without the node and script paths) and resolves to the exit status. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exit: number = exitCodes.completed;
  const program = new Command('lifeboat')
    .description('Backup and restore for Kubernetes clusters')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)')
    // Remote mode: with a server, the verbs act through the control plane's REST API.
    .option('--server <url>', 'act through the Lifeboat control plane at this URL (env LIFEBOAT_SERVER)')
    .option('--token <token>', 'API token for --server; prefer env LIFEBOAT_TOKEN (a flag shows in `ps`)')
    .option('--project <name>', 'project to act in, with --server (env LIFEBOAT_PROJECT)');
  const setExit = (code: number) => {
    exit = code;
  };
  addBackupCommands(program, io, setExit);
  addVerifyCommand(program, io, setExit);
  addRestoreCommands(program, io, setExit);
  addLocationCommands(program, io, setExit);
  addRepositoryCommands(program, io, setExit);
  addProjectCommands(program, io);
  addClusterCommands(program, io, setExit);
  addWorkspaceCommands(program, io);
  addPolicyCommands(program, io);
  addUserCommands(program, io);
  addMemberCommands(program, io);
  addTokenCommands(program, io);
  addServeCommand(program, io);
  addAdminCommands(program, io);
  addMoverCommand(program, io, setExit);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exit;
  } catch (error) {
    return reportError(error, io);
  }
}

function reportError(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    // Help and version are not failures; everything else commander reports is bad usage.
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.code === 'commander.help'
    )
      return 0;
    return exitCodes.usage;
  }
  const inputErrors = [
    RestoreInputError,
    UsageError,
    BackupInputError,
    BackupExistsError,
    BackupNotFoundError,
    LocationError,
    KubeconfigError,
  ];
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ApiError) {
    io.stderr(`error: ${message}\n`);
    if (error.status === 401) io.stderr('(the token is read from LIFEBOAT_TOKEN, or --token)\n');
    // 4xx: the request needs changing (input, sign-in, role); no answer or 5xx: the server failed.
    return error.status >= 400 && error.status < 500 ? exitCodes.usage : exitCodes.failed;
  }
  if (inputErrors.some((type) => error instanceof type)) {
    io.stderr(`error: ${message}\n`);
    return exitCodes.usage;
  }
  if (
    error instanceof KubeConnectionError ||
    error instanceof KubeApiError ||
    error instanceof BackupMetadataError
  ) {
    io.stderr(`error: ${message}\n`);
    return exitCodes.failed;
  }
  io.stderr(`error: ${message}\n`);
  if (io.env.LIFEBOAT_DEBUG && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
  return exitCodes.failed;
}
