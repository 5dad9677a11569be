import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { nodeFlags } from './runtime.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

/** A preload that records every module the process loads and prints the project's own at exit. */
const recorder = `
import { registerHooks } from 'node:module';
const seen = new Set();
registerHooks({
  load(url, context, nextLoad) {
    seen.add(url);
    return nextLoad(url, context);
  },
});
process.on('exit', () => {
  for (const url of seen) if (url.startsWith('file:')) process.stderr.write('loaded ' + url + '\\n');
});
`;

/** The project's modules (paths from the root) that `lifeboat ...args` loads, and what it printed. */
async function modulesLoaded(args: string[]): Promise<{ loaded: string[]; stdout: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-loading-'));
  try {
    const preload = join(dir, 'recorder.mjs');
    await writeFile(preload, recorder);
    const command = [...nodeFlags, '--import', preload, join(root, 'bin/lifeboat.js'), ...args];
    const { stdout, stderr } = await run(process.execPath, command);
    const loaded = [...stderr.matchAll(/^loaded file:\/\/(.*)$/gm)]
      .map((m) => m[1] as string)
      .filter((path) => path.startsWith(root))
      .map((path) => path.slice(root.length));
    return { loaded, stdout };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('the backup verbs load neither the restore engine, the data mover, the control plane nor the remote restore verbs', async () => {
  // `backup list` on an empty location succeeds without a cluster, and `backup` loads all its verbs (create
  // included) before it runs one. A failing command is no measure: reporting an error loads the error types.
  const empty = await mkdtemp(join(tmpdir(), 'lifeboat-loading-location-'));
  try {
    const { loaded, stdout } = await modulesLoaded([
      'backup',
      'list',
      '--location',
      pathToFileURL(empty).href,
    ]);
    assert.match(stdout, /no backups/i);
    // It did load the backup engine: the check below would pass vacuously otherwise.
    assert.ok(loaded.includes('src/backup/backup-run.ts'), loaded.join('\n'));
    const unwanted = loaded.filter(
      (path) =>
        path.startsWith('src/restore/') ||
        path.startsWith('src/volumes/') ||
        path.startsWith('src/control/') ||
        path.startsWith('src/cli/remote/restores.ts'),
    );
    assert.deepEqual(unwanted, []);
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
});

test("the CLI's cluster client lets as many requests fly as the restore engine sends at once by default", async () => {
  // Read here, not in context.ts: importing the restore engine there would load it for every command.
  const [{ cliMaxInFlight }, { defaultRestoreParallelism }] = await Promise.all([
    import('./context.ts'),
    import('../restore/index.ts'),
  ]);
  assert.equal(cliMaxInFlight, defaultRestoreParallelism);
});
