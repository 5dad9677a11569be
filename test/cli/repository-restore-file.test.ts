/**
 * `lifeboat repository restore` on a file:// location (no test bed needed): the cases of
 * repository-restore-cases.ts, on a folder the library wrote a repository into.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import { FileObjectStore } from '../../src/storage/index.ts';
import { repositoryRestoreCases } from './repository-restore-cases.ts';

const dir = mkdtempSync(join(tmpdir(), 'lb-repo-restore-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('lifeboat repository restore on a file:// location', () => {
  const bucket = join(dir, 'bucket');
  const store = new FileObjectStore(bucket);
  after(() => store.close());
  repositoryRestoreCases({ url: () => `file://${bucket}`, store: () => store, env: () => ({}) });
});
