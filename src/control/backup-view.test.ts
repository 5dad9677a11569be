import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentsView } from './backup-view.ts';

test("contents by namespace and kind, with where they come from; the tarball's paths alone show resources", () => {
  const listed = contentsView({
    source: 'velero-resource-list',
    items: [
      { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
      { group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespace: 'shop', name: 'b' },
      { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'a' },
      { group: '', version: 'v1', kind: 'Namespace', name: 'shop' },
    ],
  });
  assert.deepEqual(listed, {
    indexed: false,
    source: 'velero-resource-list',
    warning: null,
    totalItems: 4,
    namespaces: [
      { namespace: null, kinds: [{ kind: 'Namespace', group: '', items: ['shop'] }] },
      {
        namespace: 'shop',
        kinds: [
          { kind: 'ConfigMap', group: '', resource: 'configmaps', items: ['a', 'b'] },
          { kind: 'Deployment', group: 'apps', items: ['web'] },
        ],
      },
    ],
  });
  const paths = contentsView({
    source: 'tarball',
    warning: 'why',
    items: [
      { group: 'apps', version: '', kind: '', resource: 'deployments', namespace: 'shop', name: 'web' },
    ],
  });
  assert.deepEqual(paths.namespaces[0]?.kinds, [
    { kind: 'deployments', group: 'apps', resource: 'deployments', items: ['web'] },
  ]);
  assert.equal(paths.warning, 'why');
  assert.deepEqual(contentsView(undefined), {
    indexed: false,
    source: 'none',
    warning: null,
    totalItems: 0,
    namespaces: [],
  });
  assert.equal(contentsView({ source: 'lifeboat-index', items: [] }).indexed, true);
});
