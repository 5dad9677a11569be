/**
 * A backup that kept both the CSI snapshot of a claim and a copy of its data (keepVolumeSnapshots), on the
 * test bed: a backup with disks of cluster a (its VolumeSnapshotContent kept, Retain), with its volume info
 * rewritten as the backup side records a copy beside a kept snapshot, the copy being other files written
 * into the location's repository by the library — so the restored files say which source they came from.
 * Restored into cluster a, the claim is made from the kept snapshot: no mover pod, the snapshot's files.
 * Restored into cluster b, which does not hold the snapshot, it is filled from the copy: the copy's files.
 * The dry run says the same, with the reason, before each. A snapshot not ready in time gives way to the
 * copy, with a warning naming the claim. Asked for volume source `copy`, the cluster that holds the snapshot
 * fills the claim from the copy all the same; asked for `snapshot`, the other cluster fails the claim, named,
 * and makes no claim at all (src/restore/volume-choice.ts).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { backupKeys, decodeVolumeInfo, encodeVolumeInfo } from '../../src/archive/index.ts';
import { deleteBackupWithSnapshots, runBackup } from '../../src/backup/index.ts';
import type { KubeClient } from '../../src/kube/index.ts';
import { planRestore, runRestore, type VolumeProgress } from '../../src/restore/index.ts';
import type { ObjectStore } from '../../src/storage/index.ts';
import { backupDirectory, type MoverSettings, openRepository } from '../../src/volumes/index.ts';
import { kubeClient, kubectl, uniqueName } from '../support/kube.ts';
import { checksumsOf, readerLog } from '../support/moved-data.ts';
import {
  applyIn,
  claimWithFiles,
  type EngineBed,
  type NodeCluster,
  nodeCluster,
  openEngineBed,
  podObject,
  podStoreInput,
  podsSeen,
} from '../support/volumes.ts';
import { type TestbedEnv, useTestbedWithNodes } from '../testbed/index.ts';

let env: TestbedEnv;
let bed: EngineBed<readonly [NodeCluster, NodeCluster]>;
let source: NodeCluster;
let other: NodeCluster;
let sourceKube: KubeClient;
let otherKube: KubeClient;
let store: ObjectStore;
let work: string;
const prefix = uniqueName('kept');
const backup = `${prefix}-b`;
/** Deleted from both clusters afterwards. */
const namespaces: string[] = [];
/** The files of the copy (other than the snapshot's, so the restored files say their source). */
const files = {
  'known.txt': `the copy ${randomBytes(6).toString('hex')}`,
  'deep/file': 'y'.repeat(50_000),
};
let kept: Awaited<ReturnType<typeof backupKeepingBoth>>;
let mover: MoverSettings;

before(async () => {
  env = await useTestbedWithNodes();
  bed = await openEngineBed(env, [nodeCluster(env, 0), nodeCluster(env, 1)], prefix);
  ({
    clusters: [source, other],
    kubes: [sourceKube, otherKube],
    store,
  } = bed);
  work = await mkdtemp(join(tmpdir(), 'lb-kept-'));
  // The backup every test restores (one hook: top-level hooks do not wait for each other).
  const secret = randomBytes(32);
  kept = await backupKeepingBoth(files, secret);
  assert.notEqual(checksumsOf(files), kept.snapshotChecksums);
  mover = {
    image: env.images?.lifeboat ?? '',
    store: await podStoreInput(env, prefix),
    secret,
    timeoutMs: 120_000,
    pollIntervalMs: 250,
  };
});

after(async () => {
  // The backup's kept snapshot goes with it, as a user's deletion takes it.
  await bed?.close(namespaces, async () => {
    await deleteBackupWithSnapshots(store, backup, {
      openCluster: () => kubeClient(source),
      clusterDescription: 'cluster a',
    }).catch(() => undefined);
  });
  if (work) await rm(work, { recursive: true, force: true });
});

/** A pod that prints the checksums of /data once it starts, then stays (as test/support/moved-data.ts). */
const readerScript = 'cd /data && find . -type f | sort | xargs sha256sum; echo END; sleep 3600';

/**
 * Backs up claim `data` and its reader pod from `source`, keeping its CSI snapshot, and records `files`
 * (written into the repository) as the copy of its data beside it.
 */
async function backupKeepingBoth(files: Record<string, string>, secret: Buffer) {
  const { ns, checksums: snapshotChecksums } = await claimWithFiles(env, source, prefix, {
    'known.txt': `what the CSI snapshot holds ${randomBytes(4).toString('hex')}`,
  });
  namespaces.push(ns);
  await applyIn(env, source, ns, [podObject(env, 'reader', readerScript, 'data')]);
  const backedUp = await runBackup({
    name: backup,
    kube: sourceKube,
    store,
    includeNamespaces: [ns],
    includeResources: ['persistentvolumeclaims', 'persistentvolumes', 'pods'],
    includeDisks: true,
  });
  assert.equal(backedUp.description.phase, 'Completed', JSON.stringify(backedUp.errors));

  const dir = join(work, backup);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  const repo = await openRepository(store, secret, { create: true });
  const { snapshotId, manifest } = await backupDirectory(repo, dir, { tags: { pvc: 'data' } });

  const key = backupKeys(backup).volumeInfo;
  const info = await decodeVolumeInfo(await store.get(key), key);
  const [entry] = info;
  assert.ok(entry?.csiSnapshotInfo?.vscName, JSON.stringify(info));
  const content = entry.csiSnapshotInfo.vscName;
  const snapshotName = await kubectl(env, source, [
    'get',
    'volumesnapshotcontent',
    content,
    '-o',
    'jsonpath={.spec.volumeSnapshotRef.name}',
  ]);
  // As the backup side records a copy whose snapshot is kept (src/volumes/record.ts).
  entry.snapshotDataMoved = true;
  entry.preserveLocalSnapshot = true;
  entry.snapshotDataMovementInfo = {
    dataMover: 'lifeboat',
    uploaderType: 'lifeboat',
    retainedSnapshot: snapshotName.trim(),
    snapshotHandle: snapshotId,
    size: manifest.stats.logicalBytes,
    phase: 'Completed',
  };
  await store.put(key, encodeVolumeInfo(info), { contentType: 'application/gzip' });
  return { ns, snapshotChecksums, snapshotId, content };
}

/** A restore of the backup into `kube`, its namespace mapped to `targetNs` (deleted afterwards). */
function options(name: string, kube: KubeClient, targetNs: string) {
  namespaces.push(targetNs);
  const [sourceClass] = source.node.storageClasses as [string];
  const otherClass = other.node.storageClasses[0] as string;
  return {
    name: `${backup}-${name}`,
    backupName: backup,
    kube,
    store,
    namespaceMappings: { [kept.ns]: targetNs },
    storageClassMappings: kube === otherKube ? { [sourceClass]: otherClass } : {},
    mover,
  };
}

test('kept snapshot and copy: the cluster that holds the snapshot restores from it, another from the copy', async (t) => {
  const { ns, snapshotChecksums, snapshotId, content } = kept;

  // The cluster that took it: the plan says the kept snapshot and why; the restore runs no mover pod.
  const same = options('same', sourceKube, `${ns}-s`);
  const plannedSame = await planRestore({ ...same, moverAvailable: true });
  const [planSame] = plannedSame.volumes;
  assert.equal(planSame?.source, 'snapshot', JSON.stringify(plannedSame.volumes));
  assert.equal(planSame?.verdict, 'restore');
  assert.match(
    planSame?.reason ?? '',
    new RegExp(`its VolumeSnapshotContent ${content} is the backup's own`),
  );
  const claimRow = plannedSame.items.find((item) => item.groupResource === 'persistentvolumeclaims');
  assert.match(claimRow?.reason ?? '', /made from the CSI snapshot the backup kept/);
  assert.match(claimRow?.serverVerdict ?? '', /^accepted/);

  const seenSame: VolumeProgress[] = [];
  let started = Date.now();
  const restoredSame = await runRestore({ ...same, onVolume: (volume) => seenSame.push(volume) });
  const sameMs = Date.now() - started;
  assert.equal(restoredSame.phase, 'Completed', JSON.stringify(restoredSame.errors));
  const [volumeSame] = restoredSame.volumes;
  assert.equal(volumeSame?.phase, 'Bound', JSON.stringify(restoredSame.volumes));
  assert.equal(volumeSame?.source, 'snapshot');
  assert.equal(volumeSame?.repositorySnapshot, undefined);
  assert.ok(!seenSame.some((volume) => volume.filling), 'no claim was filled');
  assert.doesNotMatch(JSON.stringify(restoredSame.warnings), /restored from the copy/, 'no fallback');
  assert.equal(await readerLog(env, source, `${ns}-s`), snapshotChecksums, "the snapshot's files");
  assert.deepEqual(await podsSeen(env, source, `${ns}-s`), ['reader'], 'no mover pod ran');
  // The kept snapshot stays with its backup; the objects made for the restore are gone.
  await kubectl(env, source, ['get', 'volumesnapshotcontent', content]);
  const madeForRestore = await kubectl(env, source, [
    'get',
    'volumesnapshots',
    '-n',
    `${ns}-s`,
    '-o',
    'name',
  ]);
  assert.equal(madeForRestore.trim(), '');

  // Another cluster: it does not hold the snapshot; the plan says so, and the copy fills the claim.
  const away = options('other', otherKube, `${ns}-o`);
  const plannedAway = await planRestore({ ...away, moverAvailable: true });
  const [planAway] = plannedAway.volumes;
  assert.equal(planAway?.source, 'copy', JSON.stringify(plannedAway.volumes));
  assert.equal(planAway?.verdict, 'restore');
  assert.equal(planAway?.repositorySnapshot, snapshotId);
  assert.match(
    planAway?.reason ?? '',
    new RegExp(
      `not from the CSI snapshot the backup kept: the target has no VolumeSnapshotContent ${content}`,
    ),
  );

  const seenAway: VolumeProgress[] = [];
  started = Date.now();
  const restoredAway = await runRestore({ ...away, onVolume: (volume) => seenAway.push(volume) });
  const awayMs = Date.now() - started;
  assert.equal(restoredAway.phase, 'Completed', JSON.stringify(restoredAway.errors));
  const [volumeAway] = restoredAway.volumes;
  assert.equal(volumeAway?.phase, 'Bound', JSON.stringify(restoredAway.volumes));
  assert.equal(volumeAway?.source, 'copy');
  assert.equal(volumeAway?.repositorySnapshot, snapshotId);
  assert.ok(
    seenAway.some((volume) => volume.filling),
    'the claim was filled by a mover pod',
  );
  assert.equal(await readerLog(env, other, `${ns}-o`), checksumsOf(files), "the copy's files");
  t.diagnostic(
    `restore from the kept snapshot (cluster a): ${sameMs} ms; from the copy (cluster b): ${awayMs} ms`,
  );

  // The cluster that holds it, but its snapshot is not ready in time (a volume timeout of 1 ms): the claim
  // is filled from the copy instead, and a warning names it.
  const late = options('late', sourceKube, `${ns}-l`);
  const restoredLate = await runRestore({ ...late, volumeTimeoutMs: 1 });
  assert.equal(restoredLate.phase, 'Completed', JSON.stringify(restoredLate.errors));
  const [volumeLate] = restoredLate.volumes;
  assert.equal(volumeLate?.phase, 'Bound', JSON.stringify(restoredLate.volumes));
  assert.equal(volumeLate?.source, 'copy');
  assert.match(
    volumeLate?.sourceReason ?? '',
    /could not be used at restore time: .*not ready to use within/,
  );
  assert.match(
    JSON.stringify(restoredLate.warnings.namespaces?.[`${ns}-l`] ?? []),
    new RegExp(`the claim ${ns}-l/data is restored from the copy of its data .* which could not be used`),
  );
  assert.equal(await readerLog(env, source, `${ns}-l`), checksumsOf(files), "the copy's files");
  const leftover = await kubectl(env, source, ['get', 'volumesnapshots', '-n', `${ns}-l`, '-o', 'name']);
  assert.equal(leftover.trim(), '', 'the VolumeSnapshot made for the snapshot was removed');
});

test('volume source copy: the cluster that holds the snapshot fills the claim from the copy', async () => {
  const { ns, snapshotId } = kept;
  const asked = { ...options('copy', sourceKube, `${ns}-c`), volumeSource: 'copy' as const };
  const planned = await planRestore({ ...asked, moverAvailable: true });
  const [plan] = planned.volumes;
  assert.equal(plan?.source, 'copy', JSON.stringify(planned.volumes));
  assert.equal(plan?.verdict, 'restore');
  assert.match(plan?.sourceReason ?? '', /the restore was asked for volume source "copy"/);

  const seen: VolumeProgress[] = [];
  const restored = await runRestore({ ...asked, onVolume: (volume) => seen.push(volume) });
  assert.equal(restored.phase, 'Completed', JSON.stringify(restored.errors));
  const [volume] = restored.volumes;
  assert.equal(volume?.phase, 'Bound', JSON.stringify(restored.volumes));
  assert.equal(volume?.source, 'copy');
  assert.equal(volume?.repositorySnapshot, snapshotId);
  assert.ok(
    seen.some((entry) => entry.filling),
    'a mover pod filled it',
  );
  assert.equal(await readerLog(env, source, `${ns}-c`), checksumsOf(files), "the copy's files");
  const made = await kubectl(env, source, ['get', 'volumesnapshots', '-n', `${ns}-c`, '-o', 'name']);
  assert.equal(made.trim(), '', 'no VolumeSnapshot was made from the kept snapshot');
});

test('volume source snapshot: a cluster that cannot use the kept snapshot fails the claim, named, and makes none', async () => {
  const { ns, content } = kept;
  const into = `${ns}-n`;
  const asked = { ...options('snap', otherKube, into), volumeSource: 'snapshot' as const };
  const planned = await planRestore({ ...asked, moverAvailable: true });
  const [plan] = planned.volumes;
  const refusal = new RegExp(
    `^the claim ${into}/data is not restored: the restore was asked for volume source "snapshot" \\(CSI snapshots only\\), and the snapshot \\S+ the backup kept of it cannot be used here: the target has no VolumeSnapshotContent ${content}`,
  );
  assert.equal(plan?.verdict, 'fail', JSON.stringify(planned.volumes));
  assert.match(plan?.reason ?? '', refusal);
  const row = planned.items.find((item) => item.groupResource === 'persistentvolumeclaims');
  assert.match(row?.serverVerdict ?? '', /^rejected by Lifeboat: the claim .* is not restored/);

  const seen: VolumeProgress[] = [];
  const restored = await runRestore({ ...asked, onVolume: (volume) => seen.push(volume) });
  assert.equal(restored.phase, 'PartiallyFailed', JSON.stringify(restored.errors));
  const [volume] = restored.volumes;
  assert.equal(volume?.phase, 'Failed', JSON.stringify(restored.volumes));
  assert.match(volume?.reason ?? '', refusal);
  const claim = restored.items.find((item) => item.groupResource === 'persistentvolumeclaims');
  assert.equal(claim?.action, 'failed');
  assert.match(
    JSON.stringify(restored.errors.namespaces?.[into] ?? []),
    /the claim .*\/data is not restored/,
  );
  assert.ok(!seen.some((entry) => entry.filling), 'no claim was filled from the copy');
  const claims = await kubectl(env, other, ['get', 'pvc', '-n', into, '-o', 'name']);
  assert.equal(claims.trim(), '', 'no claim was made, empty or not');
  const pods = await podsSeen(env, other, into);
  assert.ok(!pods.some((pod) => pod.startsWith('lb-m')), `no mover pod ran: ${pods.join(', ')}`);
});
