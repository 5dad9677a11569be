import assert from 'node:assert/strict';
import { test } from 'node:test';
import { restoreSourceName } from './restore-source.ts';

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

test('restore source names: valid DNS labels of at most 63 characters, the same on a re-run, distinct per restore, namespace and snapshot', () => {
  const long = 'r'.repeat(63);
  const names = [
    restoreSourceName('r1', 'shop', 'vs-1'),
    restoreSourceName('r2', 'shop', 'vs-1'),
    restoreSourceName('r1', 'other', 'vs-1'),
    restoreSourceName(long, 'shop', `${'v'.repeat(200)}-one`),
    restoreSourceName(long, 'shop', `${'v'.repeat(200)}-two`),
    restoreSourceName('a.b', 'ns', 'Velero-Data_1--'),
  ];
  for (const name of names) {
    assert.ok(name.length <= 63, `${name} is ${name.length} long`);
    assert.match(name, dnsLabel);
  }
  assert.equal(new Set(names).size, names.length);
  assert.equal(restoreSourceName('r1', 'shop', 'vs-1'), names[0]);
  assert.match(names[0] ?? '', /^lb-r-r1-vs-1-[0-9a-f]{10}$/);
});
