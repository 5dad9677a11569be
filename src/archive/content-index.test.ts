import assert from 'node:assert/strict';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { gzipBomb, indexFile, repeatBomb } from '../../test/support/hostile.ts';
import { maxIndexBytes } from './bounded.ts';
import { decodeIndex, encodeIndex, encodeResourceList, type IndexEntry } from './content-index.ts';
import { ArchiveLimitError, BackupMetadataError } from './errors.ts';

function entries(count: number, namespaces = 7): IndexEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    resource: 'deployments',
    namespace: `ns-${i % namespaces}`,
    name: `d-${i}`,
    sha256: 'a'.repeat(64),
    size: i,
  }));
}

test('the index streams out and reads back', async () => {
  const items = entries(2500);
  const back = await decodeIndex(await buffer(encodeIndex({ lifeboatIndexVersion: 1, backup: 'b', items })));
  assert.deepEqual(back.items, items);
});

test("the index limit holds the benchmark's 100k-object backup three times over", async () => {
  // bench/cluster-fill.ts: ConfigMaps, Secrets and Deployments `obj-<i>` in namespaces `<prefix>-000`…
  const kinds = [
    { group: '', kind: 'ConfigMap', resource: 'configmaps' },
    { group: '', kind: 'Secret', resource: 'secrets' },
    { group: 'apps', kind: 'Deployment', resource: 'deployments' },
  ];
  const items = Array.from({ length: 100_000 }, (_, i) => ({
    ...(kinds[i % 3] as (typeof kinds)[number]),
    version: 'v1',
    namespace: `bench-fill-${String(i % 100).padStart(3, '0')}`,
    name: `obj-${i}`,
    sha256: 'f'.repeat(64),
    size: 1000 + i,
  }));
  const inflated = gunzipSync(await buffer(encodeIndex({ lifeboatIndexVersion: 1, backup: 'b', items })));
  assert.ok(inflated.length * 3 < maxIndexBytes, `100k objects: ${inflated.length} bytes`);
});

test('index bombs stop at the first malformed entry or at the limit', async () => {
  // Zeros are not JSON: refused within the first 64 KiB, not after 64 MiB.
  await assert.rejects(decodeIndex(gzipBomb(2 ** 30), { file: 'i.gz' }), (e: unknown) => {
    assert.ok(e instanceof BackupMetadataError && !(e instanceof ArchiveLimitError));
    assert.match(e.message, /^i.gz is malformed: everything but its "items" is longer than 65536 bytes/);
    return true;
  });
  // Well-formed entries, repeated to 1 GiB: only the limit stops them.
  const entry = `${JSON.stringify(entries(1)[0])},`;
  const bomb = repeatBomb(entry, 2 ** 30, '{"lifeboatIndexVersion":1,"backup":"b","items":[');
  await assert.rejects(decodeIndex(bomb, { file: 'i.gz' }), (e: unknown) => {
    assert.ok(e instanceof ArchiveLimitError);
    assert.equal(e.limit, maxIndexBytes);
    return true;
  });
});

test('an index of another backup, a malformed entry or document are refused and named', async () => {
  const items = entries(3);
  await assert.rejects(
    decodeIndex(indexFile('genuine', items), { backup: 'copy', file: 'backups/copy/lifeboat-index.json.gz' }),
    /^BackupMetadataError: backups\/copy\/lifeboat-index.json.gz is the index of backup "genuine", not of "copy"/,
  );
  const bad = [...items, { ...entries(1)[0], sha256: 'zz' } as IndexEntry];
  await assert.rejects(decodeIndex(indexFile('b', bad)), (e: unknown) => {
    assert.ok(e instanceof BackupMetadataError);
    assert.match(e.message, /^lifeboat-index.json.gz is malformed at item 3 \(sha256: /);
    return true;
  });
  // A '/' in a part of an object's path would let two entries share a key, or a key read back as another path.
  for (const field of ['group', 'version', 'resource', 'namespace'] as const) {
    const slashed = [{ ...entries(1)[0], [field]: 'a/b' } as IndexEntry];
    await assert.rejects(decodeIndex(indexFile('b', slashed)), (e: unknown) => {
      assert.ok(e instanceof BackupMetadataError);
      assert.match(e.message, new RegExp(`is malformed at item 0 \\(${field}: holds a '/'`));
      return true;
    });
  }
  const documents: [string, RegExp][] = [
    ['{"lifeboatIndexVersion":1,"backup":"b","items":[{"a":1},]}', /entry 1 is not JSON/],
    ['{"lifeboatIndexVersion":1,"backup":"b","items":[', /ends before it is complete/],
    ['{"lifeboatIndexVersion":1,"backup":"b"}', /has no "items"/],
    ['{"lifeboatIndexVersion":1,"backup":"b","items":[],"items":[]}', /"items" appears twice/],
    ['{"lifeboatIndexVersion":2,"backup":"b","items":[]}', /lifeboatIndexVersion/],
    [`{"lifeboatIndexVersion":1,"backup":"b","items":["${'x'.repeat(20000)}"]}`, /entry 0 is longer than/],
    ['{"lifeboatIndexVersion":1,"backup":"b","items":[]]}', /brackets do not match/],
  ];
  for (const [document, reason] of documents)
    await assert.rejects(decodeIndex(gzipSync(document)), reason, document.slice(0, 80));
  // Brackets, commas and escapes inside strings are not structure.
  const tricky = { ...entries(1)[0], name: 'a],[{"x\\",\\"' } as IndexEntry;
  assert.deepEqual((await decodeIndex(indexFile('b', [tricky, tricky]))).items, [tricky, tricky]);
  assert.deepEqual(
    (await decodeIndex(gzipSync(' { "items" : [ ] , "backup":"b", "lifeboatIndexVersion":1 } '))).items,
    [],
  );
});

test('the resource list encodes as Velero does', async () => {
  const entry = (namespace: string | undefined, name: string, kind = 'Deployment'): IndexEntry => ({
    group: kind === 'Deployment' ? 'apps' : '',
    version: 'v1',
    kind,
    resource: `${kind.toLowerCase()}s`,
    ...(namespace ? { namespace } : {}),
    name,
    sha256: '',
    size: 1,
  });
  const list = await buffer(
    encodeResourceList([
      entry('b', 'x'),
      entry(undefined, 'b', 'Namespace'),
      entry('a', 'y'),
      entry('a-b', 'z'),
    ]),
  );
  assert.equal(
    gunzipSync(list).toString(),
    '{"apps/v1/Deployment":["a-b/z","a/y","b/x"],"v1/Namespace":["b"]}\n',
  );
});
