import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openFilesUnder } from '../../test/support/open-files.ts';
import { BodyStore } from './body-store.ts';

test('bodies are read back as written, from the buffer and from the file, in order and by range', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'body-store-test-'));
  try {
    const store = await BodyStore.open(dir);
    const written: [Buffer, Awaited<ReturnType<BodyStore['append']>>][] = [];
    // Enough to fill the write buffer several times, with one body larger than the buffer.
    for (let i = 0; i < 3000; i++) {
      const body = Buffer.from(`{"n":${i},"pad":"${'x'.repeat(i % 7 === 0 ? 5000 : 40)}"}`);
      written.push([body, await store.append(body)]);
    }
    const big = Buffer.alloc(9 * 2 ** 20, 7);
    written.push([big, await store.append(big)]);
    written.push([Buffer.from('tail'), await store.append('tail')]);
    // Before any flush the last bodies are only in the buffer.
    assert.deepEqual(await store.read(written.at(-1)?.[1] ?? { offset: 0, length: 0 }), Buffer.from('tail'));
    await store.flush();
    for (const entry of [written[0], written[1234], written.at(-2)]) {
      assert.ok(entry);
      assert.deepEqual(await store.read(entry[1]), entry[0]);
    }
    let i = 0;
    for await (const [item, bytes] of store.scan(written.map(([body, range]) => ({ body, range })))) {
      assert.ok(bytes.equals(item.body), `body ${i} read back differs`);
      i++;
    }
    assert.equal(i, written.length);
    // The file has no name: nothing is left in the directory while it is open, and nothing once closed.
    assert.deepEqual(await readdir(dir), []);
    assert.equal(openFilesUnder(dir).length, 1);
    await store.close();
    await store.close();
    assert.deepEqual(openFilesUnder(dir), []);
    await assert.rejects(store.read({ offset: 0, length: 1 }), /temporary file is closed/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a store fails clearly where its directory cannot be written', async () => {
  await assert.rejects(BodyStore.open('/proc/no-such-dir'), /ENOENT|EACCES|EROFS/);
});
