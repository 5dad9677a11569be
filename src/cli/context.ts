/** Opening what commands work on — a location's store, a cluster's client — from their flags. */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { HttpKubeClient, type KubeClient, loadConnection } from '../kube/index.ts';
import { type ObjectStore, openObjectStore, parseLocation } from '../storage/index.ts';
import { type CliIo, UsageError } from './io.ts';

export function openStore(location: string | undefined): ObjectStore {
  if (!location)
    throw new UsageError(
      '--location is required: a URL such as file:///var/backups or s3://bucket/prefix?region=eu-west-1',
    );
  return openObjectStore(parseLocation(location));
}

/**
 * Requests in flight at once from a CLI command's cluster client: the restore engine's default parallelism
 * (src/restore's defaultRestoreParallelism; not imported, so that commands that do not restore do not load the
 * restore engine: a test holds the two equal).
 */
export const cliMaxInFlight = 64;

export async function openKube(
  io: CliIo,
  kubeconfig: string | undefined,
  context: string | undefined,
): Promise<KubeClient> {
  const file = kubeconfig ?? io.env.KUBECONFIG?.split(':')[0] ?? join(homedir(), '.kube', 'config');
  const connection = await loadConnection(context === undefined ? { file } : { file, context });
  // As many requests in flight as a restore creates objects at once (the engine's default parallelism, and
  // what the server's restore jobs use): a lower client limit silently caps it. Backups bound their own.
  return new HttpKubeClient(connection, { maxInFlight: cliMaxInFlight });
}

export type OutputFormat = 'table' | 'json';

export function outputFormat(value: string | undefined): OutputFormat {
  if (value === undefined || value === 'table' || value === 'wide') return 'table';
  if (value === 'json') return 'json';
  throw new UsageError(`unknown output format "${value}": use -o json, or leave it out for a table`);
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}
