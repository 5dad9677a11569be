import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expiryHours, expiryMs, volumeTimeoutMs } from './flags.ts';
import { UsageError } from './io.ts';

test('--volume-timeout takes a Go duration between 10s and 1h', () => {
  assert.equal(volumeTimeoutMs(undefined), undefined, 'not given: the engine’s default');
  assert.equal(volumeTimeoutMs('5m'), 300_000);
  assert.equal(volumeTimeoutMs('90s'), 90_000);
  assert.equal(volumeTimeoutMs('1h'), 3_600_000);
  assert.equal(volumeTimeoutMs('10s'), 10_000);
  assert.throws(
    () => volumeTimeoutMs('5s'),
    (error: Error) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, /--volume-timeout: 5s is out of bounds: give between 10s and 1h/);
      return true;
    },
  );
  assert.throws(() => volumeTimeoutMs('2h'), UsageError);
  assert.throws(() => volumeTimeoutMs('five minutes'), /--volume-timeout: "five minutes" is not a duration/);
});

test('--expiry and its alias --ttl are one flag', () => {
  assert.equal(expiryHours({}), undefined, 'not given: the default expiry');
  assert.equal(expiryHours({ expiry: '48h' }), 48);
  assert.equal(expiryHours({ ttl: '48h' }), 48, '--ttl is the same flag');
  assert.equal(expiryHours({ expiry: '48h', ttl: '48h' }), 48, 'both, agreeing');
  assert.equal(expiryMs({ ttl: '90m' }), 5_400_000);
  assert.throws(() => expiryHours({ expiry: '48h', ttl: '24h' }), /--expiry 48h and --ttl 24h disagree/);
  // The error names the flag the user typed.
  assert.throws(() => expiryHours({ ttl: '90m' }), /--ttl: the control plane keeps backups for whole hours/);
  assert.throws(() => expiryMs({ expiry: 'soon' }), /--expiry: "soon" is not a duration/);
});
