/**
 * `lifeboat repository check | stats | snapshots` on a file:// location (no test bed needed): the cases of
 * repository-cases.ts, on a folder the library wrote a repository into; and a repository whose secret is
 * random bytes, as the control plane makes them, opened with their base64.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { FileObjectStore } from '../../src/storage/index.ts';
import { backupDirectory, openRepository } from '../../src/volumes/index.ts';
import { lifeboat } from '../support/cli.ts';
import { temporaryFileLocation } from '../support/repository-locations.ts';
import { repositoryCommandCases } from './repository-cases.ts';

const dir = mkdtempSync(join(tmpdir(), 'lb-repo-cli-bytes-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('lifeboat repository on a file:// location', () => {
  repositoryCommandCases(temporaryFileLocation('lb-repo-cli-file-'));
});

test("a repository made with the control plane's random secret opens with its base64", async () => {
  const bucket = join(dir, 'bytes-bucket');
  const source = join(dir, 'bytes-source');
  mkdirSync(source);
  writeFileSync(join(source, 'a.txt'), 'hello');
  const secret = randomBytes(32);
  const store = new FileObjectStore(bucket);
  const repo = await openRepository(store, secret, { create: true, kdf: { N: 1024, r: 8, p: 1 } });
  await backupDirectory(repo, source, { tags: { backup: 'from-the-control-plane' } });
  await store.close();

  const run = (value: string) =>
    lifeboat(['repository', 'snapshots', `file://${bucket}`], {
      LIFEBOAT_REPOSITORY_SECRET: value,
      LIFEBOAT_SERVER: '',
    });
  const listed = await run(secret.toString('base64'));
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /from-the-control-plane/);
  const wrong = await run(randomBytes(32).toString('base64'));
  assert.equal(wrong.code, 2, wrong.stderr);
  assert.match(wrong.stderr, /does not open the volume repository .* \(1 key file\(s\) tried\)/);
});
