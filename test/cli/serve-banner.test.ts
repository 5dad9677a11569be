/**
 * `lifeboat serve` (what `npm start` runs), as a child process on a fresh data folder: what it prints for
 * people is one block — no JSON log line inside it — and a library's deprecation warning, raised while it
 * serves, becomes a JSON log line instead of Node's text on stderr. The warning is raised by a module loaded
 * with `--import` when the test sends SIGUSR2, as a library calling a deprecated API would.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';

const dir = mkdtempSync(join(tmpdir(), 'lifeboat-serve-banner-'));

/** Resolves with what the child printed once `done` says so (or rejects after `ms`). */
function until(
  child: ChildProcess,
  out: { stdout: string; stderr: string },
  done: () => boolean,
  ms: number,
) {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`waited ${ms} ms; stdout: ${out.stdout}\nstderr: ${out.stderr}`)),
      ms,
    );
    const check = () => {
      if (!done()) return;
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.stderr?.off('data', check);
      resolve();
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    check();
  });
}

describe('lifeboat serve prints for people, logs for machines', () => {
  let child: ChildProcess | undefined;
  after(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('the banner is one block without log lines, and a deprecation warning is a JSON log line', async () => {
    const library = join(dir, 'deprecated-library.mjs');
    writeFileSync(
      library,
      "process.on('SIGUSR2', () => process.emitWarning('oldCall() is deprecated', 'DeprecationWarning', 'DEP9999'));\n",
    );
    const out = { stdout: '', stderr: '' };
    child = spawn(
      process.execPath,
      [
        '--import',
        pathToFileURL(library).href,
        'src/cli/main.ts',
        'serve',
        '--port',
        '0',
        '--data',
        join(dir, 'data'),
      ],
      { env: { ...process.env, LIFEBOAT_LOG_LEVEL: 'info' } },
    );
    child.stdout?.on('data', (d: Buffer) => {
      out.stdout += d;
    });
    child.stderr?.on('data', (d: Buffer) => {
      out.stderr += d;
    });
    await until(child, out, () => out.stdout.includes('project create my-project\n'), 120_000);

    const lines = out.stdout.split('\n');
    const first = lines.findIndex((line) => line.startsWith('Lifeboat is serving on http://127.0.0.1:'));
    const last = lines.findIndex((line) => line.includes('npm run lifeboat -- project create my-project'));
    assert.ok(first >= 0 && last > first, out.stdout);
    const banner = lines.slice(first, last + 1);
    assert.deepEqual(
      banner.filter((line) => line.trimStart().startsWith('{')),
      [],
      'no log line inside the banner',
    );
    assert.ok(
      banner.some((line) => /^ {2}lbt_/.test(line)),
      'the first administrator token is shown',
    );
    assert.equal(lines[first - 1], '', 'a blank line sets the banner apart');
    for (const line of lines.slice(0, first - 1).filter(Boolean))
      assert.doesNotThrow(() => JSON.parse(line), `before the banner, only JSON log lines: ${line}`);

    child.kill('SIGUSR2');
    await until(child, out, () => out.stdout.includes('DEP9999') || out.stderr.includes('DEP9999'), 30_000);
    const logged = out.stdout
      .split('\n')
      .filter((line) => line.includes('DEP9999'))
      .map(
        (line) => JSON.parse(line) as { level: number; msg: string; warning: { name: string; code: string } },
      );
    assert.equal(logged.length, 1, out.stdout);
    assert.deepEqual(logged[0]?.warning, { name: 'DeprecationWarning', code: 'DEP9999' });
    assert.equal(logged[0]?.msg, 'oldCall() is deprecated');
    assert.equal(logged[0]?.level, 40, 'a warning');
    assert.ok(!out.stderr.includes('DeprecationWarning'), `not as Node's text on stderr: ${out.stderr}`);

    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    assert.equal(await exited, 0, out.stderr);
  });
});
