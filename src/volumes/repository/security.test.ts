/**
 * What the bucket reveals and what it can do to a restore: no plaintext and no unwrapped key in it; a wrong
 * secret is refused by type; keys rotate; a damaged or tampered pack, snapshot or tree is detected, and a
 * crafted tree cannot make a restore write outside its target.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { repositoryKeys } from '../../archive/layout.ts';
import { FileObjectStore } from '../../storage/index.ts';
import { loadIndex } from './blob-index.ts';
import {
  backupDirectory,
  checkRepository,
  IntegrityError,
  openRepository,
  pruneRepository,
  restoreSnapshot,
  WrongSecretError,
} from './index.ts';
import { buildTree } from './testing.ts';
import { encodeTree } from './tree.ts';
import { Uploader } from './uploader.ts';

const MiB = 1024 * 1024;
const kdf = { N: 1024, r: 8, p: 1 };
const keys = repositoryKeys();
let work: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'lb-repo-sec-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

test('the bucket holds no plaintext marker, no unwrapped key and no secret', async () => {
  const bucket = join(work, 'bucket-plain');
  const source = join(work, 'source-plain');
  const marker = 'MARKER-7f3a9c-LIFEBOAT';
  await buildTree(source, { bigBytes: 2 * MiB, smallFiles: 50, marker });
  const secret = 'correct horse battery staple';
  const repo = await openRepository(new FileObjectStore(bucket), secret, { create: true, kdf });
  await backupDirectory(repo, source, { tags: { cluster: 'marker-cluster', pvc: 'marker-pvc' } });
  const { dataKey, idKey, chunkerSeed } = repo.crypto.master;
  const needles: Buffer[] = [
    Buffer.from(marker),
    Buffer.from('marker-cluster'),
    Buffer.from('nested/a/b'),
    Buffer.from(secret),
  ];
  for (const key of [dataKey, idKey, chunkerSeed]) {
    needles.push(key, Buffer.from(key.toString('base64')), Buffer.from(key.toString('hex')));
  }
  const files = await allFiles(bucket);
  assert.ok(files.some((file) => file.includes('/data/')));
  for (const file of files) {
    const bytes = await readFile(file);
    for (const needle of needles)
      assert.equal(bytes.indexOf(needle), -1, `${file} holds ${needle.toString('hex').slice(0, 16)}…`);
  }
});

test('a wrong secret is refused by type; a second key opens the same repository, and the first can be removed', async () => {
  const store = new FileObjectStore(join(work, 'bucket-keys'));
  const repo = await openRepository(store, 'first secret', { create: true, kdf });
  await assert.rejects(openRepository(store, 'not the secret'), (error: unknown) => {
    assert.ok(error instanceof WrongSecretError);
    assert.equal(error.keysTried, 1);
    assert.match(error.message, /does not open/);
    return true;
  });
  const second = await repo.addKey('second secret', kdf);
  const reopened = await openRepository(store, 'second secret');
  assert.equal(reopened.config.id, repo.config.id);
  assert.equal(reopened.keyId, second);
  await reopened.removeKey(repo.keyId);
  await assert.rejects(openRepository(store, 'first secret'), WrongSecretError);
  await assert.rejects(reopened.removeKey(second), RangeError);
});

test('a flipped byte in a pack is detected: restore names the file, check --read-data names the pack, the rest restores', async () => {
  const bucket = join(work, 'bucket-tamper');
  const source = join(work, 'source-tamper');
  await mkdir(source);
  await writeFile(join(source, 'a.txt'), 'alpha '.repeat(50_000));
  await writeFile(join(source, 'b.txt'), 'bravo '.repeat(50_000));
  const repo = await openRepository(new FileObjectStore(bucket), 's', { create: true, kdf });
  const { snapshotId } = await backupDirectory(repo, source);
  assert.ok((await checkRepository(repo, { readData: true })).ok);

  const { index } = await loadIndex(repo);
  const aChunk = [...index.values()].find((blob) => blob.type === 'data');
  assert.ok(aChunk);
  const packPath = join(bucket, keys.pack(aChunk.pack));
  const bytes = await readFile(packPath);
  bytes[aChunk.offset + 20] = (bytes[aChunk.offset + 20] as number) ^ 0x01;
  await writeFile(packPath, bytes);

  const result = await restoreSnapshot(repo, snapshotId, join(work, 'restored-tamper'));
  assert.equal(result.problems.length, 1, JSON.stringify(result.problems));
  assert.match(result.problems[0]?.reason ?? '', /damaged or was tampered with/);
  const check = await checkRepository(repo, { readData: true });
  assert.equal(check.ok, false);
  assert.ok(check.errors.some((error) => error.kind === 'pack' && error.key === keys.pack(aChunk.pack)));
  // Without reading data, check sees only that every object is where the index says.
  assert.ok((await checkRepository(repo)).ok);

  // Cut short, the pack fails the blobs it no longer holds, by name; check sees it without reading data.
  await writeFile(packPath, bytes.subarray(0, aChunk.offset + 10));
  const cut = await restoreSnapshot(repo, snapshotId, join(work, 'restored-cut'));
  assert.ok(cut.problems.length >= 1);
  assert.ok(
    cut.problems.every((problem) => /ends before blob/.test(problem.reason)),
    JSON.stringify(cut.problems),
  );
  assert.equal((await checkRepository(repo)).ok, false);
});

test('a tampered snapshot file is refused, and a crafted tree naming ".." cannot write outside the target', async () => {
  const bucket = join(work, 'bucket-craft');
  const repo = await openRepository(new FileObjectStore(bucket), 's', { create: true, kdf });
  const source = join(work, 'source-craft');
  await mkdir(source);
  await writeFile(join(source, 'ok.txt'), 'ok');
  const { snapshotId, manifest } = await backupDirectory(repo, source);
  const snapshotPath = join(bucket, keys.snapshot(snapshotId));
  const sealed = await readFile(snapshotPath);
  sealed[sealed.length - 1] = (sealed[sealed.length - 1] as number) ^ 0x80;
  await writeFile(snapshotPath, sealed);
  await assert.rejects(repo.loadSnapshot(snapshotId), IntegrityError);
  // Listing leaves it out (backups still find their parents); prune refuses to judge its data unneeded.
  assert.deepEqual(await repo.snapshots(), []);
  await assert.rejects(pruneRepository(repo), IntegrityError);

  // Someone holding the key writes a tree whose entry is named "..": the restore refuses that listing.
  const { index } = await loadIndex(repo);
  const uploader = new Uploader(repo, index);
  const base = {
    type: 'dir' as const,
    mode: 0o755,
    uid: 0,
    gid: 0,
    mtimeNs: '0',
    ctimeNs: '0',
    inode: '1',
    size: 0,
  };
  const evil = await uploader.save('tree', encodeTree([{ name: '..', ...base, subtree: manifest.tree }]));
  await uploader.flush();
  const { id } = await repo.writeFile(keys.snapshot, { ...manifest, tree: evil });
  const target = join(work, 'inner', 'target');
  const result = await restoreSnapshot(repo, id, target);
  assert.equal(result.problems.length, 1);
  assert.match(result.problems[0]?.reason ?? '', /an entry named "\.\."/);
  assert.deepEqual(await readdir(join(work, 'inner')), ['target']);
  assert.deepEqual(await readdir(target), []);
});

test('a missing pack is an error, never "unused", when a tree that might need it cannot be read', async () => {
  const bucket = join(work, 'bucket-unread');
  const source = join(work, 'source-unread');
  await buildTree(source, { bigBytes: 3 * MiB, smallFiles: 5 });
  const repo = await openRepository(new FileObjectStore(bucket), 's', { create: true, kdf });
  await backupDirectory(repo, source, { uploader: { packSize: MiB } });
  const { index } = await loadIndex(repo);
  const blobs = [...index.values()];
  const tree = blobs.find((blob) => blob.type === 'tree');
  const treePacks = new Set(blobs.filter((blob) => blob.type === 'tree').map((blob) => blob.pack));
  const dataPack = blobs.find((blob) => blob.type === 'data' && !treePacks.has(blob.pack))?.pack;
  assert.ok(tree && dataPack, 'the backup wrote a pack of data only');

  // Every tree in the tree's pack fails to decrypt, so check cannot know what the data pack held for them.
  const treePath = join(bucket, keys.pack(tree.pack));
  const bytes = await readFile(treePath);
  for (const blob of blobs.filter((each) => each.pack === tree.pack))
    bytes[blob.offset + 20] = (bytes[blob.offset + 20] as number) ^ 0x01;
  await writeFile(treePath, bytes);
  await rm(join(bucket, keys.pack(dataPack)));

  const check = await checkRepository(repo);
  assert.equal(check.ok, false);
  assert.ok(
    check.errors.some((error) => error.kind === 'tree'),
    JSON.stringify(check.errors),
  );
  const missing = check.errors.find((error) => error.key === keys.pack(dataPack));
  assert.equal(missing?.kind, 'missing-pack', JSON.stringify(check));
  assert.match(missing?.message ?? '', /some snapshots or trees could not be read, so it may be needed/);
  assert.deepEqual(check.warnings, []);
});
