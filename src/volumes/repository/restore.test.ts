/**
 * Restore's handling of files on a file:// location: zero chunks stay holes (at the start, middle and end of
 * a file); files of several chunks come out whole when only one file may stay open at a time (handles are
 * closed and files reopened); a pack that is gone is listed per file while every other file is restored
 * and the damaged files exist at their size.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FileObjectStore } from '../../storage/index.ts';
import { loadIndex } from './blob-index.ts';
import { backupDirectory, openRepository, type Repository, restoreSnapshot } from './index.ts';
import { repoKeys } from './repository.ts';
import { compareTrees, fileHash, writeRandomFile } from './testing.ts';

const MiB = 1024 * 1024;
const kdf = { N: 1024, r: 8, p: 1 };
let work: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'lb-restore-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

async function freshRepository(name: string): Promise<{ repo: Repository; store: FileObjectStore }> {
  const store = new FileObjectStore(join(work, name));
  return { repo: await openRepository(store, 'test secret', { create: true, kdf }), store };
}

test('zero chunks are restored as holes, at the start, in the middle and at the end of a file', async () => {
  const { repo } = await freshRepository('holes');
  const source = join(work, 'holes-source');
  await mkdir(source);
  const file = await open(join(source, 'sparse.img'), 'w');
  // Zeros in 20 MiB runs: each holds at least one whole zero chunk (chunks end within 8 MiB).
  await file.write(randomBytes(3 * MiB), 0, 3 * MiB, 20 * MiB);
  await file.write(randomBytes(2 * MiB), 0, 2 * MiB, 43 * MiB);
  await file.truncate(65 * MiB);
  await file.close();
  const { snapshotId } = await backupDirectory(repo, source);

  const target = join(work, 'holes-restored');
  const result = await restoreSnapshot(repo, snapshotId, target);
  assert.deepEqual(result.problems, []);
  assert.deepEqual(await compareTrees(source, target), []);
  const restored = await stat(join(target, 'sparse.img'));
  assert.equal(restored.size, 65 * MiB);
  assert.ok(
    restored.blocks * 512 <= 65 * MiB - 24 * MiB,
    `${restored.blocks * 512} bytes allocated: the three zero chunks are not holes`,
  );
});

test('files of many chunks are whole when one file may stay open at a time', async () => {
  const { repo } = await freshRepository('reopen');
  const source = join(work, 'reopen-source');
  await mkdir(join(source, 'dir'), { recursive: true });
  for (const name of ['a.bin', 'b.bin', 'dir/c.bin']) await writeRandomFile(join(source, name), 9 * MiB);
  const { snapshotId } = await backupDirectory(repo, source, { uploader: { packSize: 2 * MiB } });

  const target = join(work, 'reopen-restored');
  const result = await restoreSnapshot(repo, snapshotId, target, { openFiles: 1, concurrency: 4 });
  assert.deepEqual(result.problems, []);
  assert.equal(result.bytes, 27 * MiB);
  assert.deepEqual(await compareTrees(source, target), []);
});

test('a pack that is gone is listed for each of its files; the other files are restored, the damaged ones exist at their size', async () => {
  const { repo, store } = await freshRepository('lost-pack');
  const source = join(work, 'lost-source');
  await mkdir(source);
  await writeRandomFile(join(source, 'first.bin'), 3 * MiB);
  const backup1 = await backupDirectory(repo, source);
  // Files added in a second backup land in packs of their own.
  for (let i = 0; i < 20; i++) await writeRandomFile(join(source, `small-${i}.bin`), 4096);
  const { snapshotId } = await backupDirectory(repo, source, { parent: backup1.snapshotId });
  const { index } = await loadIndex(repo);
  const firstPacks = new Set(
    [...index.packs.entries()]
      .filter(([, blobs]) => blobs.some((blob) => blob.type === 'data' && blob.rawLength < 8192))
      .map(([pack]) => pack),
  );
  assert.equal(firstPacks.size, 1);
  await store.delete([repoKeys.pack([...firstPacks][0] as string)]);

  const target = join(work, 'lost-restored');
  const result = await restoreSnapshot(repo, snapshotId, target);
  assert.deepEqual(result.problems.map((problem) => problem.path).sort(), [
    ...Array.from({ length: 20 }, (_, i) => `small-${i}.bin`).sort(),
  ]);
  assert.match(result.problems[0]?.reason ?? '', /could not be read/);
  assert.equal(await fileHash(join(target, 'first.bin')), await fileHash(join(source, 'first.bin')));
  for (let i = 0; i < 20; i++) assert.equal((await stat(join(target, `small-${i}.bin`))).size, 4096);
});
