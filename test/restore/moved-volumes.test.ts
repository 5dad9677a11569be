/**
 * The data mover end to end on the test bed: a claim holding files of many kinds (a 200 MiB random file,
 * 2,000 small files, nested dirs, a symlink, a hard link, modes 0600/0755, an empty dir, a non-root owner, an
 * old mtime) in cluster a is backed up with its data copied into the location's repository by a mover pod
 * (its CSI snapshot deleted afterwards), then restored into cluster b under another storage class: the claim
 * is made empty (no data source) and a mover pod fills it. Checked by checksum, mode, owner, size, mtime,
 * link count and link target, against what the same listing said in cluster a.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { backupKeys, decodeVolumeInfo } from '../../src/archive/index.ts';
import { runBackup } from '../../src/backup/index.ts';
import type { KubeClient } from '../../src/kube/index.ts';
import { runRestore, type VolumeProgress } from '../../src/restore/index.ts';
import type { ObjectStore } from '../../src/storage/index.ts';
import type { MoverSettings } from '../../src/volumes/index.ts';
import { kubectl, uniqueName } from '../support/kube.ts';
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

let env: TestbedEnv;
let bed: EngineBed<readonly [NodeCluster, NodeCluster]>;
let source: NodeCluster;
let target: NodeCluster;
let sourceKube: KubeClient;
let targetKube: KubeClient;
let store: ObjectStore;
const prefix = uniqueName('mvd');
/** Deleted from both clusters afterwards. */
const namespaces: string[] = [];
const MiB = 1024 * 1024;

before(async () => {
  env = await useTestbedWithNodes();
  bed = await openEngineBed(env, [nodeCluster(env, 0), nodeCluster(env, 1)], prefix);
  ({
    clusters: [source, target],
    kubes: [sourceKube, targetKube],
    store,
  } = bed);
});

after(() => bed?.close(namespaces));

/** Every entry under /data with its kind, mode, owner, size, mtime and link count or target; then checksums. */
const listingScript = [
  'cd /data',
  'find . -mindepth 1 | sort | while read -r f; do',
  '  if [ -L "$f" ]; then echo "$f link -> $(readlink "$f") $(stat -c %u:%g "$f")";',
  '  elif [ -d "$f" ]; then stat -c "%n dir %a %u:%g" "$f";',
  '  else stat -c "%n file %a %u:%g links=%h size=%s mtime=%Y" "$f"; fi',
  'done',
  '[ hard-a -ef hard-b ] && echo "hard-a and hard-b are one file"',
  'find . -type f | sort | xargs sha256sum',
].join('\n');

/** Writes the files of many kinds, then lists them. */
const writerScript = [
  'set -e',
  'cd /data',
  'mkdir -p deep/er/est empty small',
  `head -c ${200 * MiB} /dev/urandom > big.bin`,
  'i=0; while [ $i -lt 2000 ]; do echo "small file $i" > small/f$i; i=$((i+1)); done',
  'echo "only the owner reads this" > deep/er/private && chmod 0600 deep/er/private',
  "printf '#!/bin/sh\\necho hi\\n' > deep/run.sh && chmod 0755 deep/run.sh",
  "touch -d '2020-01-02 03:04:05' deep/run.sh",
  'ln -s deep/er/private link-to-private',
  'echo shared > hard-a && ln hard-a hard-b',
  'echo owned > deep/er/est/owned && chown 1234:5678 deep/er/est/owned deep/er/est',
  'sync',
  listingScript,
].join('\n');

const mibPerSecond = (bytes: number, ms: number) => (bytes / MiB / (ms / 1000)).toFixed(1);

test('files of many kinds round-trip into the other cluster under another class through the repository', async (t) => {
  const ns = uniqueName(prefix);
  namespaces.push(ns, `${ns}-b`);
  await kubectl(env, source, ['create', 'namespace', ns]);
  await applyIn(env, source, ns, [
    claimObject('data', { resources: { requests: { storage: '400Mi' } } }),
    podObject(env, 'writer', writerScript, 'data'),
  ]);
  const listed = await podOutput(env, source, ns, 'writer', 300_000);
  assert.match(listed, /\.\/deep\/er\/est\/owned file 644 1234:5678 links=1/);
  assert.match(listed, /hard-a and hard-b are one file/);

  const mover: MoverSettings = {
    image: env.images?.lifeboat ?? '',
    store: await podStoreInput(env, prefix),
    secret: randomBytes(32),
    timeoutMs: 600_000,
  };
  const backup = `${prefix}-b`;
  let started = Date.now();
  const backedUp = await runBackup({
    name: backup,
    kube: sourceKube,
    store,
    includeNamespaces: [ns],
    includeResources: ['persistentvolumeclaims', 'persistentvolumes'],
    includeDisks: true,
    moveData: { ...mover, cluster: 'a' },
  });
  const backupMs = Date.now() - started;
  assert.equal(backedUp.description.phase, 'Completed', JSON.stringify(backedUp.errors));
  const key = backupKeys(backup).volumeInfo;
  const [info] = await decodeVolumeInfo(await store.get(key), key);
  const moved = info?.snapshotDataMovementInfo;
  assert.equal(info?.snapshotDataMoved, true, JSON.stringify(info));
  assert.equal(moved?.dataMover, 'lifeboat');
  assert.match(moved?.snapshotHandle ?? '', /^[0-9a-f]{64}$/);
  assert.equal(moved?.retainedSnapshot, '', 'the CSI snapshot was deleted once its data was copied');
  assert.equal(info?.csiSnapshotInfo, undefined);
  const logical = moved?.size ?? 0;
  assert.ok(logical > 200 * MiB, `moved ${logical} bytes`);
  t.diagnostic(
    `backup with its data copied: ${(backupMs / 1000).toFixed(1)} s for ${(logical / MiB).toFixed(0)} MiB (${mibPerSecond(logical, backupMs)} MiB/s end to end)`,
  );

  const [sourceClass] = source.node.storageClasses as [string];
  const otherClass = target.node.storageClasses[1] as string;
  const filling: VolumeProgress[] = [];
  started = Date.now();
  const restored = await runRestore({
    name: `${backup}-r`,
    backupName: backup,
    kube: targetKube,
    store,
    namespaceMappings: { [ns]: `${ns}-b` },
    storageClassMappings: { [sourceClass]: otherClass },
    mover,
    onVolume: (volume) => {
      if (volume.filling) filling.push(volume);
    },
  });
  const restoreMs = Date.now() - started;
  t.diagnostic(
    `restore into cluster b: ${(restoreMs / 1000).toFixed(1)} s (${mibPerSecond(logical, restoreMs)} MiB/s end to end); ${filling.length} progress reports while filling`,
  );
  assert.equal(restored.phase, 'Completed', JSON.stringify(restored.errors));
  assert.deepEqual(
    restored.volumes.map((volume) => [
      volume.pvc,
      volume.phase,
      volume.storageClass,
      volume.repositorySnapshot,
    ]),
    [['data', 'Bound', otherClass, moved?.snapshotHandle]],
  );
  assert.equal(restored.volumes[0]?.bytesTotal, logical);
  const pvc = JSON.parse(
    await kubectl(env, target, ['get', 'pvc', 'data', '-n', `${ns}-b`, '-o', 'json']),
  ) as {
    spec: { dataSource?: unknown; storageClassName?: string };
  };
  assert.equal(pvc.spec.dataSource, undefined);
  assert.equal(pvc.spec.storageClassName, otherClass);

  await applyIn(env, target, `${ns}-b`, [podObject(env, 'checker', listingScript, 'data')]);
  const restoredListing = await podOutput(env, target, `${ns}-b`, 'checker', 300_000);
  assert.equal(restoredListing, listed);
});
