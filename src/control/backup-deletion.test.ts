import assert from 'node:assert/strict';
import { test } from 'node:test';
import { snapshotsLeftReason } from './backup-deletion.ts';

test('snapshots left in the storage are each named with handle, driver and PVC; one reason for several is said once', () => {
  const unreachable = 'cluster "prod" (https://127.0.0.1:1) could not be reached: connection refused';
  const reason = snapshotsLeftReason(
    {
      deletedObjects: 7,
      snapshots: [
        {
          snapshotHandle: 'h1',
          driver: 'd.csi',
          namespace: 'shop',
          pvc: 'data',
          deleted: false,
          reason: unreachable,
        },
        { snapshotHandle: 'h2', driver: 'd.csi', deleted: false, reason: unreachable },
        { snapshotHandle: 'h3', driver: 'd.csi', namespace: 'shop', pvc: 'logs', deleted: true },
      ],
      left: [
        {
          snapshotHandle: 'h1',
          driver: 'd.csi',
          namespace: 'shop',
          pvc: 'data',
          deleted: false,
          reason: unreachable,
        },
        { snapshotHandle: 'h2', driver: 'd.csi', deleted: false, reason: unreachable },
      ],
    },
    'minio',
  );
  assert.match(
    reason,
    /files were deleted from location "minio", but 2 of its 3 volume snapshots are left in the storage/,
  );
  assert.ok(reason.includes(`${unreachable}: h1 (driver d.csi, PVC shop/data), h2 (driver d.csi)`), reason);
  assert.equal(reason.split(unreachable).length, 2, 'the shared reason appears once');
  assert.match(reason, /delete them in the storage .*deleting the backup again removes it from Lifeboat$/);
  assert.doesNotMatch(reason, /h3/);
});
