/** `lifeboat serve`: runs a control-plane replica until SIGINT or SIGTERM. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CliIo } from './io.ts';
import { UsageError } from './io.ts';
import { logProcessWarnings } from './process-warnings.ts';

interface ServeFlags {
  port: string;
  host: string;
  data: string;
  databaseUrl?: string;
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

/** What `serve` tells people once it listens: where things are, and the first administrator's token. */
function banner(facts: {
  url: string;
  store: string;
  targets: string;
  keySource: string;
  firstAdminToken: string | undefined;
}): string {
  const { url, firstAdminToken } = facts;
  const lines = [
    '',
    `Lifeboat is serving on ${url}`,
    `  console:    ${url}/  (open it in a browser and sign in with a token)`,
    `  API:        ${url}/api/v1   (OpenAPI document: ${url}/api/v1/openapi.json)`,
    `  store:      ${facts.store}`,
    `  targets:    ${facts.targets}`,
    `  master key: ${facts.keySource} (keep it safe: stored secrets cannot be read without it)`,
  ];
  if (firstAdminToken)
    lines.push(
      '',
      'First start: the administrator "admin" was created. Its token, shown only this once:',
      '',
      `  ${firstAdminToken}`,
      '',
      'Use it from the command line with:',
      `  export LIFEBOAT_SERVER=${url} LIFEBOAT_TOKEN=${firstAdminToken}`,
      '  npm run lifeboat -- project create my-project',
    );
  lines.push('', '');
  return lines.join('\n');
}

export function addServeCommand(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('run the control plane: REST API, scheduler and job runner')
    .option('--port <port>', 'port to listen on', '8080')
    .option('--host <address>', 'address to listen on (0.0.0.0 for every interface)', '127.0.0.1')
    .option('--data <dir>', 'folder of the embedded store and the master key', './data')
    .option(
      '--database-url <url>',
      'PostgreSQL URL, shared by replicas (default: the embedded store; env LIFEBOAT_DATABASE_URL)',
    )
    .action(async (flags: ServeFlags) => {
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new UsageError(
          `invalid --port "${flags.port}": give a number from 1 to 65535 (0 picks a free one)`,
        );
      const databaseUrl = flags.databaseUrl ?? io.env.LIFEBOAT_DATABASE_URL;
      const dataDir = resolve(flags.data);
      const toLog = logProcessWarnings();
      // The server's modules (HTTP, database, scheduler) load only for `serve`: other commands start faster.
      const [{ serve }, { describeNetworkPolicy }] = await Promise.all([
        import('../api/index.ts'),
        import('../control/index.ts'),
      ]);
      const server = await serve({
        port,
        host: flags.host,
        dataDir,
        env: io.env,
        ...(databaseUrl ? { databaseUrl } : {}),
        jobs: {
          onLivenessLost: (reason) => {
            // Other replicas may already be taking over this one's jobs: stop at once, be restarted clean.
            io.stderr(`lost the database session that marks this replica alive (${reason}): exiting\n`);
            process.exit(1);
          },
        },
      });
      toLog(server.plane.ctx.log);
      const store = databaseUrl
        ? `PostgreSQL at ${redactUrl(databaseUrl)}`
        : `embedded PostgreSQL (PGlite) in ${dataDir}/pglite`;
      // One write, set apart by blank lines: no log line lands inside what people read.
      io.stdout(
        banner({
          url: server.url,
          store,
          targets: describeNetworkPolicy(server.plane.ctx.networkPolicy),
          keySource: server.plane.keySource,
          firstAdminToken: server.plane.firstAdminToken,
        }),
      );
      await new Promise<void>((done) => {
        const stop = (signal: string) => {
          io.stderr(
            `${signal}: stopping (running jobs get 30 s to finish; any still running then are recovered as interrupted)\n`,
          );
          process.off('SIGINT', onInt);
          process.off('SIGTERM', onTerm);
          // Jobs still running after the grace period must not go on writing once the database session
          // that marks them ours is closed (another replica recovers them): the process ends here.
          const exit = () => {
            done();
            setImmediate(() => process.exit(process.exitCode ?? 0));
          };
          server.close(30_000).then(exit, exit);
        };
        const onInt = () => stop('SIGINT');
        const onTerm = () => stop('SIGTERM');
        process.on('SIGINT', onInt);
        process.on('SIGTERM', onTerm);
      });
    });
}
