import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RestorePhase, RestoreRecord } from '../db/index.ts';
import { groupPhase, viewGroupRestore } from './workspaces-restore-view.ts';

const tag = { id: 'g1', name: 'shop-back', groupId: 'b1', workspaceId: 'w1' };

/** A member restore as the store returns it. */
function member(name: string, phase: RestorePhase, fields: Partial<RestoreRecord> = {}): RestoreRecord {
  return {
    id: `r-${name}`,
    projectId: 'p1',
    backupId: `b-${name}`,
    backupName: `shop-${name}`,
    locationId: 'l1',
    sourceClusterId: `c-${name}`,
    targetClusterId: `c-${name}`,
    targetClusterName: name,
    name: `shop-back-${name}`,
    options: {
      includeNamespaces: [],
      excludeNamespaces: [],
      includeResources: [],
      excludeResources: [],
      namespaceMappings: {},
      storageClassMappings: {},
      existingResourcePolicy: 'none',
      preserveNodePorts: false,
      groupRestore: tag,
    },
    phase,
    itemsDone: 0,
    itemsTotal: 0,
    counts: {},
    errorCount: 0,
    warningCount: 0,
    errors: {},
    warnings: {},
    failureReason: null,
    volumes: [],
    createdAt: new Date('2026-01-01T00:00:00Z'),
    startedAt: null,
    completedAt: null,
    ...fields,
  };
}

test('a group is Queued until a member starts, InProgress while any runs, then says how it ended', () => {
  assert.equal(groupPhase(['Queued', 'Queued']), 'Queued');
  assert.equal(groupPhase(['Queued', 'Completed']), 'InProgress');
  assert.equal(groupPhase(['InProgress', 'Failed']), 'InProgress');
  assert.equal(groupPhase(['Completed', 'Completed']), 'Completed');
  assert.equal(groupPhase(['Failed', 'Failed']), 'Failed');
  assert.equal(groupPhase(['Completed', 'Failed']), 'PartiallyFailed');
  assert.equal(groupPhase(['PartiallyFailed', 'Completed']), 'PartiallyFailed');
});

test("a group's view adds its members' items and counts, and ends when the last member ends", () => {
  const running = viewGroupRestore(
    [
      member('prod', 'Completed', {
        itemsDone: 3,
        itemsTotal: 3,
        counts: { created: 2, skipped: 1 },
        completedAt: new Date('2026-01-01T00:01:00Z'),
      }),
      member('staging', 'InProgress', { itemsDone: 1, itemsTotal: 5, counts: { created: 1 } }),
    ],
    'shop',
  );
  assert.equal(running.phase, 'InProgress');
  assert.deepEqual(running.progress, { itemsDone: 4, itemsTotal: 8, percent: 50 });
  assert.deepEqual(running.counts, { created: 3, skipped: 1 });
  assert.deepEqual(running.phases, { Completed: 1, InProgress: 1 });
  assert.equal(running.completedAt, null);
  assert.deepEqual(running.workspace, { id: 'w1', name: 'shop' });
  const done = viewGroupRestore(
    [
      member('prod', 'Completed', {
        itemsDone: 3,
        itemsTotal: 3,
        completedAt: new Date('2026-01-01T00:01:00Z'),
      }),
      member('staging', 'Completed', {
        itemsDone: 5,
        itemsTotal: 5,
        completedAt: new Date('2026-01-01T00:02:00Z'),
      }),
    ],
    'shop',
  );
  assert.equal(done.phase, 'Completed');
  assert.equal(done.progress.percent, 100);
  assert.equal(done.completedAt, '2026-01-01T00:02:00.000Z');
  assert.deepEqual(
    done.members.map((m) => m.name),
    ['shop-back-prod', 'shop-back-staging'],
  );
});
