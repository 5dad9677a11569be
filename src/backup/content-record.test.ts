import assert from 'node:assert/strict';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { decodeIndex, encodeIndex, encodeResourceList, type IndexEntry } from '../archive/index.ts';
import { ContentRecord } from './content-record.ts';

/** Entries of several types, with and without namespaces, in an order that is not sorted. */
function entries(count: number): IndexEntry[] {
  const types = [
    { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments' },
    { group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps' },
    { group: '', version: 'v1', kind: 'Namespace', resource: 'namespaces' },
  ];
  return Array.from({ length: count }, (_, i) => {
    const type = types[i % types.length] as (typeof types)[number];
    const entry: IndexEntry = {
      ...type,
      name: `o-${(i * 7919) % count}`,
      sha256: (i % 16).toString(16).repeat(64),
      size: i,
    };
    if (type.kind !== 'Namespace') entry.namespace = `ns-${i % 5}`;
    return entry;
  });
}

for (const count of [0, 1, 999, 1000, 2501]) {
  test(`the index and resource list of ${count} objects are encodeIndex's and encodeResourceList's`, async () => {
    const items = entries(count);
    const record = new ContentRecord('b.1');
    for (const item of items) record.add(item);
    assert.equal(record.size, count);
    const index = await record.index();
    const expected = await buffer(encodeIndex({ lifeboatIndexVersion: 1, backup: 'b.1', items }));
    assert.equal(gunzipSync(index).toString(), gunzipSync(expected).toString());
    assert.deepEqual((await decodeIndex(index, { backup: 'b.1' })).items, items);
    assert.deepEqual(
      gunzipSync(await buffer(record.resourceList())).toString(),
      gunzipSync(await buffer(encodeResourceList(items))).toString(),
    );
  });
}

test('an entry larger than a batch is recorded whole, between others', async () => {
  const items = entries(1500);
  const long = items[700] as IndexEntry;
  long.name = 'n'.repeat(300_000);
  const record = new ContentRecord('b');
  for (const item of items) record.add(item);
  // Larger than the reader takes (16 KiB an entry), so read here as plain JSON.
  const index = JSON.parse(gunzipSync(await record.index()).toString()) as { items: IndexEntry[] };
  assert.deepEqual(index.items, items);
});

test('a discarded record gives no index', async () => {
  const record = new ContentRecord('b');
  for (const item of entries(1500)) record.add(item);
  record.discard();
  await assert.rejects(record.index(), /discarded/);
});
