/**
 * `lifeboat repository check | stats LOCATION --server URL --project P`: the volume repository of a location
 * of the project, read by the control plane — which holds the repository secret in its vault, so the secret
 * never reaches this machine. Project admins only. A check streams its progress; Ctrl-C stops it on the
 * server too.
 */
import type { CheckEvent } from '../../control/index.ts';
import { outputFormat, printJson } from '../context.ts';
import { exitCodes, UsageError } from '../io.ts';
import { formatBytes, ProgressReporter } from '../output.ts';
import { printCheck, printStats } from '../repository-output.ts';
import { type Remote, refuseFlags } from './context.ts';

/** The flags of `repository check | stats` the remote mode reads. */
export interface RemoteRepositoryFlags {
  secretFile?: string;
  readData?: boolean;
  output?: string;
}

/** Above this, `check --read-data` warns what it downloads before the first pack arrives. */
export const largeRepositoryBytes = 1024 ** 3;

function refuseLocalFlags(flags: RemoteRepositoryFlags, location: string): void {
  refuseFlags(flags, {
    secretFile:
      '--secret-file is for local mode: with --server the control plane opens the repository with the secret it keeps (drop --secret-file, or unset --server to read the bucket yourself)',
  });
  if (/^[a-z0-9]+:\/\//i.test(location))
    throw new UsageError(
      `with --server, name a location of the project (\`lifeboat location list\`), not a URL ("${location.split('?', 1)[0]}"); unset --server to read a bucket by its URL`,
    );
}

/** `repository stats LOCATION` through the server. */
export async function remoteRepositoryStats(
  remote: Remote,
  location: string,
  flags: RemoteRepositoryFlags,
): Promise<void> {
  refuseLocalFlags(flags, location);
  const format = outputFormat(flags.output);
  const { location: name, ...stats } = await remote.api.repositoryStats(remote.project(), location);
  if (format === 'json') return printJson(remote.io, { location: name, ...stats });
  printStats(remote.io, `location ${name}`, stats);
}

/** What `--read-data` downloads, said on stderr when it is large (undefined: nothing worth a warning). */
export function downloadWarning(event: Extract<CheckEvent, { type: 'started' }>): string | undefined {
  if (!event.readData || (event.storedBytes ?? 0) < largeRepositoryBytes) return undefined;
  return `warning: --read-data downloads the whole repository of location ${event.location} into the control plane: ${formatBytes(event.storedBytes ?? 0)} in ${event.packs ?? 0} packs (bucket egress and time; Ctrl-C stops it)\n`;
}

/** `repository check LOCATION [--read-data]` through the server; exit 1 when it finds problems. */
export async function remoteRepositoryCheck(
  remote: Remote,
  location: string,
  flags: RemoteRepositoryFlags,
  setExit: (code: number) => void,
): Promise<void> {
  refuseLocalFlags(flags, location);
  const { io } = remote;
  const format = outputFormat(flags.output);
  const readData = flags.readData === true;
  const bar = new ProgressReporter(io);
  let lastLine = 0;
  let result: Extract<CheckEvent, { type: 'result' }> | undefined;
  await remote.api.checkRepository(remote.project(), location, { readData }, (event) => {
    if (event.type === 'started') {
      const warning = downloadWarning(event);
      if (warning) io.stderr(warning);
    } else if (event.type === 'result') result = event;
    else if (event.type === 'progress') {
      const done = event.packsRead === event.packs;
      if (io.isTty) bar.update(event.packsRead, event.packs, 'packs read and verified', done);
      else if (done || Date.now() - lastLine >= 2000) {
        lastLine = Date.now();
        io.stderr(`check --read-data: ${event.packsRead}/${event.packs} packs read and verified\n`);
      }
    }
  });
  bar.finish();
  if (!result)
    throw new Error(
      `the server ended the check of location ${location} without a result (it restarted, or a proxy closed the connection): run it again`,
    );
  const { type: _type, location: name, readData: _readData, ...found } = result;
  if (format === 'json') printJson(io, { location: name, readData, ...found });
  else printCheck(io, `location ${name}`, found, readData);
  setExit(found.ok ? exitCodes.completed : exitCodes.failed);
}
