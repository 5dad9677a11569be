/**
 * A restore's volume source (volume-choice.ts): `copy` uses copies only, `snapshot` CSI snapshots only — for
 * a claim whose backup kept both, and for one with a single source — in the rule, the dry run's view and the
 * restore's volume steps alike. volume-choice.test.ts has `auto`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeClient } from '../kube/index.ts';
import { openObjectStore, parseLocation } from '../storage/index.ts';
import { RestoreInputError } from './errors.ts';
import {
  copyOnly,
  prepared,
  repositoryId,
  restorer,
  sameCluster,
  snapshotOnly,
  Target,
} from './kept-volume-testing.ts';
import { planRestore } from './plan.ts';
import { runRestore } from './restore.ts';
import { planVolumes } from './volume-checks.ts';
import { applyChoice, chooseSource, chooseVolumeSources } from './volume-choice.ts';
import { checkVolumeSource } from './volume-source-modes.ts';

const otherCluster = () => ({ ...sameCluster(), contents: new Map() });
const made = (volume: { claim?: unknown }) =>
  (volume.claim as { spec: Record<string, unknown> } | undefined)?.spec.dataSource;

test('copy: a claim with both is filled from its copy, even where its kept snapshot is usable', () => {
  const { volume, claim } = prepared();
  const choice = chooseSource(volume, sameCluster(), 'copy');
  assert.equal(choice.source, 'copy');
  assert.equal(choice.asked, true);
  assert.equal(choice.problem, undefined);
  assert.match(
    choice.reason,
    /^not from the CSI snapshot the backup kept: the restore was asked for volume source "copy"/,
  );
  applyChoice(volume, choice);
  assert.deepEqual(volume.moved, { snapshotId: repositoryId, bytes: 1000 });
  assert.equal(volume.source, undefined);
  assert.equal((claim.spec as Record<string, unknown>).dataSource, undefined, 'made empty for the mover');
});

test('snapshot: a claim with both is made from its kept snapshot where usable, and never gives way', () => {
  const { volume } = prepared();
  const choice = chooseSource(volume, sameCluster(), 'snapshot');
  assert.equal(choice.source, 'snapshot');
  assert.equal(choice.asked, true);
  assert.equal(choice.problem, undefined);
  assert.match(choice.reason, /made from the CSI snapshot the backup kept \(snap-1/);
  assert.match(choice.reason, /the copy .* is not used, even should the snapshot fail/);
  applyChoice(volume, choice);
  assert.equal(volume.problem, undefined);
  assert.deepEqual(made(volume), {
    apiGroup: 'snapshot.storage.k8s.io',
    kind: 'VolumeSnapshot',
    name: volume.sourceName,
  });
});

test('snapshot: where the kept snapshot cannot be used, the claim fails with the reason auto would give', () => {
  const cases: [string, Parameters<typeof chooseSource>[1], RegExp][] = [
    ['another cluster', otherCluster(), /the target has no VolumeSnapshotContent vsc-data/],
    ['not ready', sameCluster({ readyToUse: false }), /vsc-data is not ready to use/],
    ['another object', sameCluster({ uid: 'x' }), /is not the backup's \(uid x/],
  ];
  for (const [what, target, why] of cases) {
    const { volume } = prepared();
    const auto = chooseSource(volume, target);
    const choice = chooseSource(volume, target, 'snapshot');
    assert.equal(choice.source, 'snapshot', what);
    assert.match(auto.reason, why, what);
    assert.match(choice.problem ?? '', why, what);
    assert.ok(
      choice.problem?.includes(auto.reason.replace(/^not from the CSI snapshot the backup kept: /, '')),
    );
    assert.match(
      choice.problem ?? '',
      /^the claim shop-r\/data is not restored: the restore was asked for volume source "snapshot" \(CSI snapshots only\), and the snapshot snap-1 the backup kept of it cannot be used here: /,
      what,
    );
    assert.match(choice.problem ?? '', /restore it with volume source "auto" or "copy"/, what);
    applyChoice(volume, choice);
    assert.equal(volume.moved, undefined, `${what}: not filled from the copy`);
    assert.equal(volume.problem, choice.problem, what);
  }
});

test('a claim with a single source uses it unless the volume source excludes it, then fails by name', async () => {
  const kube = new Target({ holdsSnapshot: true });
  const cases = [
    ['snapshot only, auto', snapshotOnly, 'auto', undefined],
    ['snapshot only, snapshot', snapshotOnly, 'snapshot', undefined],
    [
      'snapshot only, copy',
      snapshotOnly,
      'copy',
      /^the claim shop-r\/data is not restored: the restore was asked for volume source "copy" \(copies in the location's volume repository only\), and the backup has no copy of its data, only its CSI snapshot \(snap-1, driver hostpath\.csi\.k8s\.io\); restore it with volume source "auto" or "snapshot"/,
    ],
    ['copy only, auto', copyOnly, 'auto', undefined],
    ['copy only, copy', copyOnly, 'copy', undefined],
    [
      'copy only, snapshot',
      copyOnly,
      'snapshot',
      /^the claim shop-r\/data is not restored: the restore was asked for volume source "snapshot" \(CSI snapshots only\), and the backup kept no CSI snapshot of it, only the copy of its data in the location's volume repository \(snapshot a1b2c3d4\); restore it with volume source "auto" or "copy"/,
    ],
  ] as const;
  for (const [what, info, mode, refusal] of cases) {
    const { volume } = prepared({ info });
    assert.equal(volume.kept, undefined, what);
    assert.deepEqual(await chooseVolumeSources(kube, [volume], undefined, mode), [], what);
    const [plan] = await planVolumes(kube, [volume], true);
    assert.equal(plan?.source, info === copyOnly ? 'copy' : 'snapshot', what);
    if (refusal === undefined) {
      assert.equal(plan?.verdict, 'restore', `${what}: ${plan?.reason}`);
      continue;
    }
    assert.equal(plan?.verdict, 'fail', what);
    assert.match(plan?.reason ?? '', refusal, what);
    // The restore fails it with the same reason, before anything is made for it.
    const fresh = prepared({ info });
    const target = new Target({ holdsSnapshot: true });
    const refused = await restorer(target, fresh.volume, [], true, mode).beforeClaims();
    assert.match(refused.get('shop/data') ?? '', refusal, what);
    assert.ok(
      target.asked.every((line) => line.startsWith('GET ')),
      `${what}: ${target.asked.join('\n')}`,
    );
  }
});

test('the restore under copy fills a claim with both from its copy, without reading the kept snapshot', async () => {
  const { volume } = prepared();
  const kube = new Target({ holdsSnapshot: true });
  const run = restorer(kube, volume, [], true, 'copy');
  assert.equal((await run.beforeClaims()).size, 0);
  const [entry] = run.list();
  assert.equal(entry?.source, 'copy');
  assert.equal(entry?.repositorySnapshot, repositoryId);
  assert.match(entry?.sourceReason ?? '', /asked for volume source "copy"/);
  assert.match(entry?.reason ?? '', /to be filled from the location's volume repository/);
  assert.ok(
    kube.asked.every((line) => line.startsWith('GET ') && !line.includes('volumesnapshot')),
    kube.asked.join('\n'),
  );
});

test('the restore under snapshot fails a claim whose kept snapshot the target lacks: nothing made, no copy', async () => {
  const { volume } = prepared();
  const warnings: string[] = [];
  const kube = new Target({ holdsSnapshot: false });
  const run = restorer(kube, volume, warnings, true, 'snapshot');
  const refused = await run.beforeClaims();
  assert.match(
    refused.get('shop/data') ?? '',
    /^the claim shop-r\/data is not restored: .*the target has no VolumeSnapshotContent vsc-data/,
  );
  const [entry] = run.list();
  assert.equal(entry?.phase, 'Failed');
  assert.equal(entry?.source, 'snapshot');
  assert.equal(entry?.repositorySnapshot, undefined);
  assert.deepEqual(warnings, []);
  assert.ok(
    kube.asked.every((line) => line.startsWith('GET ')),
    kube.asked.join('\n'),
  );
  assert.deepEqual(await run.fill(), [], 'no claim is filled');
});

test('the restore under snapshot fails a claim whose kept snapshot fails at restore time, naming why', async () => {
  const { volume } = prepared();
  const warnings: string[] = [];
  // The dry run saw it ready; by the restore, the storage has lost it.
  applyChoice(volume, chooseSource(volume, sameCluster(), 'snapshot'));
  const kube = new Target({ holdsSnapshot: true, snapshotLost: true });
  const run = restorer(kube, volume, warnings, true, 'snapshot');
  const refused = await run.beforeClaims();
  assert.match(
    refused.get('shop/data') ?? '',
    /snapshot snap-1 not found; the restore was asked for volume source "snapshot", so the claim is not filled from the copy/,
  );
  assert.deepEqual(warnings, [], 'no fallback');
  assert.equal(run.list()[0]?.source, 'snapshot');
  assert.ok(kube.asked.some((line) => line.startsWith('DELETE ') && line.includes('/volumesnapshots/')));
});

test('a volume source that is none of auto, snapshot, copy is refused, naming the allowed values', () => {
  assert.equal(checkVolumeSource(undefined), 'auto');
  for (const mode of ['auto', 'snapshot', 'copy']) assert.equal(checkVolumeSource(mode), mode);
  for (const bad of ['Copy', 'both', '', 3]) {
    assert.throws(
      () => checkVolumeSource(bad),
      (error: unknown) =>
        error instanceof RestoreInputError &&
        /^invalid volume source .*: give auto .*, snapshot .* or copy /.test(error.message),
    );
  }
});

test('a restore or a dry run with a bad volume source is refused before the cluster or the backup is read', async () => {
  const asked: string[] = [];
  const kube: KubeClient = {
    server: 'https://untouched.test',
    async request(request) {
      asked.push(`${request.method} ${request.path}`);
      throw new Error('not to be asked');
    },
    async close() {},
  };
  const store = openObjectStore(parseLocation('file:///nonexistent/lifeboat-untouched'));
  const request = { name: 'r', backupName: 'b', store, kube, volumeSource: 'both' as 'copy' };
  await assert.rejects(runRestore(request), RestoreInputError);
  await assert.rejects(planRestore(request), RestoreInputError);
  assert.deepEqual(asked, []);
});
