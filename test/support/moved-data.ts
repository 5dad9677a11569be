/**
 * A backup whose volume data "was moved" without running the backup half of the data mover: a backup with
 * disks of a claim holding one file, then a directory of other files written into the location's repository
 * by the library, and the backup's volume info rewritten as the backup side records moved data (dataMover
 * lifeboat, the repository snapshot's id, the CSI snapshot not kept). The restored files then say where they
 * came from: the repository's files, not the CSI snapshot's.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { backupKeys, decodeVolumeInfo, encodeVolumeInfo } from '../../src/archive/index.ts';
import { runBackup } from '../../src/backup/index.ts';
import type { KubeClient } from '../../src/kube/index.ts';
import type { ObjectStore } from '../../src/storage/index.ts';
import { backupDirectory, openRepository } from '../../src/volumes/index.ts';
import type { TestbedEnv } from '../testbed/index.ts';
import { eventually, kubectl } from './kube.ts';
import { applyIn, claimWithFiles, type NodeCluster, podObject } from './volumes.ts';

/** What `find . -type f | sort | xargs sha256sum` prints in a directory holding `files`. */
export function checksumsOf(files: Record<string, string>): string {
  return `${Object.keys(files)
    .map((name) => `./${name}`)
    .sort()
    .map(
      (path) =>
        `${createHash('sha256')
          .update(files[path.slice(2)] ?? '')
          .digest('hex')}  ${path}`,
    )
    .join('\n')}\n`;
}

/** A pod that prints the checksums of /data once it starts, then stays (restored as a running pod). */
const readerScript = 'cd /data && find . -type f | sort | xargs sha256sum; echo END; sleep 3600';

/** What the reader pod restored into `ns` of `cluster` printed: the checksums of its claim's files. */
export function readerLog(env: TestbedEnv, cluster: NodeCluster, ns: string): Promise<string> {
  return eventually(
    `the reader pod in ${ns} to print its checksums`,
    async () => {
      const logs = await kubectl(env, cluster, ['logs', 'reader', '-n', ns]).catch(() => '');
      return logs.includes('END\n') ? logs.replace('END\n', '') : undefined;
    },
    120_000,
  );
}

export interface MovedDataBackup {
  /** The source namespace: claim `data` and pod `reader`. */
  ns: string;
  /** The checksums the CSI snapshot's files give (not what a restore from the repository gives). */
  snapshotChecksums: string;
  snapshotId: string;
  logicalBytes: number;
}

/**
 * Backs up claim `data` and its reader pod from `source` as `backup`, with its data "moved" into the
 * repository of `store` opened with `secret` (created if absent): `files`, written under `work`.
 */
export async function backupWithMovedData(options: {
  env: TestbedEnv;
  source: NodeCluster;
  kube: KubeClient;
  store: ObjectStore;
  prefix: string;
  backup: string;
  work: string;
  files: Record<string, string>;
  secret: Buffer | string;
}): Promise<MovedDataBackup> {
  const { env, source, store, backup } = options;
  const { ns, checksums: snapshotChecksums } = await claimWithFiles(env, source, options.prefix, {
    'known.txt': 'what the CSI snapshot holds',
  });
  await applyIn(env, source, ns, [podObject(env, 'reader', readerScript, 'data')]);
  const backedUp = await runBackup({
    name: backup,
    kube: options.kube,
    store,
    includeNamespaces: [ns],
    includeResources: ['persistentvolumeclaims', 'persistentvolumes', 'pods'],
    includeDisks: true,
  });
  assert.equal(backedUp.description.phase, 'Completed', JSON.stringify(backedUp.errors));
  assert.equal(backedUp.description.volumeSnapshotsCompleted, 1);

  const dir = join(options.work, backup);
  for (const [name, content] of Object.entries(options.files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  const repo = await openRepository(store, options.secret, { create: true });
  const { snapshotId, manifest } = await backupDirectory(repo, dir, { tags: { pvc: 'data' } });
  assert.notEqual(checksumsOf(options.files), snapshotChecksums);

  const key = backupKeys(backup).volumeInfo;
  const info = await decodeVolumeInfo(await store.get(key), key);
  assert.equal(info.length, 1);
  const [entry] = info;
  assert.ok(entry);
  entry.snapshotDataMoved = true;
  entry.preserveLocalSnapshot = false;
  entry.snapshotDataMovementInfo = {
    dataMover: 'lifeboat',
    uploaderType: 'lifeboat',
    retainedSnapshot: '',
    snapshotHandle: snapshotId,
    size: manifest.stats.logicalBytes,
    phase: 'Completed',
  };
  delete entry.csiSnapshotInfo;
  await store.put(key, encodeVolumeInfo(info), { contentType: 'application/gzip' });
  return { ns, snapshotChecksums, snapshotId, logicalBytes: manifest.stats.logicalBytes };
}
