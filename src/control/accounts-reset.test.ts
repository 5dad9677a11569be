import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { AdminResetError, resetAdminToken } from './accounts-reset.ts';

const dir = mkdtempSync(join(tmpdir(), 'lifeboat-reset-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const refusal = (pattern: RegExp) => (error: unknown) =>
  error instanceof AdminResetError && pattern.test(error.message);

test('without the master key nothing is opened, and no key is made up', async () => {
  await assert.rejects(
    resetAdminToken({ dataDir: dir, env: {} }),
    refusal(/no master key: .*master\.key does not exist and LIFEBOAT_MASTER_KEY is not set/),
  );
  assert.equal(existsSync(join(dir, 'master.key')), false, 'no key file was created');
  assert.equal(existsSync(join(dir, 'pglite')), false, 'no store was created');
  await assert.rejects(
    resetAdminToken({ databaseUrl: 'postgres://127.0.0.1:1/none', env: {} }),
    refusal(/set LIFEBOAT_MASTER_KEY .* or give --key-file FILE/),
  );
});

test('a key that is not 32 bytes of base64 is named by where it came from', async () => {
  await assert.rejects(
    resetAdminToken({ dataDir: dir, env: { LIFEBOAT_MASTER_KEY: 'c2hvcnQ=' } }),
    refusal(/the master key in LIFEBOAT_MASTER_KEY is not 32 bytes of base64/),
  );
  const keyFile = join(dir, 'odd.key');
  writeFileSync(keyFile, 'not a key\n');
  await assert.rejects(
    resetAdminToken({ dataDir: dir, keyFile, env: {} }),
    refusal(/the master key in .*odd\.key is not 32 bytes/),
  );
});

test('a folder without a store is refused instead of starting an empty one', async () => {
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  writeFileSync(join(empty, 'master.key'), `${randomBytes(32).toString('base64')}\n`);
  await assert.rejects(
    resetAdminToken({ dataDir: empty, env: {} }),
    refusal(/no Lifeboat store in .*empty \(.*pglite does not exist\): give the --data folder/),
  );
  assert.equal(existsSync(join(empty, 'pglite')), false);
});
