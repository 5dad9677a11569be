import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../io.ts';
import { parseRole } from './members.ts';
import { tokenExpiry } from './tokens.ts';

const now = new Date('2026-12-01T12:00:00Z');

test('--expires-in takes days, Go durations or never; --expires-at an ISO time', () => {
  assert.equal(tokenExpiry({}, now), undefined, 'neither: the server’s default (no expiry)');
  assert.equal(tokenExpiry({ expiresIn: '30d' }, now), '2026-12-31T12:00:00.000Z');
  assert.equal(tokenExpiry({ expiresIn: '12h' }, now), '2026-12-02T00:00:00.000Z');
  assert.equal(tokenExpiry({ expiresIn: '1h30m' }, now), '2026-12-01T13:30:00.000Z');
  assert.equal(tokenExpiry({ expiresIn: 'never' }, now), null);
  assert.equal(tokenExpiry({ expiresAt: '2030-01-31T00:00:00+01:00' }, now), '2030-01-30T23:00:00.000Z');
  assert.equal(tokenExpiry({ expiresAt: '2030-01-31' }, now), '2030-01-31T00:00:00.000Z');
});

test('a duration or time that is none is refused naming the flag and examples', () => {
  for (const expiresIn of ['soon', '0d', '-5h', '30 days', ''])
    assert.throws(
      () => tokenExpiry({ expiresIn }, now),
      (error: unknown) =>
        error instanceof UsageError && /--expires-in: .* such as 30d, 12h or 90m/.test(error.message),
      expiresIn,
    );
  assert.throws(
    () => tokenExpiry({ expiresAt: 'next tuesday' }, now),
    /--expires-at: "next tuesday" is not a time/,
  );
  assert.throws(() => tokenExpiry({ expiresIn: '1d', expiresAt: '2030-01-01' }, now), /not both/);
});

test('roles are viewer, operator or admin, in any case', () => {
  assert.equal(parseRole('Operator'), 'operator');
  assert.throws(() => parseRole('owner'), /unknown role "owner": give viewer, operator or admin/);
});
