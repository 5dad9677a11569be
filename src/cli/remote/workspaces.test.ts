import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WorkspaceView } from '../api-client.ts';
import { UsageError } from '../io.ts';
import { changesOf } from './workspaces.ts';

const shop: WorkspaceView = {
  id: 'w1',
  projectId: 'p1',
  name: 'shop',
  namespaces: ['web'],
  clusters: [
    { id: 'c1', name: 'prod', health: 'Healthy' },
    { id: 'c2', name: 'staging', health: 'Healthy' },
  ],
  createdAt: '2026-01-01T00:00:00.000Z',
};

test('workspace update sends only what the flags change', () => {
  assert.deepEqual(changesOf(shop, { name: 'store' }), { name: 'store' });
  assert.deepEqual(changesOf(shop, { addClusters: 'canary', removeClusters: 'staging' }), {
    clusters: ['prod', 'canary'],
  });
  assert.deepEqual(changesOf(shop, { clusters: 'a,b', allNamespaces: true }), {
    clusters: ['a', 'b'],
    namespaces: [],
  });
  assert.deepEqual(changesOf(shop, { namespaces: 'web,api' }), { namespaces: ['web', 'api'] });
});

test('workspace update refuses flags that contradict each other, or nothing to do', () => {
  assert.throws(() => changesOf(shop, {}), UsageError);
  assert.throws(() => changesOf(shop, { clusters: 'a', addClusters: 'b' }), /not both/);
  assert.throws(() => changesOf(shop, { namespaces: 'a', allNamespaces: true }), /not both/);
  assert.throws(() => changesOf(shop, { removeClusters: 'nope' }), /nope not in workspace "shop"/);
});
