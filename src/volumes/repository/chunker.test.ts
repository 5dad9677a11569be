/** The chunker: sizes within bounds, the same cuts for the same seed, other cuts for another, resync after an insertion. */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Chunker, defaultChunkerParams, gearTable } from './chunker.ts';

const MiB = 1024 * 1024;

function chunks(chunker: Chunker, data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < data.length; ) {
    const length = chunker.cut(data, at, Math.min(data.length, at + defaultChunkerParams.max));
    out.push(data.subarray(at, at + length));
    at += length;
  }
  return out;
}

const digest = (chunk: Buffer) => createHash('sha256').update(chunk).digest('hex');

test('chunks stay within 512 KiB and 8 MiB and average about 1.3 MiB; one seed always cuts alike, another elsewhere', () => {
  const data = randomBytes(48 * MiB);
  const seed = randomBytes(32);
  const a = chunks(new Chunker(seed), data);
  for (const chunk of a.slice(0, -1)) {
    assert.ok(chunk.length >= defaultChunkerParams.min && chunk.length <= defaultChunkerParams.max);
  }
  const average = data.length / a.length;
  assert.ok(average > 0.9 * MiB && average < 2 * MiB, `average ${average}`);
  assert.deepEqual(chunks(new Chunker(Buffer.from(seed)), data).map(digest), a.map(digest));
  const other = new Set(chunks(new Chunker(randomBytes(32)), data).map(digest));
  assert.ok(
    a.filter((chunk) => other.has(digest(chunk))).length <= 1,
    'another seed puts boundaries elsewhere',
  );
});

test('an insertion changes only the chunks around it', () => {
  const chunker = new Chunker(randomBytes(32));
  const data = randomBytes(40 * MiB);
  const before = new Set(chunks(chunker, data).map(digest));
  const changed = Buffer.concat([
    data.subarray(0, 20 * MiB),
    Buffer.from('inserted!'),
    data.subarray(20 * MiB),
  ]);
  const after = chunks(chunker, changed);
  const fresh = after.filter((chunk) => !before.has(digest(chunk)));
  const freshBytes = fresh.reduce((sum, chunk) => sum + chunk.length, 0);
  assert.ok(fresh.length <= 4, `${fresh.length} new chunks`);
  assert.ok(freshBytes < 10 * MiB, `${freshBytes} new bytes`);
});

test('chunking a file through its read-ahead gives the cuts of the whole buffer, for large and small files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lb-chunker-'));
  try {
    const chunker = new Chunker(randomBytes(32));
    for (const size of [0, 1000, 600 * 1024, 4 * MiB + 17, 37 * MiB + 5]) {
      const data = randomBytes(size);
      const path = join(dir, `f${size}`);
      await writeFile(path, data);
      const file = await open(path, 'r');
      const fromFile: Buffer[] = [];
      for await (const chunk of chunker.chunks(file, size)) fromFile.push(chunk);
      await file.close();
      assert.deepEqual(fromFile.map(digest), chunks(chunker, data).map(digest), `file of ${size} bytes`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('cuts follow the rule of docs/repository-format.md §5 byte for byte (a plain loop over the gear table)', () => {
  const params = { min: 64, avg: 256, max: 1024 };
  const seed = randomBytes(32);
  const chunker = new Chunker(seed, params);
  const gear = gearTable(seed);
  const top = (bits: number) => ~((1 << (32 - bits)) - 1) | 0;
  // The rule, written the plain way: hash from min, the stricter mask up to avg, the looser one to max.
  const reference = (data: Buffer, start: number, end: number): number => {
    const n = Math.min(end - start, params.max);
    if (end - start <= params.min) return end - start;
    let hash = 0;
    for (let i = params.min; i < n; i++) {
      hash = ((hash << 1) + (gear[data[start + i] as number] as number)) | 0;
      if ((hash & (i < params.avg ? top(9) : top(7))) === 0) return i + 1;
    }
    return n;
  };
  const data = randomBytes(256 * 1024);
  // Runs of equal bytes too, where the hash settles.
  data.fill(7, 1000, 5000);
  for (let at = 0; at < data.length; at += 37) {
    for (const end of [Math.min(data.length, at + 3000), Math.min(data.length, at + 70 + (at % 900))]) {
      assert.equal(chunker.cut(data, at, end), reference(data, at, end), `at ${at}, end ${end}`);
    }
  }
});
