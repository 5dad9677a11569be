/** Freeing buffers as soon as they are used: only what the caller owns whole is freed. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { freeBuffer } from './buffers.ts';

test('a chunk that is its whole buffer is freed; its views become empty', () => {
  const chunk = Buffer.alloc(64 * 1024, 7);
  const view = chunk.subarray(10, 20);
  freeBuffer(chunk);
  assert.equal(chunk.buffer.byteLength, 0);
  assert.equal(chunk.length, 0);
  assert.equal(view.length, 0);
});

test('a slice of a larger buffer, a small chunk and a pooled one are left alone', () => {
  const whole = randomBytes(64 * 1024);
  const slice = whole.subarray(0, 32 * 1024);
  freeBuffer(slice);
  assert.equal(whole.length, 64 * 1024, 'the slice shares its buffer: kept');
  const small = Buffer.alloc(1000);
  freeBuffer(small);
  assert.equal(small.length, 1000, 'under 4 KiB: kept');
  const pooled = Buffer.from('pooled text');
  const neighbour = Buffer.from('another string from the same pool');
  freeBuffer(pooled, { minBytes: 0 });
  assert.equal(neighbour.toString(), 'another string from the same pool');
  assert.equal(pooled.toString(), 'pooled text');
});

test('slack: a chunk missing a few bytes of its buffer the caller owns is freed, not one missing more', () => {
  const owned = Buffer.alloc(100 * 1024);
  const body = owned.subarray(1);
  freeBuffer(body, { minBytes: 64 * 1024, slack: 2048 });
  assert.equal(owned.length, 0);
  const other = Buffer.alloc(100 * 1024);
  const half = other.subarray(0, 70 * 1024);
  freeBuffer(half, { minBytes: 64 * 1024, slack: 2048 });
  assert.equal(other.length, 100 * 1024);
});
