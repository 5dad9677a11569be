import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { BackupMetadataError } from './errors.ts';
import { decodeVolumeInfo, encodeVolumeInfo, maxVolumeInfoBytes, type VolumeInfo } from './volume-info.ts';

const entry: VolumeInfo = {
  pvcName: 'data',
  pvcNamespace: 'shop',
  pvName: 'pvc-1',
  backupMethod: 'CSISnapshot',
  snapshotDataMoved: false,
  preserveLocalSnapshot: true,
  skipped: false,
  result: 'succeeded',
  csiSnapshotInfo: {
    snapshotHandle: 'h-1',
    size: 1024,
    driver: 'd.csi',
    vscName: 'snapcontent-1',
    ReadyToUse: true,
  },
  pvInfo: { reclaimPolicy: 'Delete', labels: null },
};

test('volume info round-trips in the form Velero writes: a compact array and a newline', async () => {
  const encoded = encodeVolumeInfo([entry]);
  const text = gunzipSync(encoded).toString('utf8');
  assert.ok(text.endsWith(']\n'));
  assert.ok(text.includes('"ReadyToUse":true'), "ReadyToUse keeps Velero's capital letters");
  assert.deepEqual(await decodeVolumeInfo(encoded), [entry]);
});

test("Velero's null reads as no volumes; unknown methods' fields are kept", async () => {
  assert.deepEqual(await decodeVolumeInfo(gzipSync('null\n')), []);
  const [read] = await decodeVolumeInfo(
    gzipSync(
      JSON.stringify([{ pvName: 'x', backupMethod: 'PodVolumeBackup', pvbInfo: { uploader: 'kopia' } }]),
    ),
  );
  assert.equal(read?.backupMethod, 'PodVolumeBackup');
  assert.equal(read?.skipped, false);
  assert.deepEqual((read as unknown as { pvbInfo: unknown }).pvbInfo, { uploader: 'kopia' });
});

test('a file that is not volume info is refused, named, and never inflated past the limit', async () => {
  await assert.rejects(decodeVolumeInfo(gzipSync('{"not":"an array"}'), 'b-volumeinfo.json.gz'), (error) => {
    assert.ok(error instanceof BackupMetadataError);
    assert.match(error.message, /b-volumeinfo\.json\.gz is not Velero volume info/);
    return true;
  });
  await assert.rejects(
    decodeVolumeInfo(gzipSync(JSON.stringify([{ csiSnapshotInfo: { snapshotHandle: 1 } }]))),
    /snapshotHandle/,
  );
  await assert.rejects(decodeVolumeInfo(gzipSync('[')), /is not JSON/);
  const bomb = gzipSync(Buffer.alloc(maxVolumeInfoBytes + 1, 0x20));
  await assert.rejects(decodeVolumeInfo(bomb), /larger than 16 MiB once decompressed/);
});
