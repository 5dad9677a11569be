/** `lifeboat token list | create | revoke` (remote mode only): the caller's own API tokens. */
import type { Command } from 'commander';
import { parseGoDuration } from '../../archive/index.ts';
import type { TokenView } from '../../control/index.ts';
import { outputFormat, printJson } from '../context.ts';
import { type CliIo, UsageError } from '../io.ts';
import { formatIsoTime, table } from '../output.ts';
import { requireRemote } from './context.ts';

const day = 86_400_000;

/**
 * The expiry of a new token from `--expires-in` (a duration: `30d`, `12h`, `90m`, or `never`) or
 * `--expires-at` (an ISO 8601 time): an ISO time for the API, null for none, undefined when neither is given.
 */
export function tokenExpiry(
  flags: { expiresIn?: string; expiresAt?: string },
  now: Date,
): string | null | undefined {
  if (flags.expiresIn !== undefined && flags.expiresAt !== undefined)
    throw new UsageError('give --expires-in or --expires-at, not both');
  if (flags.expiresAt !== undefined) {
    const at = new Date(flags.expiresAt);
    if (!/^\d{4}-\d{2}-\d{2}/.test(flags.expiresAt) || Number.isNaN(at.getTime()))
      throw new UsageError(
        `--expires-at: "${flags.expiresAt}" is not a time: give ISO 8601, such as 2030-01-31 or 2030-01-31T18:00:00Z`,
      );
    return at.toISOString();
  }
  const text = flags.expiresIn?.trim();
  if (text === undefined) return undefined;
  if (text === 'never') return null;
  const days = text.match(/^(\d+)d$/);
  let ms: number;
  try {
    ms = days ? Number(days[1]) * day : parseGoDuration(text);
  } catch {
    ms = Number.NaN;
  }
  if (!Number.isFinite(ms) || ms <= 0)
    throw new UsageError(
      `--expires-in: "${text}" is not a duration: give days, hours or minutes, such as 30d, 12h or 90m, or never`,
    );
  return new Date(now.getTime() + ms).toISOString();
}

function expiryText(token: TokenView): string {
  if (token.state === 'revoked') return `revoked ${formatIsoTime(token.revokedAt)}`;
  if (!token.expiresAt) return 'never';
  return `${token.state === 'expired' ? 'expired ' : ''}${formatIsoTime(token.expiresAt)}`;
}

/** The token an argument names: its id, or the name of exactly one of the caller's active tokens. */
function pick(tokens: TokenView[], ref: string): TokenView {
  const byId = tokens.find((token) => token.id === ref);
  if (byId) return byId;
  const named = tokens.filter((token) => token.name === ref);
  const active = named.filter((token) => token.state === 'active');
  if (active.length === 1 && active[0]) return active[0];
  if (active.length > 1)
    throw new UsageError(
      `${active.length} of your active tokens are named "${ref}": give the id of the one to revoke (${active.map((token) => token.id).join(', ')})`,
    );
  if (named[0]) return named[0];
  throw new UsageError(`you have no token "${ref}": \`lifeboat token list\` shows yours with their ids`);
}

export function addTokenCommands(program: Command, io: CliIo): void {
  const token = program
    .command('token')
    .description('your API tokens: list, create (shown once), revoke (needs --server)');

  token
    .command('list')
    .description('your tokens, newest first, with their expiry, last use and state (never their values)')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (flags: { output?: string }, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      const tokens = await remote.api.listTokens();
      if (format === 'json') return printJson(io, tokens);
      io.stdout(
        table(
          ['ID', 'NAME', 'STATE', 'EXPIRES', 'LAST USED', 'CREATED'],
          tokens.map((t) => [
            t.id,
            t.current ? `${t.name} (this one)` : t.name,
            t.state,
            expiryText(t),
            formatIsoTime(t.lastUsedAt),
            formatIsoTime(t.createdAt),
          ]),
        ),
      );
    });

  token
    .command('create')
    .description('create a token for yourself; its value is printed this once only')
    .argument('<name>', 'what the token is for, such as "ci pipeline"')
    .option('--expires-in <duration>', 'how long it works: 30d, 12h, 90m, or never (the default)')
    .option('--expires-at <time>', 'when it stops working (ISO 8601, such as 2030-01-31T00:00:00Z)')
    .option('-o, --output <format>', 'json for machine-readable output (carries the value)')
    .action(
      async (
        name: string,
        flags: { expiresIn?: string; expiresAt?: string; output?: string },
        command: Command,
      ) => {
        const remote = requireRemote(io, command);
        const format = outputFormat(flags.output);
        const expiresAt = tokenExpiry(flags, new Date());
        const created = await remote.api.createToken({
          name,
          ...(expiresAt === undefined ? {} : { expiresAt }),
        });
        if (format === 'json') return printJson(io, created);
        io.stdout(`Token "${created.name}" created (id ${created.id}). Its value, shown only this once:\n\n`);
        io.stdout(`  ${created.token}\n\n`);
        io.stdout(
          created.expiresAt
            ? `It stops working at ${formatIsoTime(created.expiresAt)}.\n`
            : 'It does not expire: revoke it with `lifeboat token revoke` when it is no longer needed (or create it with --expires-in 30d).\n',
        );
      },
    );

  token
    .command('revoke')
    .description('revoke one of your tokens: it is refused from then on')
    .argument('<token>', 'the token’s id, or its name when one active token has it')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (ref: string, flags: { output?: string }, command: Command) => {
      const remote = requireRemote(io, command);
      const format = outputFormat(flags.output);
      const chosen = pick(await remote.api.listTokens(), ref);
      await remote.api.revokeToken(chosen.id);
      if (format === 'json') return printJson(io, { id: chosen.id, name: chosen.name, revoked: true });
      io.stdout(
        `Token "${chosen.name}" (id ${chosen.id}) revoked: it is refused from now on${chosen.current ? ' (it was the token this command ran with)' : ''}\n`,
      );
    });
}
