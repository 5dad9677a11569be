/** The `lifeboat` command: builds the command tree and maps every failure to a message and an exit status. */
import { Command, CommanderError } from 'commander';
import { ApiError } from './api-client.ts';
import { type CliIo, exitCodes, UsageError } from './io.ts';

type SetExit = (code: number) => void;
type AddCommands = (program: Command, io: CliIo, setExit: SetExit) => void;

/**
 * The top-level commands, in the order the help lists them, each with what adds it. A command's module (and
 * the engines it imports) is loaded only when that command runs: a backup then loads neither the restore
 * engine nor the data mover, the server or the remote verbs' modules. `verify` is a `backup` subcommand.
 */
const commands: readonly { name: string; load: () => Promise<AddCommands[]> }[] = [
  {
    name: 'backup',
    load: async () => {
      const [{ addBackupCommands }, { addVerifyCommand }] = await Promise.all([
        import('./backup-commands.ts'),
        import('./verify-command.ts'),
      ]);
      return [addBackupCommands, addVerifyCommand];
    },
  },
  { name: 'restore', load: async () => [(await import('./restore-commands.ts')).addRestoreCommands] },
  { name: 'location', load: async () => [(await import('./location-commands.ts')).addLocationCommands] },
  {
    name: 'repository',
    load: async () => [(await import('./repository-command.ts')).addRepositoryCommands],
  },
  { name: 'project', load: async () => [(await import('./remote/index.ts')).addProjectCommands] },
  { name: 'cluster', load: async () => [(await import('./remote/index.ts')).addClusterCommands] },
  { name: 'workspace', load: async () => [(await import('./remote/index.ts')).addWorkspaceCommands] },
  { name: 'policy', load: async () => [(await import('./remote/index.ts')).addPolicyCommands] },
  { name: 'user', load: async () => [(await import('./remote/users.ts')).addUserCommands] },
  { name: 'member', load: async () => [(await import('./remote/members.ts')).addMemberCommands] },
  { name: 'token', load: async () => [(await import('./remote/tokens.ts')).addTokenCommands] },
  { name: 'serve', load: async () => [(await import('./serve-command.ts')).addServeCommand] },
  { name: 'admin', load: async () => [(await import('./admin-command.ts')).addAdminCommands] },
  { name: 'mover', load: async () => [(await import('./mover-command.ts')).addMoverCommand] },
];

/** The root options that take a value: the word after one is its value, not the command. */
const rootValueOptions = new Set(['--server', '--token', '--project']);

/**
 * The top-level command `argv` runs: its first word, after the root options. Undefined when there is none or
 * anything else comes first (`--help`, an unknown option): then every command is added, as the help and
 * commander's answers to a wrong word (unknown option, "Did you mean") need them all.
 */
function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (rootValueOptions.has(arg)) i++;
    else if (!(arg.startsWith('--') && rootValueOptions.has(arg.slice(0, arg.indexOf('='))))) {
      return arg.startsWith('-') ? undefined : arg;
    }
  }
  return undefined;
}

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
  const word = commandWord(argv);
  const chosen = commands.filter((command) => command.name === word);
  for (const adds of await Promise.all((chosen.length > 0 ? chosen : commands).map((c) => c.load())))
    for (const add of adds) add(program, io, setExit);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exit;
  } catch (error) {
    return await reportError(error, io);
  }
}

async function reportError(error: unknown, io: CliIo): Promise<number> {
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
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ApiError) {
    io.stderr(`error: ${message}\n`);
    if (error.status === 401) io.stderr('(the token is read from LIFEBOAT_TOKEN, or --token)\n');
    // 4xx: the request needs changing (input, sign-in, role); no answer or 5xx: the server failed.
    return error.status >= 400 && error.status < 500 ? exitCodes.usage : exitCodes.failed;
  }
  // The engines' error types, loaded only now that one is needed (the command loaded most of them already).
  const [archive, backup, kube, restore, storage] = await Promise.all([
    import('../archive/index.ts'),
    import('../backup/index.ts'),
    import('../kube/index.ts'),
    import('../restore/index.ts'),
    import('../storage/index.ts'),
  ]);
  const inputErrors = [
    restore.RestoreInputError,
    UsageError,
    backup.BackupInputError,
    backup.BackupExistsError,
    backup.BackupNotFoundError,
    storage.LocationError,
    kube.KubeconfigError,
  ];
  if (inputErrors.some((type) => error instanceof type)) {
    io.stderr(`error: ${message}\n`);
    return exitCodes.usage;
  }
  if (
    error instanceof kube.KubeConnectionError ||
    error instanceof kube.KubeApiError ||
    error instanceof archive.BackupMetadataError
  ) {
    io.stderr(`error: ${message}\n`);
    return exitCodes.failed;
  }
  io.stderr(`error: ${message}\n`);
  if (io.env.LIFEBOAT_DEBUG && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
  return exitCodes.failed;
}
