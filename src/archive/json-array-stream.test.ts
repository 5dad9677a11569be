import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsonArrayStream } from './json-array-stream.ts';

const limits = { maxHeaderBytes: 1024, maxElementBytes: 1024 };

/** Feeds `document` in pieces of `size` bytes; returns the elements and the header. */
function split(document: string, size: number) {
  const reader = new JsonArrayStream('items', 'f', limits);
  const bytes = Buffer.from(document);
  const elements: unknown[] = [];
  for (let i = 0; i < bytes.length; i += size) elements.push(...reader.push(bytes.subarray(i, i + size)));
  return { elements, header: reader.end() };
}

test('elements and header come out the same however the document is cut', () => {
  const items = [{ a: 'x],[{"\\' }, 'é "items": [1]', 3, null, [1, [2]], { items: [] }];
  const document = JSON.stringify({ v: 1, note: 'ü', items, after: { items: 'no' } });
  for (const size of [1, 2, 3, 7, 64, document.length])
    assert.deepEqual(
      split(document, size),
      {
        elements: items,
        header: { v: 1, note: 'ü', items: [], after: { items: 'no' } },
      },
      `pieces of ${size}`,
    );
});

test('an element or a header past its limit is refused as soon as it is seen', () => {
  const reader = new JsonArrayStream('items', 'f', limits);
  reader.push(Buffer.from('{"items":["'));
  assert.throws(
    () => reader.push(Buffer.alloc(2000, 'a')),
    /f is malformed: its "items" entry 0 is longer than 1024 bytes/,
  );
  const header = new JsonArrayStream('items', 'f', limits);
  assert.throws(
    () => header.push(Buffer.from(`{"pad":"${'a'.repeat(2000)}"`)),
    /everything but its "items" is longer/,
  );
});
