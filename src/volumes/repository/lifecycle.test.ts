/**
 * Writers dying and data going: a writer killed (SIGKILL, a real process) before its manifest leaves no
 * snapshot, check passes and the next backup works; forget + prune frees the chunks no remaining snapshot
 * needs (deleting and repacking packs) and check --read-data passes; prune and backups exclude each other.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { FileObjectStore, type ObjectStore, type PutOptions } from '../../storage/index.ts';
import {
  backupDirectory,
  checkRepository,
  forgetSnapshots,
  listLocks,
  openRepository,
  pruneRepository,
  RepositoryLockedError,
  removeStaleLocks,
  repositoryStats,
  restoreSnapshot,
} from './index.ts';
import { acquireLock } from './locks.ts';
import { compareTrees, writeRandomFile } from './testing.ts';

const MiB = 1024 * 1024;
const kdf = { N: 1024, r: 8, p: 1 };
let work: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'lb-repo-life-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

async function packsIn(bucket: string): Promise<string[]> {
  const entries = await readdir(join(bucket, 'plugins/lifeboat/repository/data'), { recursive: true }).catch(
    () => [],
  );
  return entries.filter((name) => /[0-9a-f]{64}$/.test(name));
}

test('a writer killed before its manifest leaves no snapshot; check passes; the next backup works; prune clears its packs', async (t) => {
  const bucket = join(work, 'bucket-killed');
  const source = join(work, 'source-killed');
  await mkdir(source);
  await writeRandomFile(join(source, 'big.bin'), 96 * MiB);
  const repo = await openRepository(new FileObjectStore(bucket), 'secret', { create: true, kdf });
  const moduleUrl = new URL('./index.ts', import.meta.url).href;
  const storeUrl = new URL('../../storage/index.ts', import.meta.url).href;
  const script = `
    const { openRepository, backupDirectory } = await import(${JSON.stringify(moduleUrl)});
    const { FileObjectStore } = await import(${JSON.stringify(storeUrl)});
    const repo = await openRepository(new FileObjectStore(process.argv[1]), 'secret');
    await backupDirectory(repo, process.argv[2], { uploader: { packSize: 4 * 1024 * 1024 } });
    process.stdout.write('finished');`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, bucket, source], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  const deadline = Date.now() + 60_000;
  while ((await packsIn(bucket)).length < 2 && Date.now() < deadline && child.exitCode === null) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL', `the writer ended on its own: ${output}`);
  const orphans = await packsIn(bucket);
  t.diagnostic(`killed after ${orphans.length} packs`);
  assert.ok(orphans.length >= 2);

  assert.deepEqual(await repo.snapshots(), []);
  const check = await checkRepository(repo, { readData: true });
  assert.ok(check.ok, JSON.stringify(check.errors));
  assert.ok(check.warnings.some((warning) => warning.kind === 'unindexed-pack'));
  // The killed writer's lock is still there (not yet stale); a backup shares it, a prune must wait.
  assert.equal((await listLocks(repo)).length, 1);
  await assert.rejects(pruneRepository(repo), RepositoryLockedError);

  const next = await backupDirectory(repo, source);
  const restored = await restoreSnapshot(repo, next.snapshotId, join(work, 'restored-killed'));
  assert.deepEqual(restored.problems, []);
  assert.deepEqual(await compareTrees(source, join(work, 'restored-killed')), []);

  // Once its lock is stale (here: after 1 ms) and its packs are past the grace period, prune removes them.
  assert.equal(await removeStaleLocks(repo, 1), 1);
  const pruned = await pruneRepository(repo, { unindexedGraceMs: 0 });
  assert.equal(pruned.deletedUnindexedPacks, orphans.length);
  for (const pack of orphans) assert.ok(!(await packsIn(bucket)).includes(pack));
  assert.ok((await checkRepository(repo, { readData: true })).ok);
});

test('forget + prune frees the chunks no remaining snapshot needs, repacks partly used packs, and check --read-data passes', async (t) => {
  const bucket = join(work, 'bucket-prune');
  const source = join(work, 'source-prune');
  await mkdir(source);
  const repo = await openRepository(new FileObjectStore(bucket), 'secret', { create: true, kdf });
  const uploader = { packSize: MiB };
  await writeRandomFile(join(source, 'keep.bin'), 10 * MiB);
  await writeRandomFile(join(source, 'drop.bin'), 10 * MiB);
  await mkdir(join(source, 'small'));
  for (let i = 0; i < 40; i++) await writeRandomFile(join(source, 'small', `s${i}`), 100 * 1024);
  const first = await backupDirectory(repo, source, { uploader, concurrency: 1 });
  // Then drop.bin goes (whole packs unneeded) and every other small file (half of each of their packs).
  await unlink(join(source, 'drop.bin'));
  for (let i = 0; i < 40; i += 2) await unlink(join(source, 'small', `s${i}`));
  await writeRandomFile(join(source, 'new.bin'), 4 * MiB);
  await copyFile(join(source, 'keep.bin'), join(source, 'keep-copy.bin'));
  const second = await backupDirectory(repo, source, { uploader, parent: first.snapshotId });
  const before = await repositoryStats(repo);
  assert.ok(before.uniqueBytes >= 27 * MiB);

  const forgotten = await forgetSnapshots(repo, [first.snapshotId.slice(0, 10)]);
  assert.deepEqual(forgotten.deleted, [first.snapshotId]);
  const pruned = await pruneRepository(repo, { uploader });
  t.diagnostic(`prune: ${JSON.stringify(pruned)}`);
  assert.ok(pruned.deletedPacks >= 4, 'packs holding only drop.bin go');
  assert.ok(pruned.repackedPacks >= 2, 'packs of small files, half unneeded, are repacked');
  assert.equal(pruned.snapshots, 1);
  const afterStats = await repositoryStats(repo);
  t.diagnostic(`stored before ${before.storedBytes}, after ${afterStats.storedBytes}`);
  // keep.bin, new.bin and 20 small files: 16 MiB, plus what packs kept below the repack threshold hold.
  const kept = pruned.unusedBytesKept;
  assert.ok(afterStats.uniqueBytes <= 16 * MiB + kept, `unique ${afterStats.uniqueBytes}`);
  assert.ok(afterStats.storedBytes < 16.5 * MiB + kept, `stored ${afterStats.storedBytes}`);

  const check = await checkRepository(repo, { readData: true });
  assert.ok(check.ok, JSON.stringify(check.errors));
  assert.deepEqual(check.warnings, []);
  const restored = await restoreSnapshot(repo, second.snapshotId, join(work, 'restored-prune'));
  assert.deepEqual(restored.problems, []);
  assert.deepEqual(await compareTrees(source, join(work, 'restored-prune')), []);
  // A second prune finds nothing to do.
  const again = await pruneRepository(repo);
  assert.equal(again.deletedPacks + again.repackedPacks + again.deletedUnindexedPacks, 0);
});

test('a prune waits for backups and a backup for a prune: their locks exclude each other', async () => {
  const repo = await openRepository(new FileObjectStore(join(work, 'bucket-locks')), 'secret', {
    create: true,
    kdf,
  });
  const source = join(work, 'source-locks');
  await mkdir(source);
  const backupLock = await acquireLock(repo, false);
  await assert.rejects(pruneRepository(repo), (error: unknown) => {
    assert.ok(error instanceof RepositoryLockedError);
    assert.match(error.holders[0] ?? '', /a shared lock/);
    return true;
  });
  // Another backup shares the repository.
  await backupDirectory(repo, source);
  await backupLock.release();
  const pruneLock = await acquireLock(repo, true);
  await assert.rejects(backupDirectory(repo, source), RepositoryLockedError);
  await pruneLock.release();
  await backupDirectory(repo, source);
  assert.deepEqual(await listLocks(repo), []);
});

test('a store that fails mid-backup fails the backup: no snapshot, no lock left, and the next backup works', async () => {
  const bucket = join(work, 'bucket-failing');
  const source = join(work, 'source-failing');
  await mkdir(source);
  await writeRandomFile(join(source, 'big.bin'), 24 * MiB);
  const real = new FileObjectStore(bucket);
  let packs = 0;
  // The port, failing its third pack upload as a store that goes away would.
  const failing: ObjectStore = Object.assign(Object.create(real) as ObjectStore, {
    put: async (key: string, body: Buffer | Readable, options?: PutOptions) => {
      if (key.includes('/data/') && ++packs === 3) throw new Error('connection reset by the store');
      return real.put(key, body, options);
    },
  });
  const repo = await openRepository(failing, 'secret', { create: true, kdf });
  await assert.rejects(
    backupDirectory(repo, source, { uploader: { packSize: 4 * MiB } }),
    /connection reset/,
  );
  assert.deepEqual(await repo.snapshots(), []);
  assert.deepEqual(await listLocks(repo), []);
  const next = await backupDirectory(await openRepository(real, 'secret'), source);
  assert.ok(next.manifest.stats.newBytes > 0);
});
