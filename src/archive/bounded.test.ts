import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { gzipBomb } from '../../test/support/hostile.ts';
import { FileObjectStore } from '../storage/index.ts';
import { gunzipBounded, gunzipEach, readBounded } from './bounded.ts';
import { ArchiveLimitError, BackupMetadataError } from './errors.ts';

const root = await mkdtemp(join(tmpdir(), 'lifeboat-bounded-'));
const store = new FileObjectStore(root);
after(() => rm(root, { recursive: true, force: true }));

test('readBounded reads a file up to its limit and refuses one past it, naming both', async () => {
  await store.put('backups/a/velero-backup.json', Buffer.alloc(1000, 'a'));
  assert.equal((await readBounded(store, 'backups/a/velero-backup.json', 1000)).length, 1000);
  await assert.rejects(readBounded(store, 'backups/a/velero-backup.json', 999), (error: unknown) => {
    assert.ok(error instanceof ArchiveLimitError);
    assert.ok(error instanceof BackupMetadataError, 'mapped wherever a metadata error is');
    assert.equal(error.file, 'backups/a/velero-backup.json');
    assert.equal(error.limit, 999);
    assert.equal(
      error.message,
      'backups/a/velero-backup.json is larger than 1 KiB: Lifeboat never writes one that large, so another writer made or altered it — it was not read',
    );
    return true;
  });
});

test('gunzipBounded inflates up to the limit and stops a bomb at it', async () => {
  const text = Buffer.from('x'.repeat(4096));
  assert.deepEqual(await gunzipBounded(gzipSync(text), 4096), text);
  assert.deepEqual(await gunzipBounded(Readable.from([gzipSync(text)]), 4096), text);
  const bomb = gzipBomb(2 * 2 ** 30); // 2 GiB of zeros in about 2 MiB
  const rss = process.memoryUsage().rss;
  await assert.rejects(gunzipBounded(bomb, 16 * 2 ** 20, 'backups/a/a-logs.gz'), (error: unknown) => {
    assert.ok(error instanceof ArchiveLimitError);
    assert.equal(error.limit, 16 * 2 ** 20);
    assert.match(
      error.message,
      /^backups\/a\/a-logs.gz is larger than 16 MiB once decompressed: Lifeboat never/,
    );
    return true;
  });
  assert.ok(process.memoryUsage().rss - rss < 100 * 2 ** 20, 'not inflated past the limit');
});

test('gunzipBounded refuses compressed input past the limit, and data that is not gzip', async () => {
  // Random bytes stored in gzip: the compressed file is larger than the limit before the output is.
  const random = Buffer.from(Array.from({ length: 8192 }, () => Math.floor(Math.random() * 256)));
  await assert.rejects(
    gunzipBounded(Readable.from([gzipSync(random, { level: 0 })]), 8192, 'f'),
    ArchiveLimitError,
  );
  await assert.rejects(gunzipBounded(Buffer.from('not gzip at all'), 1024, 'f.gz'), (error: unknown) => {
    assert.ok(error instanceof BackupMetadataError && !(error instanceof ArchiveLimitError));
    assert.match(error.message, /^f.gz is not gzip data Lifeboat can read \(Z_DATA_ERROR\)/);
    return true;
  });
  await assert.rejects(
    gunzipBounded(gzipSync(random).subarray(0, 100), 1 << 20, 'cut.gz'),
    /cut.gz is not gzip/,
  );
});

test('gunzipEach hands over every chunk, and with cut keeps the first bytes of a bomb and says there was more', async () => {
  const chunks: Buffer[] = [];
  const head = await gunzipEach(
    gzipBomb(1 * 2 ** 30, Buffer.from('first line\n')),
    1 << 20,
    'log',
    (chunk) => void chunks.push(chunk),
    { cut: true },
  );
  assert.equal(head.truncated, true);
  const data = Buffer.concat(chunks);
  assert.equal(data.length, 1 << 20);
  assert.ok(chunks.every((chunk) => chunk.length <= 64 * 1024));
  assert.equal(data.subarray(0, 11).toString(), 'first line\n');
  const whole: Buffer[] = [];
  assert.deepEqual(await gunzipEach(gzipSync('short\n'), 1 << 20, 'log', (chunk) => void whole.push(chunk)), {
    truncated: false,
  });
  assert.equal(Buffer.concat(whole).toString(), 'short\n');
  await assert.rejects(
    gunzipEach(gzipBomb(2 ** 30), 1 << 20, 'log', () => {}),
    ArchiveLimitError,
  );
});
