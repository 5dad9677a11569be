import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { labelValue, volumeSnapshotName } from './names.ts';

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

test('VolumeSnapshot names: valid DNS labels of at most 63 characters, deterministic, distinct where truncation makes the readable part equal', () => {
  const long = 'b'.repeat(63);
  const names = [
    volumeSnapshotName('nightly', 'shop', 'data'),
    volumeSnapshotName(long, 'shop', `${'p'.repeat(200)}-one`),
    volumeSnapshotName(long, 'shop', `${'p'.repeat(200)}-two`),
    volumeSnapshotName(long, 'other', `${'p'.repeat(200)}-one`),
    volumeSnapshotName('a.b.c', 'ns', 'Data_Claim--'),
    volumeSnapshotName('x', 'ns', '-'),
  ];
  for (const name of names) {
    assert.ok(name.length <= 63, `${name} is ${name.length} long`);
    assert.match(name, dnsLabel);
  }
  assert.equal(new Set(names).size, names.length);
  assert.equal(volumeSnapshotName('nightly', 'shop', 'data'), names[0]);
  assert.match(names[0] as string, /^lb-nightly-data-[0-9a-f]{10}$/);
});

test("label values: a name that fits is kept; a longer one is cut to 57 characters and 6 of its SHA-256, as Velero's GetValidName", () => {
  assert.equal(labelValue('nightly'), 'nightly');
  const long = `backup-${'x'.repeat(80)}`;
  const expected = long.slice(0, 57) + createHash('sha256').update(long).digest('hex').slice(0, 6);
  assert.equal(labelValue(long), expected);
  assert.equal(labelValue(long).length, 63);
});
