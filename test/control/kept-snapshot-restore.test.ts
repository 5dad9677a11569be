/**
 * A backup that copies its volume's data and keeps its CSI snapshot (keepVolumeSnapshots), taken and restored
 * through the control plane against the test bed (two clusters with a node and CSI storage each, MinIO): the
 * dry run into the cluster it was taken of says the claim comes from the kept snapshot, and the restore makes
 * it so — no mover pod in the target namespace, the same files; into the other cluster, the dry run and the
 * restore use the copy, filled by a mover pod, with the same files. Asked for volume source `copy`, the
 * cluster that holds the snapshot is filled from the copy; asked for `snapshot`, the other cluster fails the
 * claim by name and makes none, and the restore is PartiallyFailed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  minioLocationBody,
  registerClusters,
  startTestPlane,
  type TestPlane,
  untilFinished,
} from '../support/control.ts';
import { kubectl, uniqueName } from '../support/kube.ts';
import {
  applyIn,
  checksumScript,
  claimWithFiles,
  type NodeCluster,
  nodeCluster,
  podObject,
  podOutput,
  podsSeen,
} from '../support/volumes.ts';
import { type TestbedEnv, useTestbedWithNodes } from '../testbed/index.ts';

type Json = Record<string, unknown>;
interface VolumeView {
  namespace: string;
  pvc: string;
  phase: string;
  source?: string;
  sourceReason?: string;
  reason?: string;
  repositorySnapshot?: string;
}
interface PlanView {
  volumes: (VolumeView & { verdict: string })[];
}
interface RestoreView extends Json {
  id: string;
  phase: string;
  volumes: VolumeView[];
  warnings: Json;
  errors: Json;
  options: { volumeSource?: string };
}

describe('a backup that kept its CSI snapshot beside the copy, restored through the control plane', () => {
  let env: TestbedEnv;
  let a: NodeCluster;
  let b: NodeCluster;
  let t: TestPlane;
  let ns = '';
  let checksums = '';
  let backupId = '';
  const project = uniqueName('kept-restore');
  const prefix = uniqueName('kept-restore');
  const p = `/projects/${project}`;
  const call = <T = Json>(method: string, path: string, body?: unknown) =>
    t.api.call<T>(method, path, t.adminToken, body);

  before(async () => {
    env = await useTestbedWithNodes();
    a = nodeCluster(env, 0);
    b = nodeCluster(env, 1);
    assert.ok(env.images && env.s3.podEndpoint);
    t = await startTestPlane('embedded', { env: { LIFEBOAT_MOVER_IMAGE: env.images.lifeboat } });
    assert.equal((await call('POST', '/projects', { name: project })).status, 201);
    const location = await call('POST', `${p}/locations`, {
      ...minioLocationBody(env, 'minio', prefix),
      copyVolumeData: true,
      moverEndpoint: env.s3.podEndpoint,
    });
    assert.equal(location.status, 201, location.text);
    await registerClusters(t, project, { a, b });
    ({ ns, checksums } = await claimWithFiles(env, a, 'kept', {
      'a.txt': 'kept and copied',
      'd/b.txt': 'b',
    }));
    const started = await call<{ id: string }>('POST', `${p}/clusters/a/backups`, {
      name: uniqueName('kept'),
      location: 'minio',
      namespaces: [ns],
      includeDisks: true,
      keepVolumeSnapshots: true,
    });
    assert.equal(started.status, 202, started.text);
    const done = await untilFinished<Json & { phase: string; errors: Json }>(
      t,
      `${p}/backups/${started.body.id}`,
    );
    assert.equal(done.phase, 'Completed', JSON.stringify(done.errors));
    backupId = started.body.id;
  });

  after(async () => {
    if (backupId) await call('DELETE', `${p}/backups/${backupId}`).catch(() => undefined);
    await t?.close();
    if (env) {
      await kubectl(env, a, ['delete', 'namespace', ns, `${ns}-s`, '--wait=false', '--ignore-not-found']);
      await kubectl(env, a, ['delete', 'namespace', `${ns}-c`, '--wait=false', '--ignore-not-found']);
      await kubectl(env, b, [
        'delete',
        'namespace',
        `${ns}-o`,
        `${ns}-n`,
        '--wait=false',
        '--ignore-not-found',
      ]);
    }
  });

  const restoreInto = async (cluster: 'a' | 'b', targetNs: string, more: Json = {}) => {
    const body = { backup: backupId, targetCluster: cluster, namespaceMappings: { [ns]: targetNs }, ...more };
    const plan = await call<PlanView>('POST', `${p}/restores/plan`, body);
    assert.equal(plan.status, 200, plan.text);
    const created = await call<{ id: string }>('POST', `${p}/restores`, body);
    assert.equal(created.status, 202, created.text);
    const started = Date.now();
    const done = await untilFinished<RestoreView>(t, `${p}/restores/${created.body.id}`);
    return { plan: plan.body, done, ms: Date.now() - started };
  };

  test('into the cluster that holds the snapshot: planned and made from it, no mover pod, the same files', async (c) => {
    const { plan, done, ms } = await restoreInto('a', `${ns}-s`);
    const [planned] = plan.volumes;
    assert.equal(planned?.source, 'snapshot', JSON.stringify(plan.volumes));
    assert.equal(planned?.verdict, 'restore');
    assert.match(planned?.sourceReason ?? '', /the target holds it/);
    assert.equal(done.phase, 'Completed', JSON.stringify(done));
    const [volume] = done.volumes;
    assert.equal(volume?.source, 'snapshot', JSON.stringify(done.volumes));
    assert.equal(volume?.phase, 'Bound');
    assert.equal(volume?.repositorySnapshot, undefined);
    assert.deepEqual(await podsSeen(env, a, `${ns}-s`), [], 'no mover pod ran in the target namespace');
    await applyIn(env, a, `${ns}-s`, [podObject(env, 'reader', checksumScript, 'data')]);
    assert.equal(await podOutput(env, a, `${ns}-s`, 'reader'), checksums);
    c.diagnostic(`restore from the kept snapshot through the control plane: ${ms} ms to Completed`);
  });

  test('into the other cluster: planned and filled from the copy, the same files', async (c) => {
    const { plan, done, ms } = await restoreInto('b', `${ns}-o`);
    const [planned] = plan.volumes;
    assert.equal(planned?.source, 'copy', JSON.stringify(plan.volumes));
    assert.equal(planned?.verdict, 'restore');
    assert.match(planned?.sourceReason ?? '', /the target has no VolumeSnapshotContent/);
    assert.equal(done.phase, 'Completed', JSON.stringify(done));
    const [volume] = done.volumes;
    assert.equal(volume?.source, 'copy', JSON.stringify(done.volumes));
    assert.equal(volume?.phase, 'Bound');
    assert.match(volume?.repositorySnapshot ?? '', /^[0-9a-f]{64}$/);
    await applyIn(env, b, `${ns}-o`, [podObject(env, 'reader', checksumScript, 'data')]);
    assert.equal(await podOutput(env, b, `${ns}-o`, 'reader'), checksums);
    c.diagnostic(`restore from the copy through the control plane: ${ms} ms to Completed`);
  });
  test('volume source copy, into the cluster that holds the snapshot: filled from the copy, the same files', async () => {
    const { plan, done } = await restoreInto('a', `${ns}-c`, { volumeSource: 'copy' });
    const [planned] = plan.volumes;
    assert.equal(planned?.source, 'copy', JSON.stringify(plan.volumes));
    assert.equal(planned?.verdict, 'restore');
    assert.match(planned?.sourceReason ?? '', /the restore was asked for volume source "copy"/);
    assert.equal(done.phase, 'Completed', JSON.stringify(done));
    assert.equal(done.options.volumeSource, 'copy');
    const [volume] = done.volumes;
    assert.equal(volume?.source, 'copy', JSON.stringify(done.volumes));
    assert.equal(volume?.phase, 'Bound');
    assert.match(volume?.repositorySnapshot ?? '', /^[0-9a-f]{64}$/);
    assert.ok(
      (await podsSeen(env, a, `${ns}-c`)).some((pod) => pod.startsWith('lb-m')),
      'a mover pod filled the claim',
    );
    await applyIn(env, a, `${ns}-c`, [podObject(env, 'reader', checksumScript, 'data')]);
    assert.equal(await podOutput(env, a, `${ns}-c`, 'reader'), checksums);
  });

  test('volume source snapshot, into the other cluster: the claim fails by name and none is made', async () => {
    const into = `${ns}-n`;
    const { plan, done } = await restoreInto('b', into, { volumeSource: 'snapshot' });
    const refusal = new RegExp(
      `^the claim ${into}/data is not restored: the restore was asked for volume source "snapshot" .* the target has no VolumeSnapshotContent`,
    );
    const [planned] = plan.volumes;
    assert.equal(planned?.verdict, 'fail', JSON.stringify(plan.volumes));
    assert.match(planned?.reason ?? '', refusal);
    assert.equal(done.phase, 'PartiallyFailed', JSON.stringify(done));
    assert.equal(done.options.volumeSource, 'snapshot');
    const [volume] = done.volumes;
    assert.equal(volume?.phase, 'Failed', JSON.stringify(done.volumes));
    assert.match(volume?.reason ?? '', refusal);
    assert.match(JSON.stringify(done.errors), new RegExp(`the claim ${into}/data is not restored`));
    assert.equal((await kubectl(env, b, ['get', 'pvc', '-n', into, '-o', 'name'])).trim(), '');
  });
});
