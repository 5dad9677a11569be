import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { mergeFields, secretPaths, splitSecrets } from './location-config.ts';
import { openVault, Vault } from './vault.ts';

test('sealed secrets open only with the same key and for the same record', () => {
  const vault = new Vault(randomBytes(32));
  const sealed = vault.seal('kubeconfig text', 'cluster:1');
  assert.ok(!sealed.includes('kubeconfig'));
  assert.notEqual(vault.seal('kubeconfig text', 'cluster:1'), sealed, 'a fresh IV each time');
  assert.equal(vault.open(sealed, 'cluster:1'), 'kubeconfig text');
  assert.throws(() => vault.open(sealed, 'cluster:2'), /master key differs/);
  assert.throws(() => new Vault(randomBytes(32)).open(sealed, 'cluster:1'), /LIFEBOAT_MASTER_KEY/);
  const [version, iv, tag, body] = sealed.split(':');
  const flipped = Buffer.from(body ?? '', 'base64');
  flipped[0] = (flipped[0] ?? 0) ^ 1;
  assert.throws(() => vault.open([version, iv, tag, flipped.toString('base64')].join(':'), 'cluster:1'));
});

test('the master key comes from the environment, else from a key file created with mode 0600', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vault-'));
  const keyFile = join(dir, 'sub', 'master.key');
  const first = openVault({ env: {}, keyFile });
  assert.equal(first.source, keyFile);
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  assert.equal(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64').length, 32);
  const sealed = first.vault.seal('x', 'c');
  assert.equal(
    openVault({ env: {}, keyFile }).vault.open(sealed, 'c'),
    'x',
    'the same key on the next start',
  );
  const key = randomBytes(32).toString('base64');
  assert.equal(openVault({ env: { LIFEBOAT_MASTER_KEY: key }, keyFile }).source, 'LIFEBOAT_MASTER_KEY');
  assert.throws(
    () => openVault({ env: { LIFEBOAT_MASTER_KEY: 'short' }, keyFile }),
    /openssl rand -base64 32/,
  );
});

test('secret fields are split from what may be shown, and edits merge onto stored values', () => {
  const { config, secrets } = splitSecrets({
    provider: 'aws',
    bucket: 'b',
    credentials: { kind: 'keys', accessKeyId: 'AKIA', secretAccessKey: 's3cr3t' },
  });
  assert.deepEqual(config, {
    provider: 'aws',
    bucket: 'b',
    credentials: { kind: 'keys', accessKeyId: 'AKIA' },
  });
  assert.deepEqual(secretPaths(secrets), ['credentials.secretAccessKey']);
  const merged = mergeFields(
    { ...config, ...{ credentials: { kind: 'keys', accessKeyId: 'AKIA', secretAccessKey: 's3cr3t' } } },
    {
      bucket: 'c',
      credentials: { accessKeyId: 'AKIB' },
    },
  );
  assert.deepEqual(merged.credentials, { kind: 'keys', accessKeyId: 'AKIB', secretAccessKey: 's3cr3t' });
  // Switching to a role replaces the credentials whole: the old secret key does not linger.
  const switched = mergeFields(merged, { credentials: { kind: 'sts', roleArn: 'arn:aws:iam::1:role/x' } });
  assert.deepEqual(switched.credentials, { kind: 'sts', roleArn: 'arn:aws:iam::1:role/x' });
});
