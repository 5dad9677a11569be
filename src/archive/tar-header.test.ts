import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { blockSize, TarHeaders, ustarName } from './tar-header.ts';
import { TarballWriter } from './tarball-writer.ts';

const mtime = new Date('2026-01-02T03:04:05Z');

/** Names of every length from 1 to 300 bytes, with and without slashes to split at, and unicode. */
function names(): string[] {
  const all: string[] = [];
  for (let n = 1; n <= 300; n++) all.push('a'.repeat(n));
  for (let n = 1; n <= 300; n += 3)
    all.push(`resources/x/${'b'.repeat(n)}/${'c'.repeat(Math.max(1, 300 - n))}.json`);
  for (let n = 90; n <= 260; n++) all.push(`r/${'s/'.repeat(Math.floor(n / 4))}${'t'.repeat((n % 7) + 1)}`);
  all.push(
    'résumé/ünïcode.json',
    'resources/configmaps/namespaces/ns/日本語.json',
    `resources/${'é'.repeat(60)}.json`,
    '/leading-slash',
    'trailing-slash/',
    `/${'d'.repeat(120)}`,
    `${'d'.repeat(154)}/${'e'.repeat(100)}`,
    `${'d'.repeat(155)}/${'e'.repeat(100)}`,
    `${'d'.repeat(156)}/${'e'.repeat(100)}`,
    `${'d'.repeat(40)}/${'e'.repeat(101)}`,
    `resources/${'a'.repeat(5000)}.json`,
  );
  return all;
}

const sizes = [0, 1, 100, 511, 512, 513, 1300, 300_000];

/** The same entries through tar-stream's pack and through `TarballWriter`, as uncompressed tar bytes. */
async function both(
  entries: { name: string; data: Buffer }[],
  options: { concurrency?: number } = {},
): Promise<{ expected: Buffer; actual: Buffer }> {
  const pack = tar.pack();
  const expected = buffer(pack);
  const writer = new TarballWriter({ mtime, ...options });
  const actual = buffer(writer.stream);
  let i = 0;
  for (const { name, data } of entries) {
    await new Promise<void>((resolve, reject) =>
      pack.entry({ name, size: data.length, mode: 0o755, mtime, type: 'file' }, data, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
    // Whole and in parts alike.
    await writer.add(name, i++ % 2 === 0 ? data : [data.subarray(0, 3), data.subarray(3)]);
  }
  pack.finalize();
  writer.finish();
  return { expected: await expected, actual: gunzipSync(await actual) };
}

function firstDifference(a: Buffer, b: Buffer): string {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `byte ${i} (block ${Math.floor(i / blockSize)}, offset ${i % blockSize})`;
  }
  return 'none';
}

test('entries are the bytes tar-stream writes: names of 1 to 5000 bytes, split, pax and unicode, sizes 0 to 300 kB', async () => {
  const all = names();
  const entries = all.map((name, i) => ({
    name,
    data: Buffer.alloc(sizes[i % sizes.length] as number, i % 251),
  }));
  const { expected, actual } = await both(entries);
  assert.equal(actual.length, expected.length);
  assert.ok(actual.equals(expected), `first difference at ${firstDifference(actual, expected)}`);
  // And tar-stream's reader reads every entry back, names and contents.
  const extract = tar.extract();
  Readable.from([actual]).pipe(extract);
  let i = 0;
  for await (const entry of extract) {
    const want = entries[i++];
    assert.ok(want);
    assert.equal(entry.header.name, want.name);
    assert.equal(entry.header.type, 'file');
    assert.equal(entry.header.mode, 0o755);
    assert.equal(entry.header.mtime?.getTime(), mtime.getTime());
    assert.ok((await buffer(entry)).equals(want.data), want.name);
  }
  assert.equal(i, entries.length);
});

test('many small entries across chunk boundaries, compressed several chunks at once, stay in order', async () => {
  const entries = Array.from({ length: 3000 }, (_, i) => ({
    name: `resources/configmaps/namespaces/ns-${i % 7}/object-${i}.json`,
    data: Buffer.from(
      `{"kind":"ConfigMap","metadata":{"name":"object-${i}"},"data":{"k":"${'v'.repeat(i % 1500)}"}}`,
    ),
  }));
  for (const concurrency of [1, 4]) {
    const { expected, actual } = await both(entries, { concurrency });
    assert.ok(actual.equals(expected), `concurrency ${concurrency}: ${firstDifference(actual, expected)}`);
  }
});

test('a size too large for 11 octal digits is written base-256, as tar-stream does', async () => {
  const headers = new TarHeaders({ mtime, mode: 0o755 });
  const size = 8 ** 11 + 5; // 8 GiB + 5
  const block = Buffer.alloc(blockSize);
  headers.writeUstar(block, 0, { name: 'big.bin', prefix: '' }, size);
  assert.equal(block[124], 0x80);
  assert.equal(block.readUIntBE(130, 6), size);
  const pack = tar.pack();
  pack.on('error', () => {});
  const first = new Promise<Buffer>((resolve) => pack.once('data', (data) => resolve(data as Buffer)));
  // The entry's body is never written: the pack is destroyed once its header is out.
  pack.entry({ name: 'big.bin', size, mode: 0o755, mtime, type: 'file' }, () => {});
  const expected = await first;
  pack.destroy();
  assert.ok(
    expected.subarray(0, blockSize).equals(block),
    firstDifference(expected.subarray(0, blockSize), block),
  );
});

test('ustarName splits at a slash only where ustar can hold both parts', () => {
  assert.deepEqual(ustarName('a/b'), { name: 'a/b', prefix: '' });
  assert.deepEqual(ustarName(`${'p'.repeat(10)}/${'n'.repeat(100)}`), {
    name: 'n'.repeat(100),
    prefix: 'p'.repeat(10),
  });
  assert.equal(ustarName('n'.repeat(101)), undefined);
  assert.equal(ustarName(`${'p'.repeat(156)}/n`), undefined);
  assert.equal(ustarName('ü'), undefined);
});

test("a header with a wrong checksum is refused by tar-stream's reader", async () => {
  const writer = new TarballWriter({ mtime });
  const collected = buffer(writer.stream);
  await writer.add('resources/configmaps/namespaces/a/c1.json', Buffer.from('{}'));
  writer.finish();
  const bytes = gunzipSync(await collected);
  // Sanity: unaltered, it reads.
  const good = tar.extract();
  Readable.from([bytes]).pipe(good);
  for await (const entry of good) assert.equal((await buffer(entry)).toString(), '{}');
  bytes[148] = bytes[148] === 0x30 ? 0x31 : 0x30; // one digit of the checksum
  const bad = tar.extract();
  Readable.from([bytes]).pipe(bad);
  await assert.rejects(async () => {
    for await (const entry of bad) entry.resume();
  }, /Invalid tar header/);
});

test('add after finish, and after abort, is refused', async () => {
  const finished = new TarballWriter({ mtime });
  finished.stream.resume();
  finished.finish();
  await assert.rejects(async () => finished.add('x', Buffer.from('{}')), /finished/);
  const aborted = new TarballWriter({ mtime });
  aborted.stream.on('error', () => {});
  aborted.abort(new Error('the upload failed'));
  await assert.rejects(async () => aborted.add('x', Buffer.from('{}')), /the upload failed/);
});
