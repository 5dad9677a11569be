/**
 * The restore's writer thread on its own: blobs handed over faster than they are written wrap around a small
 * ring, a blob larger than the ring goes alone, a zero chunk stays a hole, a damaged blob is a problem of its
 * file only, a blob shared by two files is written into both, a file whose chunk is skipped (its pack could
 * not be read) is created by the thread at its size, and a file of no chunk is left to the caller. The ring's
 * space: pieces taken and given back in turn never overlap, and a piece that fits is given.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BlobWriter, type Place, type PlannedFile, RingSpace } from './blob-writer.ts';
import { generateMasterKeys, RepositoryCrypto } from './crypto.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
let work: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'lb-blob-writer-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

test('blobs wrap around the ring, a larger one goes alone, zeros stay holes, a damaged one is its file’s problem', async () => {
  const crypto = new RepositoryCrypto(generateMasterKeys());
  // Each file: its chunks, in order; `a` and `b` share their first chunk.
  const shared = randomBytes(300 * KiB);
  const contents: Record<string, Buffer[]> = {
    a: [shared, ...Array.from({ length: 12 }, (_, i) => randomBytes(200 * KiB + i * 37 * KiB))],
    b: [shared, randomBytes(3 * MiB), Buffer.alloc(1 * MiB), randomBytes(5 * KiB)],
    damaged: [randomBytes(600 * KiB), randomBytes(100 * KiB)],
    skipped: [randomBytes(100 * KiB)],
    untouched: [],
  };
  const names = Object.keys(contents);
  const files: PlannedFile[] = names.map((name) => ({
    path: Buffer.from(join(work, name)),
    rel: name,
    size: (contents[name] ?? []).reduce((sum, chunk) => sum + chunk.length, 0),
    chunks: (contents[name] ?? []).length,
    created: false,
    sent: false,
  }));
  const problems: { path: string; reason: string }[] = [];
  let written = 0;
  const writer = new BlobWriter(crypto, files, {
    openFiles: 2,
    maxBlobBytes: 8 * MiB,
    ringBytes: 1 * MiB,
    onProblem: (path, reason) => problems.push({ path, reason }),
    onWritten: (bytes) => {
      written += bytes;
    },
  });
  try {
    // Blob id → its plaintext and places, in the order the chunks come.
    const blobs = new Map<string, { data: Buffer; places: Place[] }>();
    names.forEach((name, file) => {
      let offset = 0;
      for (const data of contents[name] ?? []) {
        const id = crypto.blobId(data);
        const blob = blobs.get(id) ?? { data, places: [] };
        blob.places.push({ file, offset });
        blobs.set(id, blob);
        offset += data.length;
      }
    });
    const damagedId = crypto.blobId(contents.damaged?.[0] as Buffer);
    const handedOver: Promise<void>[] = [];
    for (const [id, { data, places }] of blobs) {
      if (places[0]?.file === names.indexOf('skipped')) {
        writer.skip(places);
        continue;
      }
      const { pieces } = await crypto.sealPieces(data, false);
      // The tag of one blob is changed: it no longer authenticates.
      const tag = pieces.at(-1) as Buffer;
      if (id === damagedId) tag.writeUInt8(tag.readUInt8(0) ^ 1, 0);
      const length = pieces.reduce((sum, piece) => sum + piece.length, 0);
      handedOver.push(
        writer.add('data/00/pack', id, length, data.length, places, async (target) => {
          // The bytes come in pieces, with pauses, as from a store.
          let at = 0;
          for (const piece of pieces) {
            at += piece.copy(target, at);
            await new Promise((resolve) => setImmediate(resolve));
          }
        }),
      );
    }
    await Promise.all(handedOver);
    const bytes = await writer.finish();
    assert.equal(bytes, written);
  } finally {
    await writer.close();
  }

  assert.deepEqual(
    problems.map((problem) => problem.path),
    ['damaged'],
  );
  assert.match(problems[0]?.reason ?? '', /data\/00\/pack .*authentication tag does not verify/);
  for (const name of ['a', 'b']) {
    assert.ok((await readFile(join(work, name))).equals(Buffer.concat(contents[name] ?? [])), name);
  }
  const b = await stat(join(work, 'b'));
  assert.ok(
    b.blocks * 512 < b.size - 512 * KiB,
    `b has ${b.blocks * 512} bytes allocated: the zero chunk is no hole`,
  );
  const damaged = await readFile(join(work, 'damaged'));
  assert.equal(damaged.length, 700 * KiB);
  assert.ok(damaged.subarray(600 * KiB).equals(contents.damaged?.[1] as Buffer));
  const skipped = await stat(join(work, 'skipped'));
  assert.equal(skipped.size, 100 * KiB);
  assert.equal(skipped.blocks, 0);
  await assert.rejects(stat(join(work, 'untouched')), { code: 'ENOENT' });
});

test('the ring gives out contiguous pieces that never overlap those held, given back in any order', () => {
  const size = 1000;
  const ring = new RingSpace(size);
  const held: { seq: number; start: number; length: number }[] = [];
  let seed = 7;
  const random = (below: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % below;
  };
  let taken = 0;
  for (let step = 0; step < 20_000; step++) {
    if (held.length > 0 && random(3) === 0) {
      // Mostly the oldest piece comes back, sometimes another.
      const [piece] = held.splice(random(4) === 0 ? random(held.length) : 0, 1);
      ring.free(piece?.seq as number);
      continue;
    }
    const length = 1 + random(random(50) === 0 ? 1500 : 400);
    const piece = ring.take(length);
    if (held.length === 0) assert.ok(piece, `step ${step}: ${length} bytes refused by an empty ring`);
    if (!piece) continue;
    if (length > size) {
      assert.equal(piece.start, -1);
      assert.equal(ring.take(1), undefined, 'a piece was given beside one larger than the ring');
    } else {
      assert.ok(piece.start >= 0 && piece.start + length <= size);
      for (const other of held) {
        if (other.start === -1) continue;
        assert.ok(
          piece.start + length <= other.start || other.start + other.length <= piece.start,
          `step ${step} overlaps`,
        );
      }
    }
    held.push({ ...piece, length });
    taken++;
  }
  assert.ok(taken > 5000, `only ${taken} pieces were given`);
  for (const piece of held.splice(0)) ring.free(piece.seq);
  assert.ok(ring.empty);
  assert.equal(ring.take(size)?.start, 0);
});
