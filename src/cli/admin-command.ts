/**
 * `lifeboat admin reset-token`: a new administrator token for whoever has the server's store and master key
 * (a lost first token is not a dead end). It opens the store itself: an embedded store only while no server
 * runs on it; a PostgreSQL store at any time, and the running servers take the token at once.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { ResetTokenResult } from '../control/index.ts';
import { outputFormat, printJson } from './context.ts';
import { type CliIo, UsageError } from './io.ts';

interface ResetFlags {
  data: string;
  databaseUrl?: string;
  keyFile?: string;
  user?: string;
  revokeOthers?: boolean;
  output?: string;
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the given PostgreSQL URL';
  }
}

/** What the command did, in sentences, with the token once. */
export function describeReset(result: ResetTokenResult, store: string): string {
  const lines = [
    `${result.createdUser ? `No administrator was left: created the administrator "${result.user.name}" and issued it` : `Issued the administrator "${result.user.name}"`} a new token in ${store}`,
    `(master key from ${result.keySource}, ${result.keyCheck === 'matched' ? 'checked against the store' : 'recorded in the store, which had no record of its key yet'}).`,
    '',
    'Its token, shown only this once:',
    '',
    `  ${result.token}`,
    '',
    `It is named "${result.tokenName}" and does not expire.`,
  ];
  if (result.revokedOthers > 0)
    lines.push(`Revoked the administrator's ${result.revokedOthers} other active token(s).`);
  if (result.otherActive > 0)
    lines.push(
      `The administrator's ${result.otherActive} other active token(s) still work: revoke them under Tokens in the console, with \`lifeboat token revoke\`, or run this again with --revoke-others.`,
    );
  lines.push(
    '',
    'Sign in to the console with it, or use it from the command line:',
    `  export LIFEBOAT_TOKEN=${result.token}`,
    '',
  );
  return lines.join('\n');
}

export function addAdminCommands(program: Command, io: CliIo): void {
  const admin = program
    .command('admin')
    .description(
      'maintenance by whoever runs the server (works on its store directly, not through --server)',
    );

  admin
    .command('reset-token')
    .description(
      'issue a new administrator token, to whoever has the data folder (or PostgreSQL URL) and the master key',
    )
    .option('--data <dir>', 'the data folder `lifeboat serve` runs with: its store and master.key', './data')
    .option(
      '--database-url <url>',
      'the PostgreSQL URL the servers share, instead of the embedded store (env LIFEBOAT_DATABASE_URL)',
    )
    .option('--key-file <file>', 'the master key file (default DIR/master.key; env LIFEBOAT_MASTER_KEY wins)')
    .option('--user <name>', 'the administrator to issue it to (default: the first administrator)')
    .option('--revoke-others', "also revoke the administrator's other tokens (if the lost one may be found)")
    .option('-o, --output <format>', 'json for machine-readable output (carries the token)')
    .action(async (flags: ResetFlags) => {
      const format = outputFormat(flags.output);
      const databaseUrl = flags.databaseUrl ?? io.env.LIFEBOAT_DATABASE_URL;
      const dataDir = resolve(flags.data);
      // The control plane's modules (database drivers among them) load only for this command.
      const { AdminResetError, resetAdminToken } = await import('../control/index.ts');
      let result: ResetTokenResult;
      try {
        result = await resetAdminToken({
          dataDir,
          env: io.env,
          ...(databaseUrl ? { databaseUrl } : {}),
          ...(flags.keyFile ? { keyFile: resolve(flags.keyFile) } : {}),
          ...(flags.user ? { user: flags.user } : {}),
          ...(flags.revokeOthers ? { revokeOthers: true } : {}),
        });
      } catch (error) {
        if (error instanceof AdminResetError) throw new UsageError(error.message, { cause: error });
        throw error;
      }
      if (format === 'json') return printJson(io, result);
      const store = databaseUrl
        ? `PostgreSQL at ${redactUrl(databaseUrl)}`
        : `the embedded store in ${dataDir}/pglite`;
      io.stdout(describeReset(result, store));
    });

  admin
    .command('repository-secret')
    .description(
      "print a location's volume repository secret (copied volume data), to keep for restoring without the server",
    )
    .requiredOption('--location <name>', 'the location')
    .option('--data <dir>', 'the data folder `lifeboat serve` runs with: its store and master.key', './data')
    .option('--database-url <url>', 'the PostgreSQL URL the servers share (env LIFEBOAT_DATABASE_URL)')
    .option('--key-file <file>', 'the master key file (default DIR/master.key; env LIFEBOAT_MASTER_KEY wins)')
    .option('-o, --output <format>', 'json for machine-readable output')
    .addHelpText('after', '\nThe project is the global --project NAME (or LIFEBOAT_PROJECT).')
    .action(
      async (
        flags: {
          location: string;
          data: string;
          databaseUrl?: string;
          keyFile?: string;
          output?: string;
        },
        command: Command,
      ) => {
        const format = outputFormat(flags.output);
        // --project is the program's global option (remote mode uses it too).
        const project =
          (command.optsWithGlobals() as { project?: string }).project ?? io.env.LIFEBOAT_PROJECT;
        if (!project) throw new UsageError('give --project NAME: the project of the location');
        const databaseUrl = flags.databaseUrl ?? io.env.LIFEBOAT_DATABASE_URL;
        const { AdminResetError, exportRepositorySecret } = await import('../control/index.ts');
        try {
          const result = await exportRepositorySecret({
            dataDir: resolve(flags.data),
            env: io.env,
            project,
            location: flags.location,
            ...(databaseUrl ? { databaseUrl } : {}),
            ...(flags.keyFile ? { keyFile: resolve(flags.keyFile) } : {}),
          });
          if (format === 'json') return printJson(io, result);
          io.stdout(
            [
              `The volume repository secret of location "${result.location}" (project "${result.project}"):`,
              '',
              `  ${result.secret}`,
              '',
              'Keep it with your break-glass kit, apart from the bucket: with it, the copied volume data can be read',
              'without the server, e.g. `lifeboat repository check s3://BUCKET/PREFIX --secret-file FILE`.',
              '',
            ].join('\n'),
          );
        } catch (error) {
          if (error instanceof AdminResetError) throw new UsageError(error.message, { cause: error });
          throw error;
        }
      },
    );
}
