import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { type PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { tarball, tarballBomb } from '../../test/support/hostile.ts';
import { ArchiveLimitError, BackupMetadataError } from './errors.ts';
import { maxObjectBytes, maxTarHeaderBytes, readTarball } from './tarball.ts';
import { TarballWriter } from './tarball-writer.ts';

test('a tarball written entry by entry reads back the same, long names included', async () => {
  const writer = new TarballWriter({ mtime: new Date('2026-01-02T03:04:05Z') });
  const collected = buffer(writer.stream);
  await writer.writeVersion();
  const longName = `resources/widgets.example.com/namespaces/${'n'.repeat(60)}/${'w'.repeat(120)}.json`;
  const files = new Map([
    ['resources/configmaps/namespaces/a/c1.json', Buffer.from('{"kind":"ConfigMap"}')],
    [longName, Buffer.alloc(300_000, 'x')],
  ]);
  for (const [name, data] of files) await writer.add(name, data);
  writer.finish();
  const bytes = await collected;
  assert.ok(writer.bytes > 0 && writer.bytes === bytes.length);
  const read = new Map<string, Buffer>();
  for await (const entry of readTarball(Readable.from([bytes]))) {
    assert.ok('data' in entry, entry.name);
    read.set(entry.name, entry.data);
  }
  assert.equal(read.get('metadata/version')?.toString(), '1.1.0\n');
  for (const [name, data] of files) assert.ok(read.get(name)?.equals(data), name);
  assert.equal(read.size, 3);
});

test('reading a corrupt tarball fails instead of yielding partial data silently, naming the file', async () => {
  await assert.rejects(
    async () => {
      for await (const _ of readTarball(Readable.from([Buffer.from('not gzip at all')]), {
        file: 'b/b.tar.gz',
      })) {
        // nothing
      }
    },
    (error: unknown) =>
      error instanceof BackupMetadataError &&
      error.file === 'b/b.tar.gz' &&
      /^b\/b.tar.gz is not a gzipped tarball Lifeboat can read \(.+\): it was cut short or altered$/.test(
        error.message,
      ),
  );
});

test("a long-name header past tar-stream's 4 MiB bound is refused, not buffered further", async () => {
  const writer = new TarballWriter({ mtime: new Date() });
  const collected = buffer(writer.stream);
  await writer.add(`resources/${'a'.repeat(maxTarHeaderBytes + 1)}.json`, Buffer.from('{}'));
  writer.finish();
  const bytes = await collected;
  await assert.rejects(
    async () => {
      for await (const _ of readTarball(Readable.from([bytes]))) {
        // nothing
      }
    },
    (error: unknown) => error instanceof BackupMetadataError && /Header exceeds max size/.test(error.message),
  );
});

test("the store's own error passes through as it is", async () => {
  const failure = new Error('connection reset by the store');
  const source = new Readable({
    read() {
      this.destroy(failure);
    },
  });
  await assert.rejects(async () => {
    for await (const _ of readTarball(source)) {
      // nothing
    }
  }, failure);
});

test('an entry given in parts reads back joined', async () => {
  const writer = new TarballWriter({ mtime: new Date() });
  const collected = buffer(writer.stream);
  await writer.add('a.json', [Buffer.from('{"kind":"X",'), Buffer.from('"b":1}')]);
  writer.finish();
  const read = [];
  for await (const entry of readTarball(Readable.from([await collected]))) read.push(entry);
  assert.deepEqual(
    read.map((e) => [e.name, 'data' in e ? e.data.toString() : 'too large']),
    [['a.json', '{"kind":"X","b":1}']],
  );
});

test('each entry read owns memory of exactly its size (a kept entry pins no shared slab)', async () => {
  const writer = new TarballWriter({ mtime: new Date() });
  const collected = buffer(writer.stream);
  const sizes = [0, 1, 1300, 70_000];
  for (const [i, size] of sizes.entries()) await writer.add(`e${i}.json`, Buffer.alloc(size, 'y'));
  writer.finish();
  const read: Buffer[] = [];
  for await (const entry of readTarball(Readable.from([await collected]))) {
    assert.ok('data' in entry, entry.name);
    read.push(entry.data);
  }
  assert.deepEqual(
    read.map((data) => [data.length, data.byteOffset, data.buffer.byteLength]),
    sizes.map((size) => [size, 0, size]),
  );
  assert.ok(read.every((data, i) => data.equals(Buffer.alloc(sizes[i] ?? 0, 'y'))));
});

test('an entry over the cap is drained without being held: its name and size only, and reading goes on', async () => {
  const gib = 2 ** 30;
  const bomb = tarballBomb('resources/configmaps/namespaces/a/huge.json', gib, [
    { name: 'resources/configmaps/namespaces/a/small.json', data: '{"kind":"ConfigMap"}' },
  ]);
  assert.ok(bomb.length < 2 * 2 ** 20, `the bomb is ${bomb.length} bytes on the wire`);
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  const seen: unknown[] = [];
  try {
    for await (const entry of readTarball(Readable.from([bomb]))) {
      seen.push('data' in entry ? [entry.name, entry.data.toString()] : [entry.name, entry.size]);
    }
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  assert.deepEqual(seen, [
    ['resources/configmaps/namespaces/a/small.json', '{"kind":"ConfigMap"}'],
    ['resources/configmaps/namespaces/a/huge.json', gib],
  ]);
  const growth = peak - before;
  assert.ok(growth < 100 * 2 ** 20, `RSS grew by ${(growth / 2 ** 20).toFixed(0)} MiB reading a 1 GiB entry`);
});

test("entries within the cap are read whole; the cap is the caller's to choose", async () => {
  const bytes = tarball([
    { name: 'a.json', data: Buffer.alloc(1000, 'a') },
    { name: 'b.json', data: Buffer.alloc(1001, 'b') },
  ]);
  const read = [];
  for await (const entry of readTarball(Readable.from([bytes]), { maxEntryBytes: 1000 })) read.push(entry);
  assert.deepEqual(
    read.map((e) => ('data' in e ? [e.name, e.data.length] : [e.name, 'too large', e.size])),
    [
      ['a.json', 1000],
      ['b.json', 'too large', 1001],
    ],
  );
  assert.equal(maxObjectBytes, 8 * 2 ** 20);
});

test('a tarball of many entries within the cap stops at the total inflated limit', async () => {
  const files = Array.from({ length: 40 }, (_, i) => ({ name: `e${i}.json`, data: Buffer.alloc(64 * 1024) }));
  let entries = 0;
  await assert.rejects(
    async () => {
      const source = Readable.from([tarball(files)]);
      for await (const _ of readTarball(source, { maxInflatedBytes: 2 ** 20, file: 'backups/b/b.tar.gz' }))
        entries++;
    },
    (error: unknown) =>
      error instanceof ArchiveLimitError &&
      error.limit === 2 ** 20 &&
      /^backups\/b\/b.tar.gz is larger than 1 MiB once decompressed/.test(error.message),
  );
  assert.ok(entries < 16, `${entries} entries read before the limit`);
});

test('a reader that stops early ends the source', async () => {
  const source = Readable.from([
    tarball([
      { name: 'a.json', data: '{}' },
      { name: 'b.json', data: '{}' },
    ]),
  ]);
  for await (const _ of readTarball(source)) break;
  assert.ok(source.destroyed);
});

test("a reader that destroys the writer's stream fails every write waiting on it, and the writer says so", {
  timeout: 10_000,
}, async () => {
  const writer = new TarballWriter({ mtime: new Date(), concurrency: 1 });
  assert.equal(writer.stoppedByReader, false);
  // Random bytes do not compress: each 1 MiB chunk comes out larger than the stream's buffer.
  const waiting = writer.add('entry', randomBytes(3 * 1024 * 1024));
  assert.ok(waiting, 'the writer should ask its caller to wait');
  // Until a compressed chunk is written and waits for a reader to take it; then the reader goes away.
  const output = writer.stream as PassThrough;
  while (!output.writableNeedDrain) await new Promise((resolve) => setTimeout(resolve, 5));
  writer.stream.destroy();
  await assert.rejects(waiting, /closed before it was written/);
  assert.equal(writer.stoppedByReader, true);
  // Writes after that fail at once; they never wait for a stream that is gone.
  await assert.rejects(
    writer.add('late', Buffer.from('x')) ?? Promise.resolve(),
    /closed before it was written/,
  );
});

test('a writer whose reader went away while nothing was waiting fails its next write, never waits for a drain', {
  timeout: 10_000,
}, async () => {
  const writer = new TarballWriter({ mtime: new Date(), concurrency: 1 });
  writer.stream.destroy();
  // Compressed after the stream is gone: a write there would wait for a 'drain' that never comes.
  const waiting = writer.add('entry', randomBytes(3 * 1024 * 1024));
  assert.ok(waiting, 'the writer should ask its caller to wait');
  await assert.rejects(waiting, /closed before it was written/);
  assert.equal(writer.stoppedByReader, true);
});

test('a writer aborted by its caller is not stopped by its reader', () => {
  const writer = new TarballWriter({ mtime: new Date() });
  writer.stream.on('error', () => {});
  writer.abort(new Error('the cluster went away'));
  assert.equal(writer.stoppedByReader, false);
  assert.match(writer.failure?.message ?? '', /the cluster went away/);
});
