import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TokenDetails } from '../db/index.ts';
import { parseExpiry, tokenRequest, tokenState, viewToken } from './accounts-tokens.ts';
import { InputError } from './errors.ts';

const now = new Date('2026-12-01T12:00:00Z');
const token = (fields: Partial<TokenDetails> = {}): TokenDetails => ({
  id: 't1',
  userId: 'u1',
  name: 'ci',
  createdAt: new Date('2026-11-01T00:00:00Z'),
  lastUsedAt: null,
  expiresAt: null,
  revokedAt: null,
  ...fields,
});

test('a token request takes a name and an optional ISO 8601 expiry with its offset', () => {
  assert.deepEqual(tokenRequest.parse({ name: 'ci' }), { name: 'ci' });
  assert.equal(tokenRequest.parse({ name: 'ci', expiresAt: null }).expiresAt, null);
  assert.equal(
    tokenRequest.parse({ name: 'ci', expiresAt: '2027-01-31T00:00:00+01:00' }).expiresAt,
    '2027-01-31T00:00:00+01:00',
  );
  for (const expiresAt of ['tomorrow', '2027-01-31', 'x'.repeat(10_000), 42]) {
    const parsed = tokenRequest.safeParse({ name: 'ci', expiresAt });
    assert.equal(parsed.success, false, String(expiresAt).slice(0, 20));
    assert.deepEqual(parsed.error?.issues[0]?.path, ['expiresAt']);
  }
  assert.equal(tokenRequest.safeParse({ name: 'ci', secret: 'x' }).success, false, 'unknown fields refused');
});

test('an expiry must be in the future; none means never', () => {
  assert.equal(parseExpiry(undefined, now), null);
  assert.equal(parseExpiry(null, now), null);
  assert.deepEqual(parseExpiry('2026-12-02T12:00:00Z', now), new Date('2026-12-02T12:00:00Z'));
  assert.throws(
    () => parseExpiry('2026-12-01T12:00:00Z', now),
    (error: unknown) => error instanceof InputError && error.issues[0]?.path === 'expiresAt',
  );
});

test('a token is active until it expires or is revoked; revoked wins', () => {
  assert.equal(tokenState(token(), now), 'active');
  assert.equal(tokenState(token({ expiresAt: new Date('2026-12-01T12:00:01Z') }), now), 'active');
  assert.equal(tokenState(token({ expiresAt: now }), now), 'expired');
  assert.equal(
    tokenState(
      token({ expiresAt: new Date('2026-11-02T00:00:00Z'), revokedAt: new Date('2026-11-01T01:00:00Z') }),
      now,
    ),
    'revoked',
  );
});

test('a token view carries no value or hash, and marks the token the caller signed in with', () => {
  const view = viewToken(token({ lastUsedAt: now }), now, 't1');
  assert.deepEqual(view, {
    id: 't1',
    name: 'ci',
    createdAt: '2026-11-01T00:00:00.000Z',
    lastUsedAt: '2026-12-01T12:00:00.000Z',
    expiresAt: null,
    revokedAt: null,
    state: 'active',
    current: true,
  });
  assert.equal(viewToken(token(), now, 'other').current, false);
});
