import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  changedPaths,
  JsonDepthError,
  jsonEqual,
  maxJsonDepth,
  mergePatch,
  parseLossless,
} from './lossless-json.ts';

test('numbers survive a parse and stringify round trip exactly', () => {
  const text =
    '{"big":9007199254740993,"neg":-12345678901234567890,"f":1.50,"e":1e3,"small":42,"list":[0.1,2]}';
  assert.equal(JSON.stringify(parseLossless(text)), text);
  const object = parseLossless(text) as Record<string, unknown>;
  object.added = 'x';
  assert.match(JSON.stringify(object), /"big":9007199254740993/);
});

test('numbers are kept wherever they stand: after spaces and newlines, in arrays, at the top level', () => {
  const cases: [string, string][] = [
    ['{ "f" :\n 1.50 }', '{"f":1.50}'],
    ['[ 12345678901234567 , -0, 2]', '[12345678901234567,-0,2]'],
    ['\t1E400', '1E400'],
    ['{"a":{"b":[-1.0e-7]}}', '{"a":{"b":[-1.0e-7]}}'],
    ['{"n":123456789012345,"m":-999999999999999,"z":0}', '{"n":123456789012345,"m":-999999999999999,"z":0}'],
    // A string that looks like a number after a colon, and one that holds no number at all.
    ['{"image":"nginx:1.25","big":90071992547409930}', '{"image":"nginx:1.25","big":90071992547409930}'],
    ['{"s":"a:b"}', '{"s":"a:b"}'],
  ];
  for (const [text, written] of cases) assert.equal(JSON.stringify(parseLossless(text)), written, text);
  assert.ok(Object.is(JSON.parse(JSON.stringify(parseLossless('{"x":-0}'))).x, -0));
});

test('equality ignores key order and compares raw and plain numbers by value', () => {
  assert.ok(jsonEqual(parseLossless('{"a":1,"b":{"c":[1,2]}}'), { b: { c: [1, 2] }, a: 1 }));
  assert.ok(jsonEqual(parseLossless('{"n":1.50}'), { n: 1.5 }));
  assert.ok(!jsonEqual(parseLossless('{"n":9007199254740993}'), parseLossless('{"n":9007199254740992}')));
  assert.ok(!jsonEqual({ a: [1] }, { a: [1, 2] }));
});

test('changed paths and merge patches', () => {
  const from = { spec: { replicas: 1, paused: true, template: { x: 1 } }, data: { a: '1' } };
  const to = { spec: { replicas: 3, template: { x: 1 } }, data: { a: '1', b: '2' } };
  assert.deepEqual(changedPaths(from, to).sort(), ['data.b', 'spec.paused', 'spec.replicas']);
  assert.deepEqual(mergePatch(from, to), { spec: { paused: null, replicas: 3 }, data: { b: '2' } });
});

test('nesting past the depth limit is refused with a clear error instead of overflowing the stack', () => {
  const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  assert.throws(
    () => parseLossless(deep(200_000)),
    (error: unknown) =>
      error instanceof JsonDepthError &&
      error.limit === maxJsonDepth &&
      /nested more than 512/.test(error.message),
  );
  assert.throws(() => parseLossless(Buffer.from(`{"a":${deep(maxJsonDepth)}}`)), JsonDepthError);
  // At the limit it parses, and walks over the result do not overflow either.
  const atLimit = parseLossless(deep(maxJsonDepth));
  assert.equal(JSON.stringify(atLimit), deep(maxJsonDepth));
  assert.deepEqual(changedPaths(atLimit, atLimit), []);
  // Brackets inside strings (escaped quotes included) do not count.
  const text = `{"s":"${'['.repeat(2000)}\\"${'{'.repeat(2000)}"}`;
  assert.equal((parseLossless(text) as { s: string }).s.length, 4001);
});
