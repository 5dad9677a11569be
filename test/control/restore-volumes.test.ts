/**
 * Restoring claims from CSI snapshots through the control plane's API, against a test-bed cluster with a node
 * and the CSI hostpath driver: a backup with disks of a pod's claim is planned into the same cluster under a
 * namespace mapping (plan.volumes: the claim, its snapshot, driver and class, restorable; onto a class of
 * another driver, refused with the data mover named), then restored with volumeTimeoutMs: the restore's GET
 * and its progress events carry `volumes` with the claim Bound, and a pod reads the same files back.
 * volumeTimeoutMs out of 10 s .. 1 h is refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { kubeconfigText, minioLocationBody, startTestPlane, type TestPlane } from '../support/control.ts';
import { apply, eventually, kubectl, uniqueName } from '../support/kube.ts';
import {
  applyIn,
  checksumScript,
  claimWithFiles,
  driverHasSnapshot,
  type NodeCluster,
  podObject,
  podOutput,
} from '../support/volumes.ts';
import { type TestbedCluster, type TestbedEnv, useTestbedWithNodes } from '../testbed/index.ts';

type Json = Record<string, unknown>;
interface VolumeProgress {
  namespace: string;
  pvc: string;
  volumeSnapshot: string;
  snapshotHandle?: string;
  driver?: string;
  storageClass?: string;
  phase: string;
  reason?: string;
}
interface RestoreView {
  id: string;
  name: string;
  phase: string;
  volumes: VolumeProgress[];
  errors: Json;
}
interface PlanView {
  items: { groupResource: string; namespace?: string; name: string; serverVerdict?: string }[];
  volumes: Json[];
  counts: { rejected: number };
}

/** The events of a server-sent stream: `event:` and `data:` of each block. */
function parseEvents(text: string): { event: string; data: string }[] {
  return text
    .split(/\n\n+/)
    .map((block) => {
      const lines = block.split('\n');
      const event =
        lines
          .find((line) => line.startsWith('event:'))
          ?.slice(6)
          .trim() ?? 'message';
      const data = lines
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n');
      return { event, data };
    })
    .filter((entry) => entry.data !== '');
}

describe('restoring snapshotted claims through the API', () => {
  let env: TestbedEnv;
  let cluster: NodeCluster;
  let t: TestPlane;
  let ns = '';
  let checksums = '';
  let backupId = '';
  let handle = '';
  const target = uniqueName('rv-copy');
  const otherClass = uniqueName('elsewhere');
  const project = uniqueName('restore-volumes');
  const p = `/projects/${project}`;
  const call = <T = Json>(method: string, path: string, body?: unknown) =>
    t.api.call<T>(method, path, t.adminToken, body);
  const request = (extra: Json = {}) => ({
    backup: backupId,
    targetCluster: 'prod',
    namespaceMappings: { [ns]: target },
    ...extra,
  });

  before(async () => {
    env = await useTestbedWithNodes();
    const first = env.clusters[0] as TestbedCluster;
    assert.ok(first.node && env.images, 'the test bed has no nodes: start it without --no-nodes');
    cluster = { ...first, node: first.node };
    ({ ns, checksums } = await claimWithFiles(env, cluster, 'rv', {
      'a.txt': 'restored through the API',
      'dir/b.txt': 'second file',
    }));
    await apply(env, cluster, [
      {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: { name: otherClass },
        provisioner: 'elsewhere.example.com',
      },
    ]);
    t = await startTestPlane('embedded');
    assert.equal((await call('POST', '/projects', { name: project })).status, 201);
    const location = await call('POST', `${p}/locations`, minioLocationBody(env, 'minio', uniqueName('rv')));
    assert.equal(location.status, 201, location.text);
    const registered = await call('POST', `${p}/clusters`, {
      name: 'prod',
      kubeconfig: kubeconfigText(cluster),
    });
    assert.equal(registered.body.health, 'Healthy', registered.text);
    const started = await call<{ id: string }>('POST', `${p}/clusters/prod/backups`, {
      name: uniqueName('rv'),
      location: 'minio',
      namespaces: [ns],
      includeDisks: true,
    });
    assert.equal(started.status, 202, started.text);
    backupId = started.body.id;
    const done = await eventually(
      'the backup to finish',
      async () => {
        const view = await call<{
          phase: string;
          volumes: { items: { pvc: string; snapshotHandle: string }[] };
        }>('GET', `${p}/backups/${backupId}`);
        return ['Completed', 'PartiallyFailed', 'Failed'].includes(view.body.phase) ? view.body : undefined;
      },
      180_000,
    );
    assert.equal(done.phase, 'Completed', JSON.stringify(done));
    handle = done.volumes.items.find((item) => item.pvc === 'data')?.snapshotHandle ?? '';
    assert.ok(handle, JSON.stringify(done.volumes));
  });

  after(async () => {
    if (t && backupId) {
      // Deleting the backup deletes its snapshot from the driver's storage.
      await call('DELETE', `${p}/backups/${backupId}`);
      await eventually(
        'the backup to be deleted',
        async () => ((await call('GET', `${p}/backups/${backupId}`)).status === 404 ? true : undefined),
        180_000,
      ).catch(() => undefined);
    }
    await t?.close();
    if (env && cluster) {
      for (const name of [ns, target].filter(Boolean))
        await kubectl(env, cluster, ['delete', 'namespace', name, '--wait=false', '--ignore-not-found']);
      await kubectl(env, cluster, ['delete', 'storageclass', otherClass, '--ignore-not-found']);
      if (handle)
        assert.equal(await driverHasSnapshot(cluster, handle), false, 'the snapshot went with its backup');
    }
  });

  test('the plan lists the claim made from its snapshot; onto a class of another driver it is refused, naming the data mover', async () => {
    const [defaultClass] = cluster.node.storageClasses;
    assert.ok(defaultClass);
    const planned = await call<PlanView>('POST', `${p}/restores/plan`, request());
    assert.equal(planned.status, 200, planned.text);
    assert.deepEqual(planned.body.volumes, [
      {
        namespace: target,
        pvc: 'data',
        mappedFrom: ns,
        size: '10Mi',
        storageClass: defaultClass,
        volumeSnapshot: planned.body.volumes[0]?.volumeSnapshot,
        source: 'snapshot',
        snapshotHandle: handle,
        driver: cluster.node.csiDriver,
        classDriver: cluster.node.csiDriver,
        driverInstalled: true,
        matchingClass: true,
        verdict: 'restore',
      },
    ]);
    assert.match(String(planned.body.volumes[0]?.volumeSnapshot), /\S/);

    const refused = await call<PlanView>(
      'POST',
      `${p}/restores/plan`,
      request({ storageClassMappings: { [defaultClass]: otherClass } }),
    );
    assert.equal(refused.status, 200, refused.text);
    const [volume] = refused.body.volumes;
    assert.equal(volume?.verdict, 'fail');
    assert.equal(volume?.storageClass, otherClass);
    assert.equal(volume?.storageClassMappedFrom, defaultClass);
    assert.equal(volume?.classDriver, 'elsewhere.example.com');
    assert.equal(volume?.matchingClass, false);
    assert.match(String(volume?.reason), /"copy volume data to the backup location" \(the data mover\)/);
    const claim = refused.body.items.find((item) => item.groupResource === 'persistentvolumeclaims');
    assert.match(String(claim?.serverVerdict), /^rejected by Lifeboat: /);
    assert.ok(refused.body.counts.rejected >= 1);
  });

  test('volumeTimeoutMs out of 10 s .. 1 h is refused, naming the field', async () => {
    for (const volumeTimeoutMs of [5_000, 2 * 3_600_000, 1.5]) {
      const answer = await call<{ error: { name: string; issues: { path: string }[] } }>(
        'POST',
        `${p}/restores`,
        request({ volumeTimeoutMs }),
      );
      assert.equal(answer.status, 400, answer.text);
      assert.ok(
        answer.body.error.issues.some((issue) => issue.path === 'volumeTimeoutMs'),
        answer.text,
      );
    }
  });

  test('the restore brings the claim back Bound: in its GET and its progress events, and the files are the same', async (t) => {
    const started = Date.now();
    const created = await call<RestoreView>('POST', `${p}/restores`, request({ volumeTimeoutMs: 120_000 }));
    assert.equal(created.status, 202, created.text);
    assert.deepEqual(created.body.volumes, [], 'queued: no volume yet');
    // The stream ends once the restore does: its whole text is the events.
    const stream = await call<string>('GET', `${p}/restores/${created.body.id}/events`);
    assert.equal(stream.status, 200, stream.text);
    t.diagnostic(`restored in ${Date.now() - started} ms`);
    const events = parseEvents(stream.text);
    const progress = events
      .filter((entry) => entry.event === 'progress')
      .map((entry) => JSON.parse(entry.data) as RestoreView);
    assert.ok(progress.length > 0, stream.text.slice(0, 2000));
    const phases = progress.map((view) => view.volumes.map((volume) => volume.phase).join(',') || '-');
    t.diagnostic(`volume phases in progress events: ${phases.join(' → ')}`);
    const last = progress.at(-1);
    assert.equal(last?.phase, 'Completed', JSON.stringify(last?.errors));
    assert.equal(last?.volumes[0]?.phase, 'Bound', JSON.stringify(last?.volumes));
    assert.ok(
      progress.every((view) => view.volumes.every((volume) => volume.phase !== 'Failed')),
      'no volume failed on the way',
    );
    const end = events.find((entry) => entry.event === 'end');
    assert.ok(end, 'the stream ends with `end`');
    assert.equal((JSON.parse(end.data) as RestoreView).volumes[0]?.phase, 'Bound');

    const view = await call<RestoreView>('GET', `${p}/restores/${created.body.id}`);
    assert.equal(view.body.phase, 'Completed');
    assert.deepEqual(view.body.volumes, [
      {
        namespace: target,
        pvc: 'data',
        volumeSnapshot: view.body.volumes[0]?.volumeSnapshot,
        source: 'snapshot',
        snapshotHandle: handle,
        driver: cluster.node.csiDriver,
        storageClass: cluster.node.storageClasses[0],
        phase: 'Bound',
      },
    ]);
    const listed = await call<RestoreView[]>('GET', `${p}/restores`);
    assert.equal(listed.body.find((r) => r.id === created.body.id)?.volumes[0]?.phase, 'Bound');

    await applyIn(env, cluster, target, [podObject(env, 'reader', checksumScript, 'data')]);
    assert.equal(await podOutput(env, cluster, target, 'reader'), checksums, 'the same files, byte for byte');
  });
});
