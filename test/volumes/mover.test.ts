/**
 * The data mover against real clusters (a node and CSI hostpath storage each) and a real MinIO: a backup
 * that copies volume data runs a mover pod of the Lifeboat image per volume, which reads a temporary claim
 * made from the snapshot and stores its files in the location's repository — encrypted, deduplicated,
 * incremental —; a mover killed mid-upload fails its volume alone and leaves the repository sound;
 * forgetting and pruning frees what no snapshot uses. (The round trip of these files into another cluster
 * and class through a restore is test/restore/moved-volumes.test.ts.)
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { backupKeys, decodeVolumeInfo, type VolumeInfo } from '../../src/archive/index.ts';
import { type BackupProgress, runBackup } from '../../src/backup/index.ts';
import type { KubeClient } from '../../src/kube/index.ts';
import { getBuffer, type ObjectStore } from '../../src/storage/index.ts';
import {
  checkRepository,
  forgetSnapshots,
  type MoverSettings,
  openRepository,
  pruneRepository,
} from '../../src/volumes/index.ts';
import { createNamespace, kubectl, uniqueName } from '../support/kube.ts';
import {
  applyIn,
  claimObject,
  type EngineBed,
  type NodeCluster,
  nodeCluster,
  openEngineBed,
  podObject,
  podOutput,
  podStoreInput,
} from '../support/volumes.ts';
import { type TestbedEnv, useTestbedWithNodes } from '../testbed/index.ts';

const MiB = 1024 * 1024;
const marker = `lifeboat-plaintext-marker-${randomBytes(8).toString('hex')}`;

let env: TestbedEnv;
let bed: EngineBed<readonly [NodeCluster]>;
let a: NodeCluster;
let kubeA: KubeClient;
let store: ObjectStore;
let mover: MoverSettings;
let prefix: string;
const namespaces: string[] = [];

before(async () => {
  env = await useTestbedWithNodes();
  prefix = uniqueName('mover');
  bed = await openEngineBed(env, [nodeCluster(env, 0)], prefix);
  ({
    clusters: [a],
    kubes: [kubeA],
    store,
  } = bed);
  assert.ok(env.s3.podEndpoint && env.images, 'the test bed has no nodes');
  mover = {
    image: env.images.lifeboat,
    // The location as the control plane stores it, at the address pods reach MinIO at.
    store: await podStoreInput(env, prefix),
    secret: randomBytes(32),
    timeoutMs: 5 * 60_000,
    pollIntervalMs: 500,
  };
});

after(() => bed?.close(namespaces));

/** Files of many kinds: a random file, 2,000 small files, nested and empty dirs, links, modes, an owner. */
const writeScript = `set -e
cd /data
mkdir -p dir/sub/deep empty
dd if=/dev/urandom of=big.bin bs=1048576 count=48 2>/dev/null
i=0; while [ $i -lt 2000 ]; do echo "small file $i" > dir/sub/f$i.txt; i=$((i+1)); done
echo "${marker}" > dir/marker.txt
echo deep > dir/sub/deep/file
ln -s dir/marker.txt link
ln dir/marker.txt dir/hard.txt
chmod 0600 dir/marker.txt
chmod 0755 dir/sub
echo owned > owned.txt
chown 1234:5678 owned.txt
touch -d '2020-01-02 03:04:05' dir/sub/deep/file
sync`;

async function volumeInfo(name: string): Promise<VolumeInfo[]> {
  return decodeVolumeInfo(await store.get(backupKeys(name).volumeInfo));
}

async function backUp(ns: string, onProgress?: (progress: BackupProgress) => void) {
  const name = uniqueName('moved');
  const outcome = await runBackup({
    name,
    kube: kubeA,
    store,
    includeNamespaces: [ns],
    includeDisks: true,
    moveData: { ...mover, cluster: 'a' },
    ...(onProgress ? { onProgress } : {}),
  });
  return { name, outcome };
}

/** The uid of the backup mover pod in `ns`; empty when there is none. */
async function moverPodUid(ns: string): Promise<string> {
  return (
    await kubectl(env, a, [
      'get',
      'pods',
      '-n',
      ns,
      '-l',
      'lifeboat.io/mover=backup',
      '-o',
      'jsonpath={.items[0].metadata.uid}',
    ])
  ).trim();
}

/**
 * Kills the mover process of the pod `uid` with SIGKILL, as the kernel's OOM killer or a lost node would
 * (deleting the pod object would let the process run on until the kubelet stops it). Its processes are found
 * by the pod's uid in their cgroup (kubelet's cgroupfs driver names the pod's cgroup after it). Returns how
 * many processes it killed.
 */
async function killMover(uid: string): Promise<number> {
  if (!uid) return 0;
  let killed = 0;
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cgroup = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '');
    if (!cgroup.includes(uid)) continue;
    const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!command.includes('mover')) continue;
    process.kill(Number(pid), 'SIGKILL');
    killed++;
  }
  return killed;
}

/** Objects under the repository's data/: its packs. */
async function packCount(): Promise<number> {
  let count = 0;
  for await (const _ of store.list('plugins/lifeboat/repository/data/')) count++;
  return count;
}

async function leftovers(cluster: NodeCluster, ns: string): Promise<string> {
  return (
    await kubectl(env, cluster, [
      'get',
      'pods,secrets,pvc',
      '-n',
      ns,
      '-l',
      'lifeboat.io/mover',
      '-o',
      'name',
    ])
  ).trim();
}

describe('the data mover', () => {
  let ns: string;
  let first: { name: string; snapshotId: string };

  test('a backup copies a volume into the repository and removes its CSI snapshot, the pod, its Secret and the temporary claim', async () => {
    ns = uniqueName('mover');
    namespaces.push(ns);
    await createNamespace(env, a, ns);
    await applyIn(env, a, ns, [
      claimObject('data', { resources: { requests: { storage: '256Mi' } } }),
      podObject(env, 'writer', writeScript, 'data'),
    ]);
    await podOutput(env, a, ns, 'writer', 300_000);
    const copies: string[] = [];
    const { name, outcome } = await backUp(ns, (progress) => {
      for (const copy of progress.volumeCopies ?? []) copies.push(`${copy.phase}:${copy.bytesDone}`);
    });
    assert.equal(outcome.description.phase, 'Completed', JSON.stringify(outcome.errors));
    assert.equal(outcome.description.snapshotMoveData, true);
    const [info] = await volumeInfo(name);
    assert.ok(info?.snapshotDataMoved, 'the volume info says the data was moved');
    assert.equal(info.snapshotDataMovementInfo?.dataMover, 'lifeboat');
    assert.match(info.snapshotDataMovementInfo?.snapshotHandle ?? '', /^[0-9a-f]{64}$/);
    assert.ok((info.snapshotDataMovementInfo?.size ?? 0) >= 48 * MiB);
    assert.equal(info.csiSnapshotInfo, undefined, 'the CSI snapshot was deleted once its data was copied');
    assert.ok(
      copies.includes(`Completed:${info.snapshotDataMovementInfo?.size}`),
      copies.slice(-3).join(' '),
    );
    assert.equal(await leftovers(a, ns), '', 'no mover pod, Secret or temporary claim is left');
    const contents = await kubectl(env, a, [
      'get',
      'volumesnapshotcontents',
      '-l',
      `lifeboat.io/backup-name=${name}`,
      '-o',
      'name',
    ]);
    assert.equal(contents.trim(), '', 'no snapshot content of the backup is left');
    first = { name, snapshotId: info.snapshotDataMovementInfo?.snapshotHandle ?? '' };
  });

  test('the bucket holds no plaintext of the data and no unwrapped key', async () => {
    const needles = [Buffer.from(marker), mover.secret, Buffer.from(mover.secret.toString('base64'))];
    let files = 0;
    for await (const info of store.list('plugins/lifeboat/repository/')) {
      const bytes = await getBuffer(store, info.key);
      files++;
      for (const needle of needles) assert.equal(bytes.indexOf(needle), -1, `${info.key} holds a plaintext`);
    }
    assert.ok(files > 3, `the repository holds ${files} files`);
  });

  test('a second backup after changing 5% of the data uploads about that much', async (t) => {
    await applyIn(env, a, ns, [
      podObject(
        env,
        'change',
        'dd if=/dev/urandom of=/data/big.bin bs=1048576 count=2 seek=20 conv=notrunc 2>/dev/null && echo changed > /data/dir/sub/f7.txt && sync',
        'data',
      ),
    ]);
    await podOutput(env, a, ns, 'change');
    const { name, outcome } = await backUp(ns);
    assert.equal(outcome.description.phase, 'Completed', JSON.stringify(outcome.errors));
    const [info] = await volumeInfo(name);
    const repo = await openRepository(store, mover.secret);
    const manifest = await repo.loadSnapshot(info?.snapshotDataMovementInfo?.snapshotHandle ?? '');
    t.diagnostic(
      `incremental: ${(manifest.stats.newBytes / MiB).toFixed(1)} MiB uploaded of ${(manifest.stats.logicalBytes / MiB).toFixed(1)} MiB, ${(manifest.stats.readBytes / MiB).toFixed(1)} MiB read, ${manifest.stats.durationMs} ms`,
    );
    assert.ok(
      manifest.stats.newBytes < 12 * MiB,
      `uploaded ${manifest.stats.newBytes} bytes for 2 MiB changed`,
    );
    assert.equal(manifest.parent, first.snapshotId, 'the first backup of the claim is the parent');
  });

  test('a mover pod killed mid-upload fails its volume alone: no manifest for it, the repository checks clean, the next backup works', async () => {
    await applyIn(env, a, ns, [
      podObject(
        env,
        'more',
        'dd if=/dev/urandom of=/data/more.bin bs=1048576 count=160 2>/dev/null && sync',
        'data',
      ),
    ]);
    await podOutput(env, a, ns, 'more', 300_000);
    // Killed once the pod has stored its first new pack, whatever the mover's speed (a kill timed by its
    // progress lines, one a second, came after a 96 MiB copy had ended).
    const packsBefore = await packCount();
    let killed: Promise<number> | undefined;
    let watching: Promise<void> | undefined;
    let done = false;
    const watch = async () => {
      let uid = '';
      while (!done && !uid) {
        uid = await moverPodUid(ns);
        if (!uid) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      while (!done && !killed) {
        if ((await packCount()) > packsBefore) killed = killMover(uid);
        else await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const { name, outcome } = await backUp(ns, (progress) => {
      if (!watching && progress.volumeCopies?.[0]?.phase === 'Copying') watching = watch();
    });
    done = true;
    await watching;
    assert.ok(killed, 'the mover pod was seen storing packs');
    assert.ok((await killed) > 0, 'the mover process was found and killed');
    assert.equal(outcome.description.phase, 'PartiallyFailed');
    const errors = JSON.stringify(outcome.errors);
    assert.match(errors, new RegExp(`${ns}/data`), errors);
    const [info] = await volumeInfo(name);
    assert.equal(info?.snapshotDataMoved, false, 'the volume is recorded as snapshotted only');
    assert.ok(info?.csiSnapshotInfo?.snapshotHandle, 'its CSI snapshot is kept');
    const repo = await openRepository(store, mover.secret);
    const mine = (await repo.snapshots()).filter((entry) => entry.manifest.tags.backup === name);
    assert.deepEqual(mine, [], 'no snapshot manifest of the killed copy');
    const check = await checkRepository(repo);
    assert.deepEqual(check.errors, []);
    const next = await backUp(ns);
    assert.equal(next.outcome.description.phase, 'Completed', JSON.stringify(next.outcome.errors));
    assert.equal(await leftovers(a, ns), '');
  });

  test('forgetting every snapshot but the first and pruning frees their data; check --read-data passes', async (t) => {
    const repo = await openRepository(store, mover.secret);
    const others = (await repo.snapshots())
      .filter((entry) => entry.id !== first.snapshotId)
      .map((entry) => entry.id);
    assert.ok(others.length >= 2);
    await forgetSnapshots(repo, others);
    const pruned = await pruneRepository(repo);
    t.diagnostic(JSON.stringify({ forgot: others.length, ...pruned }));
    t.diagnostic(
      `prune: ${(pruned.deletedBytes / MiB).toFixed(1)} MiB of packs deleted, ${(pruned.writtenBytes / MiB).toFixed(1)} MiB rewritten`,
    );
    assert.ok(
      pruned.deletedBytes > 64 * MiB,
      `deleted ${pruned.deletedBytes} bytes; more.bin alone is 160 MiB`,
    );
    const check = await checkRepository(repo, { readData: true });
    assert.deepEqual(check.errors, []);
  });
});
