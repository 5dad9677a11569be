/**
 * The volume repository on the test bed's MinIO (through the S3 provider) and, for comparison in the same
 * run, on file://: the set of files (a 200 MiB random file, 2,000 small files, nested dirs, a
 * symlink, a hard link, modes 0600/0755, an empty dir, a non-root owner) round-trips, check --read-data
 * passes, the location holds only `plugins/` (a folder Velero accepts), and throughput is reported.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type ObjectStore, openObjectStore, parseLocation } from '../../src/storage/index.ts';
import {
  backupDirectory,
  checkRepository,
  openRepository,
  repositoryStats,
  restoreSnapshot,
} from '../../src/volumes/repository/index.ts';
import { buildTree, compareTrees } from '../../src/volumes/repository/testing.ts';
import { uniqueName } from '../support/kube.ts';
import { minioCredentials, minioLocationUrl, type TestbedEnv, useTestbed } from '../testbed/index.ts';

const MiB = 1024 * 1024;
const bigBytes = 200 * MiB;
let env: TestbedEnv;
let work: string;
let source: string;
const prefix = uniqueName('repo');
const stores: ObjectStore[] = [];

before(async () => {
  env = await useTestbed();
  work = await mkdtemp(join(tmpdir(), 'lb-repo-minio-'));
  source = join(work, 'source');
  await buildTree(source, { bigBytes, smallFiles: 2000 });
});

after(async () => {
  for (const store of stores) {
    const keys: string[] = [];
    for await (const info of store.list('')) keys.push(info.key);
    await store.delete(keys);
    await store.close();
  }
  await rm(work, { recursive: true, force: true });
});

const mibPerSecond = (bytes: number, ms: number) => (bytes / MiB / (ms / 1000)).toFixed(1);

for (const provider of ['MinIO', 'file'] as const) {
  test(`${provider}: 200 MiB and 2,000 small files round-trip, check --read-data passes, only plugins/ is written`, async (t) => {
    const store =
      provider === 'MinIO'
        ? openObjectStore(parseLocation(minioLocationUrl(env, prefix)), {
            s3Credentials: minioCredentials(env),
          })
        : openObjectStore(parseLocation(`file://${join(work, 'bucket')}`));
    stores.push(store);
    const repo = await openRepository(store, 'a secret from the vault', { create: true });

    let cpu = process.cpuUsage();
    let started = performance.now();
    const { snapshotId, manifest } = await backupDirectory(repo, source, {
      tags: { cluster: 'a', namespace: 'shop', pvc: 'data', backup: 'nightly' },
    });
    let ms = performance.now() - started;
    let used = process.cpuUsage(cpu);
    const logical = manifest.stats.logicalBytes;
    t.diagnostic(
      `${provider} backup: ${mibPerSecond(logical, ms)} MiB/s (${(ms / 1000).toFixed(1)} s, ` +
        `${((used.user + used.system) / 1e6).toFixed(1)} s CPU) for ${(logical / MiB).toFixed(0)} MiB, ` +
        `${manifest.stats.files} files; uploaded ${(manifest.stats.newBytes / MiB).toFixed(1)} MiB`,
    );
    assert.equal(manifest.stats.files, 2009);
    assert.deepEqual(manifest.skipped, []);

    const target = join(work, `restored-${provider}`);
    cpu = process.cpuUsage();
    started = performance.now();
    const result = await restoreSnapshot(repo, snapshotId, target);
    ms = performance.now() - started;
    used = process.cpuUsage(cpu);
    t.diagnostic(
      `${provider} restore: ${mibPerSecond(result.bytes, ms)} MiB/s (${(ms / 1000).toFixed(1)} s, ` +
        `${((used.user + used.system) / 1e6).toFixed(1)} s CPU)`,
    );
    assert.deepEqual(result.problems, []);
    assert.deepEqual(await compareTrees(source, target), []);

    const check = await checkRepository(repo, { readData: true });
    assert.deepEqual(check.errors, []);
    const stats = await repositoryStats(repo);
    t.diagnostic(`${provider} stats: ${JSON.stringify(stats)}`);
    assert.ok(stats.storedBytes < stats.logicalBytes);
    // Velero's location validation refuses unknown top-level folders; plugins/ is one of its own.
    assert.deepEqual(await store.listPrefixes(''), ['plugins']);
    await rm(target, { recursive: true, force: true });
  });
}
