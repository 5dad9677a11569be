import assert from 'node:assert/strict';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import {
  type BackupDescription,
  decodeBackupDescription,
  encodeBackupDescription,
  encodeResourceList,
  goDuration,
  parseGoDuration,
  Results,
} from './metadata.ts';

const description: BackupDescription = {
  name: 'nightly',
  storageLocation: 'default',
  includedNamespaces: ['web'],
  excludedNamespaces: [],
  includedResources: [],
  excludedResources: ['events'],
  clusterResources: 'auto',
  ttlMs: 720 * 3600 * 1000,
  includeDisks: false,
  phase: 'Completed',
  startTimestamp: new Date('2026-11-25T10:00:00.400Z'),
  completionTimestamp: new Date('2026-11-25T10:00:03Z'),
  expiration: new Date('2026-12-25T10:00:00Z'),
  totalItems: 10,
  itemsBackedUp: 10,
  errors: 0,
  warnings: 1,
  sizeBytes: 1234,
};

test('velero-backup.json is a Velero Backup and reads back the same', () => {
  const bytes = encodeBackupDescription(description);
  const json = JSON.parse(bytes.toString());
  assert.equal(json.kind, 'Backup');
  assert.equal(json.apiVersion, 'velero.io/v1');
  assert.equal(json.spec.ttl, '720h0m0s');
  assert.equal(json.status.formatVersion, '1.1.0');
  assert.equal(json.status.startTimestamp, '2026-11-25T10:00:00Z');
  assert.equal(json.spec.includeClusterResources, undefined, 'auto is Velero nil');
  assert.ok(!bytes.toString().endsWith('\n'));
  const back = decodeBackupDescription(bytes);
  assert.equal(back.name, 'nightly');
  assert.equal(back.phase, 'Completed');
  assert.equal(back.ttlMs, description.ttlMs);
  assert.equal(back.sizeBytes, 1234);
  assert.deepEqual(back.excludedResources, ['events']);
  assert.equal(back.warnings, 1);
});

test('decoding refuses what is not a Backup, and a future major format', () => {
  assert.throws(
    () => decodeBackupDescription(Buffer.from('{"kind":"Restore","apiVersion":"velero.io/v1"}')),
    /not a Velero Backup/,
  );
  assert.throws(() => decodeBackupDescription(Buffer.from('nope')), /not JSON/);
  const future = JSON.parse(encodeBackupDescription(description).toString());
  future.status.formatVersion = '2.0.0';
  assert.throws(() => decodeBackupDescription(Buffer.from(JSON.stringify(future))), /not supported/);
});

test('a minimal Velero-written Backup decodes with its defaults', () => {
  const velero = {
    kind: 'Backup',
    apiVersion: 'velero.io/v1',
    metadata: { name: 'b1', namespace: 'velero', uid: 'x' },
    spec: { includedNamespaces: ['*'], ttl: '24h0m0s', includeClusterResources: true, hooks: {} },
    status: {
      phase: 'PartiallyFailed',
      startTimestamp: '2024-01-01T00:00:00Z',
      progress: { totalItems: 3, itemsBackedUp: 2 },
    },
  };
  const back = decodeBackupDescription(Buffer.from(JSON.stringify(velero)));
  assert.equal(back.clusterResources, 'always');
  assert.equal(back.expiration.toISOString(), '2024-01-02T00:00:00.000Z');
  assert.equal(back.itemsBackedUp, 2);
});

test('Go durations both ways', () => {
  assert.equal(goDuration(90 * 60 * 1000), '1h30m0s');
  assert.equal(goDuration(45_000), '45s');
  assert.equal(parseGoDuration('720h'), 720 * 3600 * 1000);
  assert.equal(parseGoDuration('1h30m0s'), 90 * 60 * 1000);
  assert.equal(parseGoDuration('90m'), 90 * 60 * 1000);
  assert.throws(() => parseGoDuration('30 days'), /not a duration/);
  assert.throws(() => parseGoDuration(''), /not a duration/);
});

test('results and resource list encode as Velero does', async () => {
  const results = new Results();
  assert.equal(gunzipSync(results.encode()).toString(), '{"errors":{},"warnings":{}}\n');
  results.error('resource: /secrets error: /forbidden', { namespace: 'web' });
  results.warning('cluster thing', { cluster: true });
  assert.equal(results.errorCount, 1);
  assert.deepEqual(Results.decode(results.encode()).errors, {
    namespaces: { web: ['resource: /secrets error: /forbidden'] },
  });
  const list = await buffer(
    encodeResourceList([
      {
        group: 'apps',
        version: 'v1',
        kind: 'Deployment',
        resource: 'deployments',
        namespace: 'b',
        name: 'x',
        sha256: '',
        size: 1,
      },
      { group: '', version: 'v1', kind: 'Namespace', resource: 'namespaces', name: 'b', sha256: '', size: 1 },
      {
        group: 'apps',
        version: 'v1',
        kind: 'Deployment',
        resource: 'deployments',
        namespace: 'a',
        name: 'y',
        sha256: '',
        size: 1,
      },
      {
        group: 'apps',
        version: 'v1',
        kind: 'Deployment',
        resource: 'deployments',
        namespace: 'a-b',
        name: 'z',
        sha256: '',
        size: 1,
      },
    ]),
  );
  assert.equal(
    gunzipSync(list).toString(),
    '{"apps/v1/Deployment":["a-b/z","a/y","b/x"],"v1/Namespace":["b"]}\n',
  );
});

test('the index streams out and reads back', async () => {
  const { encodeIndex, decodeIndex } = await import('./metadata.ts');
  const items = Array.from({ length: 2500 }, (_, i) => ({
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    resource: 'deployments',
    namespace: `ns-${i % 7}`,
    name: `d-${i}`,
    sha256: 'a'.repeat(64),
    size: i,
  }));
  const back = decodeIndex(await buffer(encodeIndex({ lifeboatIndexVersion: 1, backup: 'b', items })));
  assert.deepEqual(back.items, items);
});
