/** Reading flag values shared by the local and the remote commands; each error names the flag and a fix. */
import type { Command } from 'commander';
import type { ClusterResourcesMode } from '../archive/index.ts';
import { parseGoDuration } from '../archive/index.ts';
import { UsageError } from './io.ts';

/** Splits `a,b,c` lists, dropping blanks. */
export function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

/** `--include-cluster-resources` of a backup (Velero's true/false spelling accepted too). */
export function clusterResourcesMode(value: string | undefined): ClusterResourcesMode {
  if (value === undefined) return 'auto';
  if (value === 'auto' || value === 'always' || value === 'never') return value;
  // Velero's boolean spelling, for users moving over.
  if (value === 'true') return 'always';
  if (value === 'false') return 'never';
  throw new UsageError(`--include-cluster-resources must be auto, always or never, got "${value}"`);
}

/** A Go duration flag (`--expiry 720h`) in milliseconds. */
export function durationMs(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parseGoDuration(value);
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
}

/** A Go duration flag in whole hours, as the control plane keeps expiries. */
export function durationHours(flag: string, value: string | undefined): number | undefined {
  const ms = durationMs(flag, value);
  if (ms === undefined) return undefined;
  const hours = ms / 3_600_000;
  if (!Number.isInteger(hours) || hours < 1)
    throw new UsageError(
      `${flag}: the control plane keeps backups for whole hours: give e.g. 720h, not ${value}`,
    );
  return hours;
}

/**
 * How long a backup is kept, under one name everywhere: `--expiry`, as the API (`expiryHours`) and the
 * console ("Expiry") call it. `--ttl`, Velero's name, stays an alias so scripts written for Velero (and for
 * earlier Lifeboat releases of `backup create`) keep working.
 */
export interface ExpiryFlags {
  expiry?: string;
  ttl?: string;
}

/** Adds `--expiry` and its alias `--ttl` to a command; `what` is what is kept ("the backup", "each backup"). */
export function addExpiryOptions(command: Command, what: string): Command {
  return command
    .option('--expiry <duration>', `how long to keep ${what}, e.g. 720h (default 720h)`)
    .option('--ttl <duration>', "alias of --expiry (Velero's name for it)");
}

/** The expiry flag the user gave and its value; both names with different values is a usage error. */
function expiryFlag(flags: ExpiryFlags): { flag: string; value: string | undefined } {
  if (flags.expiry !== undefined && flags.ttl !== undefined && flags.expiry !== flags.ttl)
    throw new UsageError(
      `--expiry ${flags.expiry} and --ttl ${flags.ttl} disagree: --ttl is another name for --expiry, give one of them`,
    );
  if (flags.ttl !== undefined && flags.expiry === undefined) return { flag: '--ttl', value: flags.ttl };
  return { flag: '--expiry', value: flags.expiry };
}

/** `--expiry` (or `--ttl`) in milliseconds, as local mode writes it into the backup; undefined when not given. */
export function expiryMs(flags: ExpiryFlags): number | undefined {
  const { flag, value } = expiryFlag(flags);
  return durationMs(flag, value);
}

/** `--expiry` (or `--ttl`) in whole hours, as the control plane keeps it; undefined when not given. */
export function expiryHours(flags: ExpiryFlags): number | undefined {
  const { flag, value } = expiryFlag(flags);
  return durationHours(flag, value);
}

/** The bounds of `--volume-timeout` (the control plane's too): 10 s to 1 h. */
const volumeTimeoutBounds = { minMs: 10_000, maxMs: 3_600_000 } as const;

/**
 * `--volume-timeout` of a restore (`5m`, `90s`): how long each claim made from a CSI snapshot may take, in
 * milliseconds; undefined when not given (the engine's default, 5 minutes).
 */
export function volumeTimeoutMs(value: string | undefined): number | undefined {
  const ms = durationMs('--volume-timeout', value);
  if (ms === undefined) return undefined;
  if (ms < volumeTimeoutBounds.minMs || ms > volumeTimeoutBounds.maxMs)
    throw new UsageError(
      `--volume-timeout: ${value} is out of bounds: give between 10s and 1h (each claim made from a snapshot is waited for this long; default 5m)`,
    );
  return ms;
}

/** Parses `a:b,c:d` into a map; the error names the bad pair. */
export function parseMappings(flag: string, value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of list(value)) {
    const [from, to, ...rest] = pair.split(':');
    if (!from || !to || rest.length)
      throw new UsageError(`${flag}: "${pair}" is not source:target (for example ${flag} prod:staging)`);
    if (out[from] !== undefined) throw new UsageError(`${flag}: "${from}" is mapped twice`);
    out[from] = to;
  }
  return out;
}

/** `--existing-resource-policy` of a restore. */
export function existingResourcePolicy(value: string | undefined): 'none' | 'update' {
  if (value === undefined) return 'none';
  if (value === 'none' || value === 'update') return value;
  throw new UsageError(`--existing-resource-policy must be none or update, got "${value}"`);
}
