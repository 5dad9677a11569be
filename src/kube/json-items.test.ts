import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasTypeMeta, listedMetadata, splitList, typeMetaParts, typeMetaPrefix } from './json-items.ts';

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

test('splitList gives the envelope without the items, and hasTypeMeta tells custom from built-in items', () => {
  const { items, envelope } = splitList(
    Buffer.from('{"kind":"List","items":[{"a":1},{"b":2}],"metadata":{"continue":"c"}}'),
  );
  assert.equal(items.length, 2);
  assert.deepEqual(JSON.parse(envelope), { kind: 'List', items: [], metadata: { continue: 'c' } });
  assert.ok(hasTypeMeta(Buffer.from('{"apiVersion":"x/v1","kind":"W","metadata":{}}')));
  assert.ok(!hasTypeMeta(Buffer.from('{"metadata":{"name":"c"},"data":{}}')));
});

test('withTypeMeta recognises an empty item with white space inside', () => {
  for (const empty of ['{ }', '{\n  }', '{\t\r\n}'])
    assert.equal(
      withTypeMeta(Buffer.from(empty), false, 'v1', 'X').toString(),
      '{"kind":"X","apiVersion":"v1"}',
    );
  assert.equal(
    withTypeMeta(Buffer.from('{ "a":1}'), false, 'v1', 'X').toString(),
    '{"kind":"X","apiVersion":"v1", "a":1}',
  );
});

/**
 * The split as it was first written, looking at every byte in JS: slow, but plainly right. The fast split
 * must give the very same slices and envelope.
 */
function referenceSplit(body: Buffer): { items: string[]; envelope: string } {
  const items: string[] = [];
  let [arrayStart, arrayEnd, depth, stringStart, itemStart] = [-1, -1, 0, -1, -1];
  let [inString, lastKeyIsItems, inItems] = [false, false, false];
  for (let i = 0; i < body.length; i++) {
    const char = String.fromCharCode(body[i] as number);
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') {
        inString = false;
        if (depth === 1) lastKeyIsItems = body.subarray(stringStart, i + 1).toString() === '"items"';
      }
    } else if (char === '"') {
      inString = true;
      stringStart = i;
    } else if (char === '{' || char === '[') {
      depth++;
      if (depth === 2 && char === '[' && lastKeyIsItems) {
        inItems = true;
        arrayStart = i;
      } else if (depth === 3 && inItems) itemStart = i;
    } else if (char === '}' || char === ']') {
      if (depth === 3 && inItems) items.push(body.subarray(itemStart, i + 1).toString());
      else if (depth === 2 && inItems) {
        inItems = false;
        arrayEnd = i;
      }
      depth--;
      if (depth === 1) lastKeyIsItems = false;
    }
  }
  const envelope =
    arrayStart >= 0 && arrayEnd > arrayStart
      ? `${body.subarray(0, arrayStart + 1)}${body.subarray(arrayEnd)}`
      : body.toString();
  return { items, envelope };
}

/** Asserts the split gives the reference's slices, and that each slice parses to the list's item. */
function assertSplitsLikeReference(body: Buffer): void {
  const { items, envelope } = splitList(body);
  const reference = referenceSplit(body);
  assert.deepEqual(
    items.map((item) => item.toString()),
    reference.items,
  );
  assert.equal(envelope, reference.envelope);
  const parsed = JSON.parse(body.toString()) as { items?: unknown[] };
  if (Array.isArray(parsed.items))
    assert.deepEqual(
      items.map((item) => JSON.parse(item.toString()) as unknown),
      parsed.items,
    );
}

const list = (...items: string[]) =>
  Buffer.from(`{"kind":"List","metadata":{},"items":[${items.join(',')}]}`);

test('splitList slices strings with escaped quotes and backslashes exactly', () => {
  const tricky = [
    String.raw`{"a":"say \"hi\""}`,
    String.raw`{"a":"ends in a backslash\\"}`,
    String.raw`{"a":"\\\"","b":"\\\\"}`,
    String.raw`{"a":"\\"}`,
    String.raw`{"a":"\"}{][\""}`,
    String.raw`{"a":"} ] { [ \" } ]","b":["{","[","}","]"]}`,
    String.raw`{"\"items\"":[{"x":"\\\\\""}]}`,
  ];
  assertSplitsLikeReference(list(...tricky));
  assert.deepEqual(splitList(list(...tricky)).items.map(String), tricky);
  // Around the length below which a string is read byte by byte, and across it.
  for (let length = 25; length <= 40; length++)
    for (const tail of ['\\"', '\\\\', '\\\\\\"', '"}{', '\\u0022'])
      for (let at = 0; at <= length; at += 3) {
        const text = `${'a'.repeat(at)}${tail}${'b'.repeat(length - at)}`;
        const item = `{"s":${JSON.stringify(text)},"t":"${'\\\\'.repeat(length % 5)}"}`;
        assertSplitsLikeReference(list(item, item));
        assert.equal(String(splitList(list(item)).items[0]), item);
      }
});

test('splitList handles unicode, nesting, white space and where items stand', () => {
  const unicode = '{"metadata":{"name":"ü-名前"},"data":{"emoji":"🛟\\u0022\\ud83d\\ude80","é":"\\"é\\""}}';
  assertSplitsLikeReference(list(unicode, '{"a":[[1,[2,{"b":[3]}]],{"c":{"d":{}}}]}', '{}', '[]'));
  assertSplitsLikeReference(Buffer.from('{"items":[],"kind":"List"}'));
  assertSplitsLikeReference(Buffer.from('{"kind":"List","items":[]}'));
  assertSplitsLikeReference(
    Buffer.from('{"metadata":{"items":[{"no":1}]},"kind":"items","items":[{"yes":1}]}'),
  );
  assertSplitsLikeReference(
    Buffer.from('{"kind":"List","metadata":{"continue":"x"},"items":[{"a":"items"}]}'),
  );
  assertSplitsLikeReference(Buffer.from('{"x":"\\"items\\"","items":[{"a":1}],"after":{"items":[{"b":2}]}}'));
  const pretty = Buffer.from(
    JSON.stringify(
      { apiVersion: 'v1', items: [{ a: 'x"y' }, { b: ['\\', { c: '}' }] }], kind: 'List' },
      null,
      2,
    ),
  );
  assertSplitsLikeReference(pretty);
  assert.equal(splitList(pretty).items.length, 2);
});

test('splitList gives the same slices as the reference on a large page and on random strings', () => {
  const payload = 'x'.repeat(10_000);
  const items = Array.from({ length: 500 }, (_, i) =>
    JSON.stringify({
      metadata: { name: `obj-${i}`, labels: { n: String(i) } },
      data: { payload, q: `"${i}\\` },
    }),
  );
  const page = list(...items);
  assertSplitsLikeReference(page);
  assert.equal(splitList(page).items.length, 500);
  assert.equal(String(splitList(page).items[499]), items[499]);
  assertSplitsLikeReference(list(JSON.stringify({ big: `${'\\'.repeat(1 << 20)}"${'y'.repeat(1 << 20)}` })));

  // Strings drawn from the characters that matter, with a fixed seed so a failure can be replayed.
  let seed = 16;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const alphabet = ['"', '\\', '{', '}', '[', ']', ':', ',', 'a', 'é', '🛟', ' '];
  const text = () =>
    Array.from(
      { length: Math.floor(random() * 80) },
      () => alphabet[Math.floor(random() * alphabet.length)],
    ).join('');
  for (let round = 0; round < 200; round++) {
    const objects = Array.from({ length: 1 + Math.floor(random() * 5) }, () =>
      JSON.stringify({ [text()]: text(), nested: { [text()]: [text(), { k: text() }] } }),
    );
    assertSplitsLikeReference(
      Buffer.from(`{${JSON.stringify(text())}:${JSON.stringify(text())},"items":[${objects.join(',')}]}`),
    );
  }
});

/** What `listedMetadata` should give: the same fields of `JSON.parse`'s metadata. */
function expectedMetadata(json: string): Record<string, unknown> {
  const metadata = (JSON.parse(json) as { metadata: Record<string, unknown> }).metadata;
  const picked: Record<string, unknown> = {};
  for (const field of ['name', 'namespace', 'uid', 'labels', 'deletionTimestamp'])
    if (field in metadata) picked[field] = metadata[field];
  return picked;
}

test('listedMetadata reads name, namespace, uid, labels and deletionTimestamp as JSON.parse does', () => {
  const objects = [
    // As the API server lists a built-in type: metadata first, managed fields last.
    {
      metadata: {
        name: 'a',
        namespace: 'ns',
        uid: '0b6c',
        resourceVersion: '12',
        deletionTimestamp: '2026-12-02T14:35:12Z',
        labels: { app: 'x', 'example.com/quoted': 'say "hi"\\', unicode: 'Grüße 日本' },
        annotations: {
          name: 'not this one',
          'kubectl.kubernetes.io/last-applied-configuration': '{"metadata":{"name":"no"}}',
        },
        ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'owner', uid: 'u' }],
        managedFields: [
          { manager: 'm', fieldsV1: { 'f:metadata': { 'f:name': {}, 'f:labels': { '.': {} } } } },
        ],
      },
      data: { name: 'not this either', k: 'v' },
    },
    // A custom resource: kind and apiVersion first, metadata keys sorted, numbers and nulls around.
    {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { annotations: {}, generation: 3, labels: {}, name: 'w', namespace: 'n', uid: null },
      spec: { replicas: 1234567890123, ratio: -1.5e-3, on: true, off: false, none: null },
    },
    // A type listed before metadata, with a nested metadata of its own.
    { spec: { template: { metadata: { name: 'wrong', namespace: 'wrong' } } }, metadata: { name: 'right' } },
    // Cluster-scoped, no labels; names with escapes.
    { metadata: { name: 'line\nbreak "quoted" \\ back\u0001' }, status: { phase: 'Active' } },
    { metadata: { name: 'empty-labels', labels: {}, finalizers: ['kubernetes'] } },
  ];
  for (const object of objects) {
    for (const json of [
      JSON.stringify(object),
      JSON.stringify(object, null, 2),
      ` ${JSON.stringify(object, null, '\t')}\n`,
    ]) {
      assert.deepEqual(listedMetadata(Buffer.from(json)), expectedMetadata(json), json);
    }
  }
});

test('listedMetadata parses the whole object when the layout is not the usual one, with the same answer', () => {
  for (const json of [
    '{"metadata":{"n\\u0061me":"escaped-key","namespace":"ns"}}',
    '{"me\\u0074adata":{"name":"escaped-top-key"}}',
    '{"metadata":{"name":7}}',
    '{"metadata":[]}',
  ]) {
    const whole = (JSON.parse(json) as { metadata: unknown }).metadata;
    assert.deepEqual(listedMetadata(Buffer.from(json)), whole, json);
  }
  assert.deepEqual(listedMetadata(Buffer.from('{"kind":"X"}')), {});
});

test('listedMetadata throws SyntaxError for bytes that are not JSON', () => {
  for (const bad of ['{"metadata":{"name":"a"', 'not json', '{"metadata":{"name":"a",}}x', ''])
    assert.throws(() => listedMetadata(Buffer.from(bad)), SyntaxError, bad);
});
