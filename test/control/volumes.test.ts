/**
 * A backup's volumes through the control plane's API, against a test-bed cluster with a node and the CSI
 * hostpath driver: a backup with disks of a namespace with a pod and PVCs lists its CSI volume as snapshotted
 * (and a hostPath one as not, with the reason); deleting it removes its files, then its snapshot (the driver
 * no longer has it); expiry does the same; a backup whose cluster is no longer registered loses its files but
 * stays, Failed, naming the snapshot left in the storage; an unreadable volume info keeps the backup. The CLI
 * in local mode describes the volumes and deletes the snapshot through its kubeconfig, or names it when the
 * cluster cannot be reached.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { backupKeys } from '../../src/archive/index.ts';
import { readBackupVolumeInfo } from '../../src/backup/index.ts';
import { ManualClock } from '../../src/control/index.ts';
import type { KubeClient } from '../../src/kube/index.ts';
import { type ObjectStore, openObjectStore, parseLocation } from '../../src/storage/index.ts';
import { deleteSnapshots, type RetainedSnapshot, retainedSnapshotsOf } from '../../src/volumes/index.ts';
import { lifeboat } from '../support/cli.ts';
import { kubeconfigText, minioLocationBody, startTestPlane, type TestPlane } from '../support/control.ts';
import { eventually, kubeClient, kubectl, uniqueName } from '../support/kube.ts';
import {
  driverHasSnapshot,
  hostPathClaim,
  type NodeCluster,
  nodeCluster,
  writeClaim,
} from '../support/volumes.ts';
import {
  minioCredentials,
  minioLocationUrl,
  type TestbedEnv,
  useTestbedWithNodes,
} from '../testbed/index.ts';

type Json = Record<string, unknown>;
interface Volume {
  namespace: string | null;
  pvc: string | null;
  pv: string | null;
  sizeBytes: number | null;
  state: string;
  driver: string | null;
  snapshotHandle: string | null;
  detail: string | null;
}
interface Detail extends Json {
  id: string;
  name: string;
  phase: string;
  failureReason: string | null;
  deleteFailedAt: string | null;
  volumes: { state: string; reason: string | null; items: Volume[]; snapshotted: number };
}

const hour = 3_600_000;

describe('volumes of backups through the API', () => {
  let env: TestbedEnv;
  let cluster: NodeCluster;
  let t: TestPlane;
  let kube: KubeClient;
  let store: ObjectStore;
  const clock = new ManualClock(new Date());
  const project = uniqueName('disks');
  const prefix = uniqueName('volumes');
  const ns = uniqueName('db');
  const localPv = uniqueName('local-pv');
  /** Snapshots a test leaves on purpose, deleted at the end. */
  const leftovers: RetainedSnapshot[] = [];
  const p = `/projects/${project}`;
  const call = <T = Json>(method: string, path: string, body?: unknown) =>
    t.api.call<T>(method, path, t.adminToken, body);
  const keysOf = async (name: string) => {
    const keys: string[] = [];
    for await (const object of store.list(backupKeys(name).dir)) keys.push(object.key);
    return keys;
  };
  const waitPhase = (id: string, phases: string[]) =>
    eventually(
      `backup ${id} to reach ${phases.join(' or ')}`,
      async () => {
        const answer = await call<Detail>('GET', `${p}/backups/${id}`);
        return phases.includes(answer.body.phase) ? answer.body : undefined;
      },
      180_000,
    );
  const waitGone = (id: string) =>
    eventually(
      `backup ${id} to be deleted`,
      async () => ((await call('GET', `${p}/backups/${id}`)).status === 404 ? true : undefined),
      180_000,
    );
  /** Backs up the test namespace with disks through `clusterName`; resolves to its detail once finished. */
  const backUp = async (clusterName: string, extra: Json = {}) => {
    const started = await call<Detail>('POST', `${p}/clusters/${clusterName}/backups`, {
      name: uniqueName('disks'),
      location: 'minio',
      namespaces: [ns],
      includeDisks: true,
      ...extra,
    });
    assert.equal(started.status, 202, started.text);
    return waitPhase(started.body.id, ['Completed', 'PartiallyFailed', 'Failed']);
  };
  const csiVolume = (detail: Detail) => {
    const volume = detail.volumes.items.find((item) => item.pvc === 'data');
    assert.ok(volume, `the CSI volume is listed: ${JSON.stringify(detail.volumes)}`);
    return volume;
  };

  before(async () => {
    env = await useTestbedWithNodes();
    cluster = nodeCluster(env);
    kube = await kubeClient(cluster);
    store = openObjectStore(parseLocation(minioLocationUrl(env, prefix)), {
      s3Credentials: minioCredentials(env),
    });
    t = await startTestPlane('embedded', { clock });
    assert.equal((await call('POST', '/projects', { name: project })).status, 201);
    const location = await call('POST', `${p}/locations`, minioLocationBody(env, 'minio', prefix));
    assert.equal(location.status, 201, location.text);
    for (const name of ['prod', 'prod-again']) {
      const registered = await call('POST', `${p}/clusters`, { name, kubeconfig: kubeconfigText(cluster) });
      assert.equal(registered.body.health, 'Healthy', registered.text);
    }
    // A pod writing to a PVC of the CSI class (the default), and a PVC bound to a hostPath PV (not CSI).
    await kubectl(env, cluster, ['create', 'namespace', ns]);
    await hostPathClaim(env, cluster, ns, 'logs', localPv);
    await writeClaim(env, cluster, ns, { file: 'known bytes' });
  });

  after(async () => {
    if (kube && leftovers.length > 0) {
      const outcomes = await deleteSnapshots(kube, leftovers, { namespace: 'default' });
      assert.ok(
        outcomes.every((outcome) => outcome.ok),
        JSON.stringify(outcomes),
      );
    }
    await t?.close();
    await store?.close();
    await kube?.close();
    if (env && cluster) {
      await kubectl(env, cluster, ['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
      await kubectl(env, cluster, ['delete', 'pv', localPv, '--wait=false', '--ignore-not-found']);
    }
  });

  let handle = '';
  let first: Detail | undefined;

  test('a backup with disks lists its CSI volume as snapshotted and the hostPath one as not, with the reason', async () => {
    first = await backUp('prod');
    assert.notEqual(first.phase, 'Failed', JSON.stringify(first));
    assert.equal(first.volumes.state, 'listed', JSON.stringify(first.volumes));
    assert.equal(first.volumes.snapshotted, 1);
    const volume = csiVolume(first);
    assert.equal(volume.namespace, ns);
    assert.equal(volume.state, 'snapshotted');
    assert.equal(volume.driver, cluster.node.csiDriver);
    assert.ok(volume.pv, 'the PV is named');
    assert.ok((volume.sizeBytes ?? 0) >= 10 * 1024 * 1024, `size ${volume.sizeBytes}`);
    assert.ok(volume.snapshotHandle);
    handle = volume.snapshotHandle;
    assert.ok(await driverHasSnapshot(cluster, handle), 'the driver holds the snapshot');
    const local = first.volumes.items.find((item) => item.pvc === 'logs');
    assert.ok(local, 'the hostPath volume is listed');
    assert.equal(local.state, 'skipped');
    assert.equal(local.pv, localPv);
    assert.match(String(local.detail), /not a CSI volume/);
    // The list stays the database's: no volumes there.
    const listed = await call<Json[]>('GET', `${p}/backups`);
    assert.equal(listed.body.find((b) => b.id === first?.id)?.volumes, undefined);
  });

  test('DELETE removes the backup files, then its snapshot (the driver no longer has it)', async () => {
    assert.ok(first && handle);
    assert.ok((await keysOf(first.name)).length > 0);
    const deleted = await call<Detail>('DELETE', `${p}/backups/${first.id}`);
    assert.equal(deleted.status, 202, deleted.text);
    await waitGone(first.id);
    assert.deepEqual(await keysOf(first.name), [], 'the files are gone');
    assert.equal(await driverHasSnapshot(cluster, handle), false, 'the snapshot is gone from the driver');
  });

  test('expiry deletes the files and the snapshot too', async () => {
    const backup = await backUp('prod', { expiryHours: 1 });
    assert.notEqual(backup.phase, 'Failed', JSON.stringify(backup));
    const snapshot = csiVolume(backup).snapshotHandle;
    assert.ok(snapshot && (await driverHasSnapshot(cluster, snapshot)));
    clock.set(new Date(Date.now() + 2 * hour));
    try {
      assert.equal(await t.plane.expireBackups(), 1);
    } finally {
      clock.set(new Date());
    }
    await waitGone(backup.id);
    assert.deepEqual(await keysOf(backup.name), []);
    assert.equal(
      await driverHasSnapshot(cluster, snapshot),
      false,
      'the expired backup’s snapshot is gone from the driver',
    );
  });

  test('a backup whose cluster is no longer registered loses its files and stays Failed, naming the snapshot left', async () => {
    const backup = await backUp('prod-again');
    const snapshot = csiVolume(backup);
    assert.ok(snapshot.snapshotHandle);
    leftovers.push(...retainedSnapshotsOf((await readBackupVolumeInfo(store, backup.name)) ?? []));
    assert.equal(leftovers.length, 1);
    assert.equal((await call('DELETE', `${p}/clusters/prod-again`)).status, 204);
    assert.equal((await call('DELETE', `${p}/backups/${backup.id}`)).status, 202);
    const failed = await waitPhase(backup.id, ['Failed']);
    assert.deepEqual(await keysOf(backup.name), [], 'the files are gone');
    assert.ok(failed.deleteFailedAt, 'deleting it again forgets it');
    const reason = String(failed.failureReason);
    assert.match(reason, /1 of its 1 volume snapshot is left in the storage/);
    assert.ok(reason.includes(snapshot.snapshotHandle), reason);
    assert.ok(reason.includes(`driver ${cluster.node.csiDriver}, PVC ${ns}/data`), reason);
    assert.match(reason, /cluster "prod-again" cannot be used to delete it: it is no longer registered/);
    assert.ok(
      await driverHasSnapshot(cluster, snapshot.snapshotHandle),
      'the snapshot is still in the storage',
    );
    assert.equal((await call('DELETE', `${p}/backups/${backup.id}`)).status, 202);
    await waitGone(backup.id);
  });

  test('an unreadable volume info keeps the backup and says so', async () => {
    const backup = await backUp('prod', { includeDisks: false });
    assert.equal(backup.phase, 'Completed', JSON.stringify(backup));
    await store.put(backupKeys(backup.name).volumeInfo, Buffer.from('not gzip'));
    const detail = await call<Detail>('GET', `${p}/backups/${backup.id}`);
    assert.equal(detail.body.volumes.state, 'unreadable');
    assert.match(String(detail.body.volumes.reason), /volume info of backup .* cannot be read/);
    assert.equal((await call('DELETE', `${p}/backups/${backup.id}`)).status, 202);
    const failed = await waitPhase(backup.id, ['Failed']);
    assert.match(String(failed.failureReason), /cannot be read.*the backup was kept/);
    const keys = await keysOf(backup.name);
    assert.ok(keys.includes(backupKeys(backup.name).metadata), 'the files are kept');
    // Deleting again forgets it; the files stay in the location, removed here by hand.
    assert.equal((await call('DELETE', `${p}/backups/${backup.id}`)).status, 202);
    await waitGone(backup.id);
    await store.delete(keys);
  });

  test('the CLI in local mode lists the volumes and deletes the snapshot through its kubeconfig, or names it when the cluster is unreachable', async () => {
    const location = minioLocationUrl(env, prefix);
    const creds = { AWS_ACCESS_KEY_ID: env.s3.accessKeyId, AWS_SECRET_ACCESS_KEY: env.s3.secretAccessKey };
    const cli = (args: string[]) => lifeboat([...args, '--location', location], creds);
    const create = async (name: string) => {
      const made = await cli([
        'backup',
        'create',
        name,
        '--kubeconfig',
        cluster.kubeconfig,
        '--include-namespaces',
        ns,
        '--include-disks',
      ]);
      assert.equal(made.code, 0, made.stderr);
    };
    const name = uniqueName('local');
    await create(name);
    const described = await cli(['backup', 'describe', name]);
    assert.equal(described.code, 0, described.stderr);
    assert.match(described.stdout, /Volumes:\n\s+NAMESPACE\s+PVC\s+PV\s+SIZE\s+SNAPSHOT/);
    assert.match(
      described.stdout,
      new RegExp(
        `${ns}\\s+data\\s+\\S+\\s+[\\d.]+ MiB\\s+snapshotted \\(${cluster.node.csiDriver.replaceAll('.', '\\.')}\\)`,
      ),
    );
    assert.match(
      described.stdout,
      new RegExp(`${ns}\\s+logs\\s+${localPv}\\s+-\\s+not snapshotted: .*not a CSI volume`),
    );
    const json = JSON.parse((await cli(['backup', 'describe', name, '-o', 'json'])).stdout) as {
      volumes: { snapshotted: number; items: Volume[] };
    };
    assert.equal(json.volumes.snapshotted, 1);
    const snapshot = String(json.volumes.items.find((item) => item.pvc === 'data')?.snapshotHandle);
    assert.ok(await driverHasSnapshot(cluster, snapshot));

    const deleted = await cli(['backup', 'delete', name, '--kubeconfig', cluster.kubeconfig, '-o', 'json']);
    assert.equal(deleted.code, 0, deleted.stderr);
    const outcome = JSON.parse(deleted.stdout) as {
      snapshots: { snapshotHandle: string; deleted: boolean }[];
    };
    assert.deepEqual(
      outcome.snapshots.map((s) => [s.snapshotHandle, s.deleted]),
      [[snapshot, true]],
    );
    assert.deepEqual(await keysOf(name), []);
    assert.equal(await driverHasSnapshot(cluster, snapshot), false, 'the snapshot is gone from the driver');

    // A kubeconfig whose API server does not answer: the files go, the snapshot is named as left (exit 3).
    const other = uniqueName('local');
    await create(other);
    const stored = retainedSnapshotsOf((await readBackupVolumeInfo(store, other)) ?? []);
    leftovers.push(...stored);
    const dead = join(tmpdir(), `${uniqueName('dead')}.kubeconfig`);
    writeFileSync(
      dead,
      readFileSync(cluster.kubeconfig, 'utf8').replace(/https:\/\/127\.0\.0\.1:\d+/g, 'https://127.0.0.1:1'),
    );
    try {
      const unreachable = await cli(['backup', 'delete', other, '--kubeconfig', dead]);
      assert.equal(unreachable.code, 3, unreachable.stderr);
      assert.match(unreachable.stdout, /deleted .*0 of 1 volume snapshots deleted/);
      assert.match(
        unreachable.stderr,
        new RegExp(
          `volume snapshot ${stored[0]?.snapshotHandle} \\(driver .*, PVC ${ns}/data\\) is left in the storage: .*could not be reached`,
        ),
      );
    } finally {
      rmSync(dead, { force: true });
    }
    assert.deepEqual(await keysOf(other), []);
    assert.ok(
      await driverHasSnapshot(cluster, String(stored[0]?.snapshotHandle)),
      'the snapshot is still in the storage',
    );
  });
});
