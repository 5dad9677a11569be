import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../io.ts';
import { copyVolumeDataField } from './backups.ts';

test('--keep-volume-snapshots is sent only as given, and refused where no data is copied', () => {
  assert.deepEqual(copyVolumeDataField({ includeDisks: true }), {});
  assert.deepEqual(copyVolumeDataField({ includeDisks: true, keepVolumeSnapshots: true }), {
    keepVolumeSnapshots: true,
  });
  assert.deepEqual(
    copyVolumeDataField({ includeDisks: true, snapshotMoveData: true, keepVolumeSnapshots: false }),
    { copyVolumeData: true, keepVolumeSnapshots: false },
  );
  assert.throws(
    () => copyVolumeDataField({ keepVolumeSnapshots: true }),
    (error: unknown) => error instanceof UsageError && /add --include-disks/.test(error.message),
  );
  assert.throws(
    () => copyVolumeDataField({ includeDisks: true, copyVolumeData: false, keepVolumeSnapshots: true }),
    (error: unknown) => error instanceof UsageError && /drop --no-copy-volume-data/.test(error.message),
  );
});
