import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { readTarball, TarballWriter } from './tarball.ts';

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
  for await (const entry of readTarball(Readable.from([bytes]))) read.set(entry.name, entry.data);
  assert.equal(read.get('metadata/version')?.toString(), '1.1.0\n');
  for (const [name, data] of files) assert.ok(read.get(name)?.equals(data), name);
  assert.equal(read.size, 3);
});

test('reading a corrupt tarball fails instead of yielding partial data silently', async () => {
  await assert.rejects(async () => {
    for await (const _ of readTarball(Readable.from([Buffer.from('not gzip at all')]))) {
      // nothing
    }
  });
});

test('an entry given in parts reads back joined', async () => {
  const writer = new TarballWriter({ mtime: new Date() });
  const collected = buffer(writer.stream);
  await writer.add('a.json', [Buffer.from('{"kind":"X",'), Buffer.from('"b":1}')]);
  writer.finish();
  const read = [];
  for await (const entry of readTarball(Readable.from([await collected]))) read.push(entry);
  assert.deepEqual(
    read.map((e) => [e.name, e.data.toString()]),
    [['a.json', '{"kind":"X","b":1}']],
  );
});
