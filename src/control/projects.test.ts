import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeContents } from './projects.ts';

const none = { count: 0, names: [] };

test('what is left in a project is said with counts and the first names', () => {
  assert.equal(
    describeContents({
      clusters: { count: 2, names: ['a', 'b'] },
      workspaces: none,
      locations: { count: 1, names: ['minio'] },
      backups: { count: 7, names: ['n1', 'n2', 'n3', 'n4', 'n5'] },
    }),
    '2 clusters ("a", "b"), 1 backup location ("minio") and 7 backups ("n1", "n2", "n3", "n4", "n5", …)',
  );
  assert.equal(
    describeContents({
      clusters: none,
      workspaces: { count: 1, names: ['w'] },
      locations: none,
      backups: none,
    }),
    '1 workspace ("w")',
  );
  assert.equal(describeContents({ clusters: none, workspaces: none, locations: none, backups: none }), '');
});
