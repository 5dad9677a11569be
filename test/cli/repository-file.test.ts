/**
 * `lifeboat repository check | stats | snapshots` on a file:// location (no test bed needed): the cases of
 * repository-cases.ts, on a folder the library wrote a repository into.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import { FileObjectStore } from '../../src/storage/index.ts';
import { repositoryCommandCases } from './repository-cases.ts';

describe('lifeboat repository on a file:// location', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lb-repo-cli-file-'));
  const bucket = join(dir, 'bucket');
  const store = new FileObjectStore(bucket);
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  repositoryCommandCases({
    url: () => `file://${bucket}`,
    emptyUrl: () => `file://${join(dir, 'empty')}`,
    store: () => store,
    env: () => ({}),
  });
});
