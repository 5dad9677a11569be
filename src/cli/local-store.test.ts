import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { backupsBelow, backupsElsewhere, locationBelow, openLocalStore } from './local-store.ts';

const root = mkdtempSync(join(tmpdir(), 'lifeboat-local-store-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A backup folder as the layout has it (only its presence matters to the search). */
function backupAt(folder: string, name: string): void {
  mkdirSync(join(root, folder, 'backups', name), { recursive: true });
  writeFileSync(join(root, folder, 'backups', name, `${name}.tar.gz`), 'x');
}

test('the URL of a folder below a location keeps its bucket and path, not its options', () => {
  assert.equal(locationBelow('s3://b', 'prod/'), 's3://b/prod/');
  assert.equal(locationBelow('s3://b/?region=r&endpoint=https://m:9000', 'prod/'), 's3://b/prod/');
  assert.equal(locationBelow('file:///var/backups', 'a/b/'), 'file:///var/backups/a/b/');
});

test('a location without backups names the sub-folders that hold some, two levels down', async () => {
  backupAt('prod', 'nightly-1');
  backupAt('clusters/staging', 'nightly-2');
  mkdirSync(join(root, 'empty', 'backups'), { recursive: true });
  mkdirSync(join(root, 'restores', 'x'), { recursive: true });
  const url = `file://${root}`;
  const store = openLocalStore(url);
  try {
    assert.deepEqual(await backupsBelow(store), ['prod/', 'clusters/staging/']);
    assert.equal(
      await backupsElsewhere(store, url),
      `no backups in file://${root}/; found some under file://${root}/prod/, file://${root}/clusters/staging/: give that as --location`,
    );
  } finally {
    await store.close();
  }
  const below = openLocalStore(`file://${root}/empty`);
  try {
    assert.equal(await backupsElsewhere(below, `file://${root}/empty`), undefined);
  } finally {
    await below.close();
  }
});
