import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FailureLimit } from './security.ts';

test('failed authentications: the 11th within a minute waits until the oldest leaves the window', () => {
  let now = 1_000_000;
  const limit = new FailureLimit({ now: () => now });
  for (let i = 0; i < 10; i++) {
    assert.equal(limit.fail('10.0.0.1'), undefined);
    now += 1000;
  }
  // The first failure was 10 s ago: it leaves the one-minute window in 50 s.
  assert.equal(limit.fail('10.0.0.1'), 50);
  assert.equal(limit.fail('10.0.0.2'), undefined, 'another address has its own count');
  now += 61_000;
  assert.equal(limit.fail('10.0.0.1'), undefined, 'a minute later the address may try again');
});

test('failed authentications: the addresses remembered are bounded', () => {
  const limit = new FailureLimit({ maxFailures: 1, maxAddresses: 3 });
  for (let i = 0; i < 1000; i++) limit.fail(`10.0.${i >> 8}.${i & 255}`);
  assert.ok(limit.fail('10.0.3.231'), 'the most recent address is remembered');
  assert.equal(limit.fail('10.0.0.0'), undefined, 'the oldest was forgotten');
});
