import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VolumeInfo } from '../archive/index.ts';
import { backupVolumesOf } from '../backup/index.ts';
import { noDisksNote, summarizeVolumes, volumesText } from './volume-output.ts';

const snapshotted: VolumeInfo = {
  pvcName: 'data',
  pvcNamespace: 'shop',
  pvName: 'pvc-1',
  backupMethod: 'CSISnapshot',
  snapshotDataMoved: false,
  preserveLocalSnapshot: true,
  skipped: false,
  result: 'succeeded',
  csiSnapshotInfo: {
    snapshotHandle: 'snap-1',
    size: 10 * 1024 * 1024,
    driver: 'hostpath.csi.k8s.io',
    vscName: 'c',
    ReadyToUse: true,
  },
};
const skipped: VolumeInfo = {
  pvcName: 'logs',
  pvcNamespace: 'shop',
  pvName: 'local-1',
  snapshotDataMoved: false,
  preserveLocalSnapshot: false,
  skipped: true,
  skippedReason:
    "csiSnapshot: skipped b/c it's not a CSI volume;volumeSnapshot: no applicable volumesnapshotter found;",
};

test('volume info reads as volumes: snapshotted with driver and size, skipped with the reasons, other methods named', () => {
  const pvb: VolumeInfo = { ...skipped, skipped: false, backupMethod: 'PodVolumeBackup' };
  delete pvb.skippedReason;
  const [a, b, c] = backupVolumesOf([snapshotted, skipped, pvb]);
  assert.deepEqual(a, {
    namespace: 'shop',
    pvc: 'data',
    pv: 'pvc-1',
    sizeBytes: 10 * 1024 * 1024,
    state: 'snapshotted',
    driver: 'hostpath.csi.k8s.io',
    snapshotHandle: 'snap-1',
    readyToUse: true,
    detail: null,
  });
  assert.equal(b?.state, 'skipped');
  assert.equal(
    b?.detail,
    "csiSnapshot: skipped b/c it's not a CSI volume; volumeSnapshot: no applicable volumesnapshotter found",
  );
  assert.equal(b?.sizeBytes, null);
  assert.deepEqual([c?.state, c?.detail], ['other', 'PodVolumeBackup']);
  const failed = backupVolumesOf([{ ...snapshotted, result: 'failed' }])[0];
  assert.equal(failed?.state, 'failed');
});

test('describe lists each volume; disks asked for with nothing snapshotted says so plainly', () => {
  const both = summarizeVolumes(backupVolumesOf([snapshotted, skipped]));
  const text = volumesText(true, both);
  assert.match(text, /NAMESPACE\s+PVC\s+PV\s+SIZE\s+SNAPSHOT/);
  assert.match(text, /shop\s+data\s+pvc-1\s+10\.0 MiB\s+snapshotted \(hostpath\.csi\.k8s\.io\)/);
  assert.match(
    text,
    /shop\s+logs\s+local-1\s+-\s+not snapshotted: csiSnapshot: skipped b\/c it's not a CSI volume/,
  );
  assert.equal(noDisksNote(true, both), undefined);

  const onlySkipped = summarizeVolumes(backupVolumesOf([skipped]));
  assert.match(
    volumesText(true, onlySkipped),
    /Disks were asked for, but none of its 1 volume was snapshotted .*only its objects were backed up/,
  );
  assert.equal(noDisksNote(false, onlySkipped), undefined, 'without disks asked for there is nothing to say');
  assert.match(volumesText(true, summarizeVolumes([])), /no persistent volumes/);
  assert.match(
    volumesText(true, summarizeVolumes(undefined)),
    /Disks were asked for, but this backup recorded no volumes/,
  );
  assert.match(
    volumesText(false, summarizeVolumes(undefined)),
    /not backed up \(taken without --include-disks\)/,
  );
});
