/**
 * Ranged pack reads in a restore, on a file:// location: a snapshot that needs a few blobs scattered over a
 * pack fetches only those (one request per blob far from the others), where a store without ranged reads
 * downloads the pack up to the last one; a whole snapshot costs one request per data pack; both restore the
 * same bytes.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { FileObjectStore, type ObjectStore } from '../../storage/index.ts';
import { loadIndex } from './blob-index.ts';
import { backupDirectory, openRepository, restoreSnapshot } from './index.ts';
import { repoKeys } from './repository.ts';
import { compareTrees, writeRandomFile } from './testing.ts';

const MiB = 1024 * 1024;
const kdf = { N: 1024, r: 8, p: 1 };
let work: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'lb-pack-stream-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

/** What reads of data packs cost: requests and bytes delivered. */
interface PackReads {
  requests: number;
  bytes: number;
}

/**
 * The store, counting reads of the packs of file data (not of trees, which are read whole); without
 * `getRange` when `ranged` is false, like a wrapper written before ranged reads.
 */
async function countingStore(
  store: FileObjectStore,
  ranged: boolean,
): Promise<{ store: ObjectStore; reads: PackReads }> {
  const { index } = await loadIndex(await openRepository(store, 'test secret'));
  const dataPacks = new Set(
    [...index.packs]
      .filter(([, blobs]) => blobs.some((b) => b.type === 'data'))
      .map(([id]) => repoKeys.pack(id)),
  );
  const reads: PackReads = { requests: 0, bytes: 0 };
  const count = (key: string, stream: Readable): Readable => {
    if (!dataPacks.has(key)) return stream;
    reads.requests++;
    stream.on('data', (chunk: Buffer) => {
      reads.bytes += chunk.length;
    });
    return stream;
  };
  const counted: ObjectStore = {
    description: store.description,
    put: (key, body, options) => store.put(key, body, options),
    get: async (key) => count(key, await store.get(key)),
    head: (key) => store.head(key),
    list: (prefix) => store.list(prefix),
    listPrefixes: (prefix) => store.listPrefixes(prefix),
    delete: (keys) => store.delete(keys),
    close: () => store.close(),
  };
  if (ranged) counted.getRange = async (key, range) => count(key, await store.getRange(key, range));
  return { store: counted, reads };
}

test('a restore fetches only the blobs it needs from a pack, one request per blob far from the others', async () => {
  const location = new FileObjectStore(join(work, 'sparse'));
  const repo = await openRepository(location, 'test secret', { create: true, kdf });
  // 24 files of 600 KiB: one chunk each, all in one 16 MiB pack, in name order.
  const all = join(work, 'all');
  await mkdir(all);
  const names = Array.from({ length: 24 }, (_, i) => `f${String(i).padStart(2, '0')}`);
  for (const name of names) await writeRandomFile(join(all, name), 600 * 1024);
  await backupDirectory(repo, all);
  // A second snapshot of three of them, far apart in the pack: its blobs are the first snapshot's.
  const some = join(work, 'some');
  await mkdir(some);
  for (const name of ['f02', 'f11', 'f21']) await copyFile(join(all, name), join(some, name));
  const { snapshotId } = await backupDirectory(repo, some);

  const results: Record<string, PackReads> = {};
  for (const ranged of [true, false]) {
    const { store, reads } = await countingStore(location, ranged);
    const target = join(work, `restored-${ranged}`);
    const restored = await restoreSnapshot(await openRepository(store, 'test secret'), snapshotId, target);
    assert.deepEqual(restored.problems, []);
    assert.deepEqual(await compareTrees(some, target), [], `ranged ${ranged}: the files restore exactly`);
    results[String(ranged)] = reads;
  }
  const ranged = results.true as PackReads;
  const whole = results.false as PackReads;
  assert.equal(ranged.requests, 3, 'three blobs more than a MiB apart: three ranged requests');
  // Each sealed blob is its 600 KiB and a few bytes of nonce, tag and encoding.
  assert.ok(ranged.bytes < 3 * 601 * 1024, `ranged reads fetched ${ranged.bytes} bytes`);
  assert.equal(whole.requests, 1);
  assert.ok(whole.bytes > 21 * 600 * 1024, `a read from the start fetched ${whole.bytes} bytes`);
});

test('a whole snapshot costs one ranged request per data pack', async () => {
  const location = new FileObjectStore(join(work, 'whole'));
  const repo = await openRepository(location, 'test secret', { create: true, kdf });
  const source = join(work, 'big');
  await mkdir(source);
  await writeRandomFile(join(source, 'data'), 40 * MiB);
  const { snapshotId } = await backupDirectory(repo, source);
  let packs = 0;
  for await (const _ of location.list(repoKeys.dataDir)) packs++;
  const { store, reads } = await countingStore(location, true);
  const target = join(work, 'big-restored');
  await restoreSnapshot(await openRepository(store, 'test secret'), snapshotId, target);
  assert.deepEqual(await compareTrees(source, target), []);
  // 40 MiB in 16 MiB packs, plus the pack of the one tree.
  assert.equal(packs, 4);
  assert.equal(reads.requests, 3, 'one request for each pack of data; the tree pack is read whole');
  assert.ok(reads.bytes >= 40 * MiB && reads.bytes < 41 * MiB, `fetched ${reads.bytes} bytes`);
});

test('chunks a pack streams in are freed once copied when whole, and left alone when they share a buffer', async () => {
  const location = new FileObjectStore(join(work, 'chunks'));
  const repo = await openRepository(location, 'test secret', { create: true, kdf });
  const source = join(work, 'chunked');
  await mkdir(source);
  await writeRandomFile(join(source, 'data'), 3 * MiB);
  const { snapshotId } = await backupDirectory(repo, source);
  for (const shared of [false, true]) {
    const delivered: Buffer[] = [];
    // Each ranged read is delivered in 10,000-byte chunks: buffers of their own, or slices of one buffer.
    const rechunked: ObjectStore = Object.assign(Object.create(location) as ObjectStore, {
      getRange: async (key: string, range: { offset: number; length: number }) => {
        const parts: Buffer[] = [];
        for await (const part of await location.getRange(key, range)) parts.push(part as Buffer);
        const whole = Buffer.concat(parts);
        const chunks: Buffer[] = [];
        for (let at = 0; at < whole.length; at += 10_000) {
          const slice = whole.subarray(at, at + 10_000);
          chunks.push(shared ? slice : Buffer.alloc(slice.length, slice));
        }
        delivered.push(...chunks);
        return Readable.from(chunks);
      },
    });
    const target = join(work, `chunked-restored-${shared}`);
    const restored = await restoreSnapshot(
      await openRepository(rechunked, 'test secret'),
      snapshotId,
      target,
    );
    assert.deepEqual(restored.problems, []);
    assert.deepEqual(await compareTrees(source, target), [], `shared ${shared}: the file restores exactly`);
    assert.ok(delivered.length > 300, `${delivered.length} chunks delivered`);
    // Chunks under 4 KiB are left to the collector; the last of each read may be one.
    const large = delivered.filter((chunk) => chunk.length >= 4096);
    const freed = large.filter((chunk) => (chunk.buffer as ArrayBuffer).detached).length;
    if (shared) assert.equal(freed, 0, 'no chunk sharing its buffer is freed');
    else assert.equal(freed, large.length, 'every chunk of its own is freed once copied');
  }
});
