/**
 * Benchmarks that print figures: `npm run bench -- backup --objects 10000`.
 * Uses the test bed in LIFEBOAT_TESTBED_ENV, or starts one in .testbed/bench and stops it afterwards.
 */

import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { processIo } from '../src/cli/index.ts';
import { defaultDir, down, readEnv, type TestbedEnv, up } from '../test/testbed/testbed.ts';
import { benchBackup } from './backup.ts';
import { benchControl } from './control.ts';
import { benchMover } from './mover.ts';
import { benchRestore } from './restore.ts';
import { benchVelero } from './velero.ts';
import { benchVolumes } from './volumes.ts';

/**
 * Benchmarks that are scripts of their own, with their own options (each file's header lists them); they run
 * on the test bed in LIFEBOAT_TESTBED_ENV, or — the engine's own, with no cluster — on none.
 */
const scripts = ['backup-lists', 'backup-engine', 'backup-writer', 'restore-memory', 'mover-profile'];

const usage = `usage: npm run bench -- backup|restore|control|velero [--objects N] [--store embedded|postgres] | volumes [--volumes N] | mover [--mib N]
       npm run bench -- ${scripts.join('|')} [their own options: see the file's header in bench/]`;

/** Runs bench/<name>.ts with `args` in a process of its own, as `node` would; gives its exit status. */
function runScript(name: string, args: string[]): Promise<number> {
  const file = join(dirname(fileURLToPath(import.meta.url)), `${name}.ts`);
  return new Promise((done) => {
    const child = spawn(process.execPath, [...process.execArgv, file, ...args], { stdio: 'inherit' });
    child.on('close', (code) => done(code ?? 1));
  });
}

async function main(): Promise<number> {
  const [first, ...rest] = process.argv.slice(2);
  if (first && scripts.includes(first)) return runScript(first, rest);
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      objects: { type: 'string' },
      store: { type: 'string' },
      volumes: { type: 'string' },
      mib: { type: 'string' },
    },
  });
  const [which] = positionals;
  const objects = Number(values.objects ?? 10_000);
  if (!Number.isInteger(objects) || objects < 1) {
    processIo.stderr(`--objects must be a positive whole number\n${usage}\n`);
    return 2;
  }
  const volumes = Number(values.volumes ?? 20);
  if (!Number.isInteger(volumes) || volumes < 1 || volumes > 100) {
    processIo.stderr(`--volumes must be a whole number from 1 to 100\n${usage}\n`);
    return 2;
  }
  const mib = Number(values.mib ?? 200);
  if (!Number.isInteger(mib) || mib < 1 || mib > 10_000) {
    processIo.stderr(`--mib must be a whole number from 1 to 10000\n${usage}\n`);
    return 2;
  }
  const store = values.store ?? 'embedded';
  if (
    (which !== 'backup' &&
      which !== 'restore' &&
      which !== 'control' &&
      which !== 'velero' &&
      which !== 'volumes' &&
      which !== 'mover') ||
    (store !== 'embedded' && store !== 'postgres')
  ) {
    processIo.stderr(`${usage}\n`);
    return 2;
  }
  const own = !process.env.LIFEBOAT_TESTBED_ENV;
  const dir = join(defaultDir, 'bench');
  try {
    const envFile =
      process.env.LIFEBOAT_TESTBED_ENV ||
      (await up({
        dir,
        clusters: 2,
        velero: which === 'velero',
        log: (l) => processIo.stderr(`${l}\n`),
      }));
    const env: TestbedEnv = await readEnv(envFile);
    if (which === 'backup') await benchBackup(env, objects, (line) => processIo.stdout(`${line}\n`));
    else if (which === 'restore') await benchRestore(env, objects, (line) => processIo.stdout(`${line}\n`));
    else if (which === 'velero') await benchVelero(env, objects, (line) => processIo.stdout(`${line}\n`));
    else if (which === 'volumes') await benchVolumes(env, volumes, (line) => processIo.stdout(`${line}\n`));
    else if (which === 'mover') await benchMover(env, mib, (line) => processIo.stdout(`${line}\n`));
    else await benchControl(env, objects, store, (line) => processIo.stdout(`${line}\n`));
    return 0;
  } finally {
    if (own) await down({ dir });
  }
}

process.exitCode = await main();
