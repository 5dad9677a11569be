import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isBackupName } from '../archive/index.ts';
import { UsageError } from './io.ts';
import { locationNameOf, storageLocationName } from './storage-location.ts';

test('the storage location recorded in local mode is named after the bucket and prefix, or the folder', () => {
  assert.equal(storageLocationName('s3://backups/prod/eu?region=eu-west-1', undefined), 'backups-prod-eu');
  assert.equal(storageLocationName('s3://my.bucket', undefined), 'my-bucket');
  assert.equal(storageLocationName('gs://team_bucket/Nightly_Runs/', undefined), 'team-bucket-nightly-runs');
  assert.equal(storageLocationName('azblob://acct/velero/cluster-a', undefined), 'acct-velero-cluster-a');
  assert.equal(storageLocationName('file:///var/backups', undefined), 'var-backups');
  assert.equal(locationNameOf({ provider: 'file', dir: '/' }), 'default');
});

test('a long place is cut to 63 characters with a hash, so two long places keep apart', () => {
  const long = (tail: string) => `s3://bucket/${'very-long-prefix/'.repeat(5)}${tail}`;
  const a = storageLocationName(long('a'), undefined);
  const b = storageLocationName(long('b'), undefined);
  assert.ok(a.length <= 63 && b.length <= 63);
  assert.notEqual(a, b);
  assert.ok(isBackupName(a) && isBackupName(b), `${a} ${b}`);
});

test('--storage-location names it, and must be a valid name', () => {
  assert.equal(storageLocationName('s3://bucket/x', 'primary'), 'primary');
  for (const bad of ['Primary', 'has space', 'a'.repeat(64), '-edge', 's3://bucket'])
    assert.throws(() => storageLocationName('s3://bucket/x', bad), UsageError, bad);
});
