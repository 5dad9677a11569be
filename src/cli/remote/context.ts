/**
 * Remote mode: which control plane, token and project a command acts with. The server comes from
 * `--server` or LIFEBOAT_SERVER, the token from LIFEBOAT_TOKEN or `--token`, the project from `--project`
 * or LIFEBOAT_PROJECT. Without a server, commands that exist in both modes work locally.
 */
import type { Command } from 'commander';
import { ApiClient } from '../api-client.ts';
import { type CliIo, UsageError } from '../io.ts';

/** What a remote command acts with. */
export interface Remote {
  api: ApiClient;
  io: CliIo;
  /** The project to act in; throws a usage error naming the flag and the variable when none is given. */
  project(): string;
}

interface GlobalFlags {
  server?: string;
  token?: string;
  project?: string;
}

/** The command's remote context, or undefined when no server is configured (local mode). */
export function remoteContext(io: CliIo, command: Command): Remote | undefined {
  const flags = command.optsWithGlobals<GlobalFlags>();
  const server = (flags.server ?? io.env.LIFEBOAT_SERVER)?.trim();
  if (!server) return undefined;
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(
      `--server (or LIFEBOAT_SERVER) must be the URL of a Lifeboat server, such as http://lifeboat.example.com:8080; got "${server}"`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`--server must be an http:// or https:// URL, got "${server}"`);
  const token = (flags.token ?? io.env.LIFEBOAT_TOKEN)?.trim();
  if (!token)
    throw new UsageError(
      `no API token for ${server}: set LIFEBOAT_TOKEN to the token \`lifeboat serve\` printed on its first start, or one an administrator gave you (--token works too, but shows in the process list)`,
    );
  const project = (flags.project ?? io.env.LIFEBOAT_PROJECT)?.trim();
  return {
    api: new ApiClient(server, token),
    io,
    project() {
      if (!project)
        throw new UsageError(
          'this command acts in a project: give --project NAME or set LIFEBOAT_PROJECT (`lifeboat project list` shows yours)',
        );
      return project;
    },
  };
}

/** The remote context of a command that only exists in remote mode. */
export function requireRemote(io: CliIo, command: Command): Remote {
  const remote = remoteContext(io, command);
  if (!remote)
    throw new UsageError(
      `\`lifeboat ${commandPath(command)}\` acts through the control plane: give --server URL (or set LIFEBOAT_SERVER) and set LIFEBOAT_TOKEN`,
    );
  return remote;
}

/** Refuses flags of the other mode, naming what to use instead. */
export function refuseFlags(options: object, flags: Record<string, string>): void {
  const given = options as Record<string, unknown>;
  for (const [key, advice] of Object.entries(flags))
    if (given[key] !== undefined && given[key] !== false) throw new UsageError(advice);
}

/** Advice for a remote-mode flag given without a server. */
export function needsServer(flag: string): string {
  return `${flag} acts through the control plane: give --server URL (or set LIFEBOAT_SERVER) and LIFEBOAT_TOKEN`;
}

/** Advice for a local-mode flag given in remote mode (perhaps only because LIFEBOAT_SERVER is set). */
export function localOnly(flag: string, instead: string): string {
  return `${flag} is for local mode, but a server is set (--server or LIFEBOAT_SERVER; unset it to work locally): ${instead}`;
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at?.parent; at = at.parent) names.unshift(at.name());
  return names.join(' ');
}
