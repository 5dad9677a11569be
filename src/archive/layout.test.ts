import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backupKeys, itemPath, parseItemPath, restoreKeys } from './layout.ts';

test('backup and restore keys follow Velero', () => {
  const keys = backupKeys('nightly');
  assert.equal(keys.metadata, 'backups/nightly/velero-backup.json');
  assert.equal(keys.tarball, 'backups/nightly/nightly.tar.gz');
  assert.equal(keys.resourceList, 'backups/nightly/nightly-resource-list.json.gz');
  assert.equal(keys.logs, 'backups/nightly/nightly-logs.gz');
  assert.equal(keys.results, 'backups/nightly/nightly-results.gz');
  assert.equal(restoreKeys('r1').results, 'restores/r1/restore-r1-results.gz');
});

test('item paths: plain and preferred-version, namespaced and cluster-scoped, and back', () => {
  assert.equal(
    itemPath('deployments.apps', 'web', 'api'),
    'resources/deployments.apps/namespaces/web/api.json',
  );
  assert.equal(itemPath('pods', 'ns', 'p', 'v1'), 'resources/pods/v1-preferredversion/namespaces/ns/p.json');
  assert.equal(
    itemPath('persistentvolumes', undefined, 'pv-1', 'v1'),
    'resources/persistentvolumes/v1-preferredversion/cluster/pv-1.json',
  );
  assert.deepEqual(parseItemPath('resources/deployments.apps/namespaces/web/api.json'), {
    groupResource: 'deployments.apps',
    namespace: 'web',
    name: 'api',
  });
  assert.deepEqual(parseItemPath('resources/namespaces/v1-preferredversion/cluster/web.json'), {
    groupResource: 'namespaces',
    versionDir: 'v1-preferredversion',
    name: 'web',
  });
  assert.equal(parseItemPath('metadata/version'), undefined);
  assert.equal(parseItemPath('resources/pods/namespaces/x.json'), undefined);
});
