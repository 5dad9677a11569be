import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitList, typeMetaParts, typeMetaPrefix } from './json-items.ts';

const splitItems = (body: Buffer) => splitList(body).items;
function withTypeMeta(raw: Buffer, hasTypeMeta: boolean, apiVersion: string, kind: string): Buffer {
  const parts = typeMetaParts(raw, hasTypeMeta, typeMetaPrefix(apiVersion, kind));
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
}

test('splitItems returns the exact bytes of each item, however nested or escaped', () => {
  const one =
    '{"metadata":{"name":"a","annotations":{"x":"has \\"items\\": [ { and } ]"}},"data":{"items":[1,2]}}';
  const two = '{"metadata":{"name":"b"},"spec":{"n":12345678901234567890123,"f":1.50}}';
  const body = Buffer.from(
    `{"kind":"List","metadata":{"continue":"x"},"items":[${one}, ${two}],"after":{"items":[{"no":1}]}}`,
  );
  const items = splitItems(body).map((item) => item.toString());
  assert.deepEqual(items, [one, two]);
});

test('splitItems finds items whatever the key order and handles an empty list', () => {
  assert.deepEqual(splitItems(Buffer.from('{"items":[],"metadata":{}}')), []);
  assert.deepEqual(splitItems(Buffer.from('{"items":[{}],"kind":"X"}')).map(String), ['{}']);
  assert.deepEqual(splitItems(Buffer.from('{"kind":"X","metadata":{"items":[{"a":1}]}}')), []);
});

test('withTypeMeta puts kind and apiVersion first, and keeps items that have them untouched', () => {
  const raw = Buffer.from('{"metadata":{"name":"a"}}');
  assert.equal(
    withTypeMeta(raw, false, 'v1', 'ConfigMap').toString(),
    '{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"a"}}',
  );
  assert.equal(withTypeMeta(raw, true, 'v1', 'ConfigMap'), raw);
  assert.equal(
    withTypeMeta(Buffer.from('{}'), false, 'v1', 'X').toString(),
    '{"kind":"X","apiVersion":"v1"}',
  );
});

test('splitList gives the envelope without the items, and hasTypeMeta tells custom from built-in items', async () => {
  const { splitList, hasTypeMeta } = await import('./json-items.ts');
  const { items, envelope } = splitList(
    Buffer.from('{"kind":"List","items":[{"a":1},{"b":2}],"metadata":{"continue":"c"}}'),
  );
  assert.equal(items.length, 2);
  assert.deepEqual(JSON.parse(envelope), { kind: 'List', items: [], metadata: { continue: 'c' } });
  assert.ok(hasTypeMeta(Buffer.from('{"apiVersion":"x/v1","kind":"W","metadata":{}}')));
  assert.ok(!hasTypeMeta(Buffer.from('{"metadata":{"name":"c"},"data":{}}')));
});
