/**
 * The test command: brings one test bed up, runs every test file against it with node:test, and tears
 * the test bed down afterwards — also when tests fail or the run is interrupted. The test bed runs Velero
 * beside its clusters (`up --velero`) for the interoperability tests.
 *   node test/run.ts [node --test arguments or files]
 * With LIFEBOAT_TESTBED_ENV already set, that test bed is used and left running.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { defaultDir, down, projectRoot, up } from './testbed/testbed.ts';

const defaultPatterns = ['src/**/*.test.ts', 'test/**/*.test.ts'];

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const ownTestbed = !process.env.LIFEBOAT_TESTBED_ENV;
  const dir = join(defaultDir, 'test-run');
  let stopping = false;
  let child: ReturnType<typeof spawn> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    stopping = true;
    child?.kill(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    let envFile = process.env.LIFEBOAT_TESTBED_ENV ?? '';
    if (ownTestbed) {
      // With Velero beside the clusters, so the interoperability tests (test/velero) run too.
      envFile = await up({
        dir,
        clusters: 2,
        velero: true,
        log: (line) => process.stderr.write(`${line}\n`),
      });
    }
    if (stopping) return 130;
    const patterns = args.some((arg) => !arg.startsWith('-')) ? [] : defaultPatterns;
    child = spawn(process.execPath, ['--test', '--test-reporter=spec', ...args, ...patterns], {
      cwd: projectRoot,
      stdio: 'inherit',
      env: { ...process.env, LIFEBOAT_TESTBED_ENV: envFile },
    });
    const running = child;
    const code = await new Promise<number>((resolve) =>
      running.on('close', (status, signal) => resolve(status ?? (signal ? 130 : 1))),
    );
    return code;
  } finally {
    if (ownTestbed) await down({ dir });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(
      `test run failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exitCode = 1;
  },
);
