/**
 * `lifeboat backup verify NAME --location URL`: checks every object of a backup as a restore would (size,
 * checksum against Lifeboat's content index, JSON, the body against its path) without a cluster, in local
 * mode. Exit 0 when clean, 1 when anything is wrong.
 */
import type { Command } from 'commander';
import { outputFormat, printJson } from './context.ts';
import { type CliIo, exitCodes, UsageError } from './io.ts';
import { openLocalStore } from './local-store.ts';
import { remoteContext } from './remote/context.ts';

/** Adds `verify` to the `backup` command (added before, by `addBackupCommands`). */
export function addVerifyCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const backup = program.commands.find((command) => command.name() === 'backup');
  if (!backup) throw new Error('addVerifyCommand: the backup command must be added first');
  backup
    .command('verify')
    .description(
      "check a backup's objects against its content index and their paths (local mode; exit 1 on problems)",
    )
    .argument('<name>', 'backup name')
    .option('--location <url>', 'backup location URL: file:///dir or s3://bucket/prefix?region=R')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (name: string, options: { location?: string; output?: string }, command: Command) => {
      if (remoteContext(io, command))
        throw new UsageError(
          'backup verify runs in local mode: unset --server (or LIFEBOAT_SERVER) and give --location; through the server, use POST /projects/{project}/backups/{backup}/verify',
        );
      const format = outputFormat(options.output);
      const store = openLocalStore(options.location);
      try {
        // The restore engine's reader, loaded only for this command (every `backup` verb adds it).
        const { verifyBackup } = await import('../restore/index.ts');
        const result = await verifyBackup(store, name);
        if (format === 'json') printJson(io, result);
        else {
          const clean = result.problemCount === 0;
          io.stdout(
            `Backup "${name}": ${result.checkedEntries} object entries checked${result.indexed ? ` against a content index of ${result.indexedObjects} objects` : ''}; ${clean ? 'no problems' : `${result.problemCount} problem${result.problemCount === 1 ? '' : 's'}`}\n`,
          );
          for (const problem of result.problems) io.stdout(`  ${problem.problem}\n`);
          if (result.problemCount > result.problems.length)
            io.stdout(
              `  ... and ${result.problemCount - result.problems.length} more (only the first ${result.problems.length} are listed)\n`,
            );
          for (const warning of result.warnings) io.stdout(`Warning: ${warning}\n`);
        }
        setExit(result.problemCount > 0 ? exitCodes.failed : exitCodes.completed);
      } finally {
        await store.close();
      }
    });
}
