/**
 * `lifeboat location validate URL`: tries the store for real and says what to fix. With a server
 * (`--server` or LIFEBOAT_SERVER), `location validate NAME` validates a saved location again, and the
 * remote-only verbs list, create, get, sync and delete the project's locations.
 */
import type { Command } from 'commander';
import { openObjectStore, parseLocation, validateLocation, validationTarget } from '../storage/index.ts';
import { outputFormat, printJson } from './context.ts';
import { type CliIo, exitCodes } from './io.ts';
import { watchedStore } from './local-store.ts';
import { addRemoteLocationCommands, remoteContext, remoteLocationValidate } from './remote/index.ts';

export function addLocationCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const location = program
    .command('location')
    .description('check backup locations (and, with --server, manage them)');
  location
    .command('validate')
    .description('write, read back, list and delete a probe object; say what to fix when something fails')
    .argument(
      '<url>',
      'file:///dir, s3://bucket/prefix?..., gs://bucket/prefix?..., azblob://account/container/prefix?...; with --server, the name of a saved location',
    )
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (url: string, options: { output?: string }, command: Command) => {
      const remote = remoteContext(io, command);
      if (remote) return remoteLocationValidate(remote, url, options, setExit);
      const format = outputFormat(options.output);
      const parsed = parseLocation(url);
      const target = validationTarget(parsed);
      const store = openObjectStore(parsed);
      const watched = watchedStore(store, target);
      try {
        const result = await validateLocation(watched.store, target);
        if (format === 'json') printJson(io, result);
        else if (result.ok)
          io.stdout(`Location ${result.location} is usable: ${result.checks.join(', ')}.\n`);
        else {
          io.stdout(
            `Location ${result.location} is not usable:\n${result.problems.map((p) => `  - ${p}`).join('\n')}\n`,
          );
          if (result.checks.length) io.stdout(`What worked: ${result.checks.join(', ')}.\n`);
          // The sentences name the console's fields: where the same fix goes here.
          for (const fix of watched.fixes()) io.stdout(`${fix.charAt(0).toUpperCase()}${fix.slice(1)}.\n`);
        }
        setExit(result.ok ? exitCodes.completed : exitCodes.failed);
      } finally {
        await store.close();
      }
    });
  addRemoteLocationCommands(location, io);
}
