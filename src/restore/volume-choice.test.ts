/**
 * How a restore chooses the source of a claim whose backup kept both its CSI snapshot and a copy of its data
 * (volume-choice.ts), under the default volume source `auto`; volume-source.test.ts has the other modes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  driver,
  prepared,
  repositoryId,
  restorer,
  sameCluster,
  storageClasses,
  Target,
} from './kept-volume-testing.ts';
import { planVolumes } from './volume-checks.ts';
import {
  applyChoice,
  chooseSource,
  chooseVolumeSources,
  fallBackToCopy,
  type TargetSnapshots,
} from './volume-choice.ts';

test('the kept snapshot is chosen where the target holds its content (same uid, handle, driver, ready)', () => {
  const { volume } = prepared();
  const choice = chooseSource(volume, sameCluster());
  assert.equal(choice.source, 'snapshot', choice.reason);
  assert.match(
    choice.reason,
    /made from the CSI snapshot the backup kept \(snap-1, driver hostpath\.csi\.k8s\.io\)/,
  );
  assert.match(choice.reason, /storage class csi, with no mover pod/);
  assert.match(
    choice.reason,
    /copy in the location's volume repository \(snapshot a1b2c3d4\) is used should/,
  );
});

test('the copy is chosen, with the reason, wherever the kept snapshot cannot be used', () => {
  const cases: [string, TargetSnapshots, RegExp][] = [
    [
      'another cluster: no content of that name',
      { ...sameCluster(), contents: new Map() },
      /the target has no VolumeSnapshotContent vsc-data: the snapshot is usable only in the cluster that took it/,
    ],
    [
      'another cluster: a content of that name, another object',
      sameCluster({ uid: 'other-uid' }),
      /is not the backup's \(uid other-uid, not 6f1c2a4e-.*\): the target is not the cluster that holds the snapshot/,
    ],
    ['another handle', sameCluster({ snapshotHandle: 'snap-2' }), /no longer holds the snapshot snap-1/],
    ['not ready', sameCluster({ readyToUse: false }), /vsc-data is not ready to use/],
    ['being deleted', sameCluster({ deleting: true }), /vsc-data is being deleted/],
    [
      'unreadable',
      { ...sameCluster(), contents: new Map([['vsc-data', { state: 'unreadable', reason: 'forbidden' }]]) },
      /could not be read \(forbidden\)/,
    ],
    [
      'no snapshot class for the driver',
      { ...sameCluster(), classDrivers: new Set(['other.csi']) },
      /no VolumeSnapshotClass for the CSI driver hostpath\.csi\.k8s\.io/,
    ],
  ];
  for (const [what, target, reason] of cases) {
    const choice = chooseSource(prepared().volume, target);
    assert.equal(choice.source, 'copy', what);
    assert.match(choice.reason, /^not from the CSI snapshot the backup kept: /, what);
    assert.match(choice.reason, reason, what);
  }
  // A mapping to a class of another driver: a snapshot becomes a volume only through its own driver.
  const mapped = chooseSource(prepared({ classMapping: ['csi', 'other'] }).volume, sameCluster());
  assert.equal(mapped.source, 'copy');
  assert.match(mapped.reason, /storage class other with driver "other\.csi"/);
  assert.doesNotMatch(mapped.reason, /to restore across drivers/, 'the copy is that way already');
  // A backup that does not record its content's uid cannot say which cluster holds the snapshot.
  const { volume } = prepared();
  delete volume.kept?.contentUid;
  assert.match(chooseSource(volume, sameCluster()).reason, /does not record its VolumeSnapshotContent/);
});

test('the choice makes the claim: pointed at the restore-made VolumeSnapshot, or empty for the mover', () => {
  const snapshot = prepared();
  applyChoice(snapshot.volume, chooseSource(snapshot.volume, sameCluster()));
  assert.deepEqual(snapshot.volume.source, { driver, snapshotHandle: 'snap-1' });
  assert.equal(snapshot.volume.moved, undefined);
  const spec = snapshot.claim.spec as Record<string, unknown>;
  assert.deepEqual(spec.dataSource, {
    apiGroup: 'snapshot.storage.k8s.io',
    kind: 'VolumeSnapshot',
    name: snapshot.volume.sourceName,
  });
  assert.deepEqual(spec.resources, { requests: { storage: '2Mi' } }, "the snapshot's restore size");

  const copy = prepared();
  applyChoice(copy.volume, chooseSource(copy.volume, { ...sameCluster(), contents: new Map() }));
  assert.equal(copy.volume.source, undefined);
  assert.deepEqual(copy.volume.moved, { snapshotId: repositoryId, bytes: 1000 });
  const copySpec = copy.claim.spec as Record<string, unknown>;
  assert.equal(copySpec.dataSource, undefined);
  assert.equal(copySpec.volumeName, undefined);
  assert.deepEqual(copySpec.resources, { requests: { storage: '1Mi' } }, "the original claim's size");

  // At restore time a failed snapshot gives way to the copy, with a warning that names the claim.
  const late = prepared();
  applyChoice(late.volume, chooseSource(late.volume, sameCluster()));
  const after = fallBackToCopy(late.volume, 'the driver says: snapshot not found');
  assert.ok(after && 'warning' in after);
  assert.match(
    after.warning,
    /the claim shop-r\/data is restored from the copy of its data in the location's volume repository \(snapshot a1b2c3d4\), not from the CSI snapshot the backup kept, which could not be used: the driver says: snapshot not found/,
  );
  assert.deepEqual(late.volume.moved, { snapshotId: repositoryId, bytes: 1000 });
  assert.equal((late.claim.spec as Record<string, unknown>).dataSource, undefined);
  assert.equal(late.volume.choice?.source, 'copy');
});

test('the dry run and the restore choose the same source: the snapshot in the cluster that holds it', async () => {
  const planned = prepared();
  await chooseVolumeSources(new Target({ holdsSnapshot: true }), [planned.volume], storageClasses);
  const [plan] = await planVolumes(new Target({ holdsSnapshot: true }), [planned.volume], false);
  assert.equal(plan?.source, 'snapshot');
  assert.equal(plan?.verdict, 'restore', 'no mover needed: the snapshot is used');
  assert.equal(plan?.snapshotHandle, 'snap-1');
  assert.match(plan?.sourceReason ?? '', /the target holds it/);

  const { volume, claim } = prepared();
  const warnings: string[] = [];
  const kube = new Target({ holdsSnapshot: true });
  const run = restorer(kube, volume, warnings, false);
  assert.equal((await run.beforeClaims()).size, 0);
  const [entry] = run.list();
  assert.equal(entry?.source, 'snapshot');
  assert.equal(entry?.snapshotHandle, 'snap-1');
  assert.equal(entry?.repositorySnapshot, undefined);
  assert.match(entry?.reason ?? '', /provisioning from the snapshot snap-1/);
  assert.deepEqual(warnings, []);
  assert.equal(
    (claim.spec as Record<string, unknown> & { dataSource: { name: string } }).dataSource.name,
    volume.sourceName,
  );
  assert.ok(
    kube.asked.includes('POST /apis/snapshot.storage.k8s.io/v1/namespaces/shop-r/volumesnapshots'),
    kube.asked.join('\n'),
  );
});

test('the dry run and the restore choose the same source: the copy in another cluster', async () => {
  const planned = prepared();
  await chooseVolumeSources(new Target({ holdsSnapshot: false }), [planned.volume]);
  const [plan] = await planVolumes(new Target({ holdsSnapshot: false }), [planned.volume], true);
  assert.equal(plan?.source, 'copy');
  assert.equal(plan?.verdict, 'restore');
  assert.equal(plan?.repositorySnapshot, repositoryId);
  assert.match(
    plan?.reason ?? '',
    /its data comes from the location's volume repository \(snapshot a1b2c3d4/,
  );
  assert.match(
    plan?.reason ?? '',
    /not from the CSI snapshot the backup kept: the target has no VolumeSnapshotContent/,
  );

  const { volume, claim } = prepared();
  const warnings: string[] = [];
  const kube = new Target({ holdsSnapshot: false });
  const run = restorer(kube, volume, warnings);
  assert.equal((await run.beforeClaims()).size, 0);
  const [entry] = run.list();
  assert.equal(entry?.source, 'copy');
  assert.equal(entry?.repositorySnapshot, repositoryId);
  assert.match(entry?.reason ?? '', /to be filled from the location's volume repository/);
  assert.equal((claim.spec as Record<string, unknown>).dataSource, undefined, 'made empty for the mover');
  assert.ok(
    kube.asked.every((line) => line.startsWith('GET ')),
    `nothing is made for a copied claim before it is created: ${kube.asked.join('\n')}`,
  );
});

test('a kept snapshot that fails at restore time gives way to the copy, with a warning naming the claim', async () => {
  const { volume, claim } = prepared();
  const warnings: string[] = [];
  const kube = new Target({ holdsSnapshot: true, snapshotLost: true });
  // The dry run saw it ready; by the restore, the storage has lost it.
  applyChoice(volume, chooseSource(volume, sameCluster()));
  const run = restorer(kube, volume, warnings);
  assert.equal((await run.beforeClaims()).size, 0, 'the claim is not refused: its copy fills it');
  const [entry] = run.list();
  assert.equal(entry?.source, 'copy');
  assert.equal(entry?.phase, 'Pending');
  assert.match(entry?.sourceReason ?? '', /could not be used at restore time: .*snapshot snap-1 not found/);
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0] ?? '',
    /the claim shop-r\/data is restored from the copy .*snapshot snap-1 not found/,
  );
  assert.equal((claim.spec as Record<string, unknown>).dataSource, undefined);
  // The VolumeSnapshot and content made for it were removed again.
  assert.ok(kube.asked.some((line) => line.startsWith('DELETE ') && line.includes('/volumesnapshots/')));

  // Without mover settings the copy cannot be used either: the claim fails by name.
  const bare = prepared();
  applyChoice(bare.volume, chooseSource(bare.volume, sameCluster()));
  const refused = await restorer(
    new Target({ holdsSnapshot: true, snapshotLost: true }),
    bare.volume,
    [],
    false,
  ).beforeClaims();
  assert.match(
    refused.get('shop/data') ?? '',
    /the data of claim shop-r\/data is in the location's volume repository/,
  );
});
