import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dataMoverHint, type RestorePlan, type VolumePlan, type VolumeProgress } from '../restore/index.ts';
import type { CliIo } from './io.ts';
import { planExitCode, printPlanChecks } from './plan-output.ts';
import { planVolumesText, restoredVolumesText } from './restore-volume-output.ts';

const restorable: VolumePlan = {
  namespace: 'shop-copy',
  pvc: 'data',
  mappedFrom: 'shop',
  size: '10Mi',
  storageClass: 'fast',
  storageClassMappedFrom: 'standard',
  volumeSnapshot: 'velero-data-abcde',
  snapshotHandle: 'snap-1',
  driver: 'hostpath.csi.k8s.io',
  classDriver: 'hostpath.csi.k8s.io',
  driverInstalled: true,
  matchingClass: true,
  verdict: 'restore',
};
const refused: VolumePlan = {
  namespace: 'shop-copy',
  pvc: 'logs',
  size: '1Gi',
  storageClass: 'elsewhere',
  volumeSnapshot: 'velero-logs-fghij',
  snapshotHandle: 'snap-2',
  driver: 'hostpath.csi.k8s.io',
  classDriver: 'elsewhere.example.com',
  driverInstalled: true,
  matchingClass: false,
  verdict: 'fail',
  reason: `the claim shop-copy/logs would be made by the storage class elsewhere with driver "elsewhere.example.com", but its snapshot was taken by driver hostpath.csi.k8s.io; ${dataMoverHint}`,
};

function capture(): CliIo & { out: string } {
  const io = {
    out: '',
    stdout: (text: string) => {
      io.out += text;
    },
    stderr: () => undefined,
    isTty: false,
    env: {},
  };
  return io;
}

test('the dry run lists each volume: claim (mapped), size, class (from), snapshot, driver, what the target has, verdict', () => {
  const text = planVolumesText([restorable, refused]);
  assert.match(text, /^\nVolumes \(claims made from CSI snapshots\):\n/);
  assert.match(
    text,
    /NAMESPACE\/PVC\s+SIZE\s+CLASS \(FROM\)\s+SNAPSHOT\s+DRIVER\s+IN TARGET\s+VERDICT\/REASON\n/,
  );
  assert.match(
    text,
    /shop-copy\/data \(from shop\)\s+10Mi\s+fast \(from standard\)\s+snap-1\s+hostpath\.csi\.k8s\.io\s+driver yes, class yes\s+restore\n/,
  );
  assert.match(
    text,
    /shop-copy\/logs\s+1Gi\s+elsewhere\s+snap-2\s+hostpath\.csi\.k8s\.io\s+driver yes, class NO \(its driver is elsewhere\.example\.com\)\s+FAIL: the claim shop-copy\/logs .*"copy volume data to the backup location"/,
  );
  assert.match(text, /1 claim cannot be restored: a restore would fail it by name/);
  assert.doesNotMatch(planVolumesText([restorable]), /cannot be made/);
  // A claim whose backup kept both its snapshot and a copy says which it comes from, and why.
  const why = 'not from the CSI snapshot the backup kept: the target has no VolumeSnapshotContent vsc-1';
  assert.match(
    planVolumesText([{ ...restorable, source: 'copy', sourceReason: why }]),
    new RegExp(`restore: ${why}\n`),
  );
});

test('a volume without a class, handle or driver in the target reads plainly', () => {
  const bare: VolumePlan = {
    namespace: 'a',
    pvc: 'b',
    volumeSnapshot: 'vs-b',
    driverInstalled: false,
    matchingClass: false,
    verdict: 'fail',
    reason: 'no snapshot recorded',
  };
  assert.match(
    planVolumesText([bare]),
    /a\/b\s+-\s+default\s+vs-b\s+-\s+driver NO, class NO\s+FAIL: no snapshot recorded/,
  );
});

test('no volumes, no section (plans of older servers have no `volumes` at all)', () => {
  assert.equal(planVolumesText([]), '');
  assert.equal(planVolumesText(undefined), '');
  assert.equal(restoredVolumesText([]), '');
  assert.equal(restoredVolumesText(undefined), '');
});

test('the plan printout carries the volumes before the other checks; a refused one makes the dry run exit 3', () => {
  const plan: RestorePlan = {
    restoreName: 'r',
    backupName: 'b',
    items: [
      {
        action: 'create',
        groupResource: 'persistentvolumeclaims',
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        namespace: 'shop-copy',
        name: 'logs',
        serverVerdict: `rejected by Lifeboat: ${refused.reason}`,
      },
    ],
    storageClasses: [],
    namespaces: [],
    volumes: [refused],
    counts: { create: 1, unchanged: 0, differs: 0, update: 0, skip: 0, refuse: 0, rejected: 1 },
    warnings: ['the backup has no content index'],
  };
  const io = capture();
  printPlanChecks(io, plan);
  assert.ok(io.out.indexOf('Volumes (claims') < io.out.indexOf('Warning: the backup'), io.out);
  assert.match(io.out, /shop-copy\/logs .* FAIL: /);
  assert.equal(planExitCode(plan), 3);
});

test('after a restore each volume shows its phase: Bound, or Failed with the reason', () => {
  const volumes: VolumeProgress[] = [
    {
      namespace: 'shop-copy',
      pvc: 'data',
      volumeSnapshot: 'velero-data-abcde',
      snapshotHandle: 'snap-1',
      driver: 'hostpath.csi.k8s.io',
      storageClass: 'fast',
      phase: 'Bound',
    },
    {
      namespace: 'shop-copy',
      pvc: 'logs',
      volumeSnapshot: 'velero-logs-fghij',
      phase: 'Failed',
      reason: 'the snapshot snap-2 (driver hostpath.csi.k8s.io) of the claim shop-copy/logs cannot be used',
    },
  ];
  const text = restoredVolumesText(volumes);
  assert.match(text, /Volumes \(claims made from CSI snapshots, 1 of 2 Bound\):\n/);
  assert.match(text, /NAMESPACE\/PVC\s+SNAPSHOT\s+CLASS\s+PHASE\s+REASON\n/);
  assert.match(text, /shop-copy\/data\s+snap-1\s+fast\s+Bound\n/);
  assert.match(
    text,
    /shop-copy\/logs\s+velero-logs-fghij\s+default\s+Failed\s+the snapshot snap-2 .* cannot be used\n/,
  );
});

test('a claim filled from the repository shows the snapshot short id, its size, and its bytes while filling', () => {
  const id = 'a1b2c3d4'.repeat(8);
  const planned: VolumePlan = {
    namespace: 'shop',
    pvc: 'data',
    size: '1Gi',
    storageClass: 'slow',
    volumeSnapshot: 'vs-data',
    repositorySnapshot: id,
    dataBytes: 3 * 1024 * 1024,
    driverInstalled: true,
    matchingClass: true,
    verdict: 'restore',
    reason: "its data comes from the location's volume repository (snapshot a1b2c3d4, 3.0 MiB)",
  };
  const plan = planVolumesText([planned, restorable]);
  assert.match(plan, /Volumes \(claims made from CSI snapshots or the location's volume repository\):\n/);
  assert.match(
    plan,
    /shop\/data\s+1Gi\s+slow\s+repository a1b2c3d4\s+-\s+class yes\s+restore \(fill 3\.0 MiB\)\n/,
  );

  const filling: VolumeProgress = {
    namespace: 'shop',
    pvc: 'data',
    volumeSnapshot: 'vs-data',
    storageClass: 'slow',
    repositorySnapshot: id,
    phase: 'Pending',
    filling: true,
    bytesDone: 1024 * 1024,
    bytesTotal: 3 * 1024 * 1024,
  };
  assert.match(
    restoredVolumesText([filling]),
    /shop\/data\s+repository a1b2c3d4\s+slow\s+Filling 1\.0 MiB of 3\.0 MiB\s/,
  );
  const bound = restoredVolumesText([{ ...filling, filling: false, phase: 'Bound', bytesDone: 3 << 20 }]);
  assert.match(bound, /1 of 1 Bound/);
  assert.match(bound, /shop\/data\s+repository a1b2c3d4\s+slow\s+Bound\n/);
});
