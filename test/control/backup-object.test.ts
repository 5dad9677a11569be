/**
 * One object of a backup through the API, against a test-bed cluster and MinIO: its stored manifest (read
 * from the tarball, checked against the content index) and the live object, which follows the cluster — a
 * changed value, a deleted object (`liveState: absent` with the reason) — while the stored one stays as it was
 * backed up. A Secret's values never leave the server, stored or live, nor kubectl's last-applied copy of
 * them (every answer is searched); which live values differ is said without them. A backup Velero made, found
 * by sync, opens too: no index to check against, no cluster to compare with, both said.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BackupObjectView, BackupView, ContentsView } from '../../src/api/types.ts';
import { type ObjectStore, openObjectStore, parseLocation } from '../../src/storage/index.ts';
import { kubeconfigText, minioLocationBody, startTestPlane, type TestPlane } from '../support/control.ts';
import { apply, eventually, kubectl, uniqueName } from '../support/kube.ts';
import { writeVeleroBackup } from '../support/velero-backup.ts';
import {
  type ClusterEnv,
  minioCredentials,
  minioLocationUrl,
  type TestbedEnv,
  useTestbed,
} from '../testbed/index.ts';

describe('an object of a backup, stored and live', () => {
  let env: TestbedEnv;
  let cluster: ClusterEnv;
  let t: TestPlane;
  let store: ObjectStore;
  let backupId = '';
  const project = uniqueName('objects');
  const prefix = uniqueName('objects');
  const ns = uniqueName('shop');
  const veleroNs = uniqueName('vshop');
  const veleroBackup = uniqueName('velero');
  const password = 'hunter2-is-the-password';
  const rotated = 'rotated-password-value';
  const call = <T = Record<string, unknown>>(method: string, path: string) =>
    t.api.call<T>(method, path, t.adminToken);
  const open = (backup: string, query: Record<string, string>) =>
    call<BackupObjectView>(
      'GET',
      `/projects/${project}/backups/${backup}/object?${new URLSearchParams(query).toString()}`,
    );

  before(async () => {
    env = await useTestbed();
    const [first] = env.clusters;
    assert.ok(first);
    cluster = first;
    t = await startTestPlane('embedded');
    await kubectl(env, cluster, ['create', 'namespace', ns]);
    await apply(env, cluster, [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'settings', namespace: ns },
        data: { color: 'teal', size: 'large' },
      },
    ]);
    // Client-side apply: kubectl keeps the Secret's values in clear in its last-applied annotation.
    await kubectl(
      env,
      cluster,
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'db', namespace: ns },
        stringData: { password, user: 'admin' },
      }),
    );
    assert.equal((await t.api.call('POST', '/projects', t.adminToken, { name: project })).status, 201);
    const location = await t.api.call(
      'POST',
      `/projects/${project}/locations`,
      t.adminToken,
      minioLocationBody(env, 'minio', prefix),
    );
    assert.equal(location.status, 201, location.text);
    const registered = await t.api.call<{ health: string }>(
      'POST',
      `/projects/${project}/clusters`,
      t.adminToken,
      { name: 'prod', kubeconfig: kubeconfigText(cluster) },
    );
    assert.equal(registered.body.health, 'Healthy', registered.text);
    const started = await t.api.call<BackupView>(
      'POST',
      `/projects/${project}/clusters/prod/backups`,
      t.adminToken,
      { location: 'minio', namespaces: [ns] },
    );
    assert.equal(started.status, 202, started.text);
    backupId = started.body.id;
    const ended = await eventually(
      'the backup to finish',
      async () => {
        const view = (await call<BackupView>('GET', `/projects/${project}/backups/${backupId}`)).body;
        return ['Completed', 'PartiallyFailed', 'Failed'].includes(view.phase) ? view : undefined;
      },
      180_000,
    );
    assert.equal(ended.phase, 'Completed', JSON.stringify(ended));
    store = openObjectStore(parseLocation(minioLocationUrl(env, prefix)), {
      s3Credentials: minioCredentials(env),
    });
  });

  after(async () => {
    await t?.close();
    if (store) {
      const keys: string[] = [];
      for await (const object of store.list('')) keys.push(object.key);
      await store.delete(keys);
      await store.close();
    }
    if (env && cluster)
      await kubectl(env, cluster, ['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  test('the contents say each kind’s resource, by which an object is opened', async () => {
    const contents = await call<ContentsView>('GET', `/projects/${project}/backups/${backupId}/contents`);
    const kinds = contents.body.namespaces.find((entry) => entry.namespace === ns)?.kinds ?? [];
    const configMaps = kinds.find((kind) => kind.kind === 'ConfigMap');
    assert.equal(configMaps?.resource, 'configmaps', contents.text);
    assert.ok(configMaps?.items.includes('settings'));
    assert.equal(kinds.find((kind) => kind.kind === 'Secret')?.resource, 'secrets');
  });

  test('a ConfigMap: stored as backed up and checked; live as it is now, changes and all', async () => {
    const ref = { resource: 'configmaps', namespace: ns, name: 'settings' };
    const first = await open(backupId, ref);
    assert.equal(first.status, 200, first.text);
    const view = first.body;
    assert.deepEqual(view.object, {
      group: '',
      resource: 'configmaps',
      namespace: ns,
      name: 'settings',
      apiVersion: 'v1',
      kind: 'ConfigMap',
      path: `resources/configmaps/namespaces/${ns}/settings.json`,
    });
    assert.equal(view.integrity, 'verified');
    assert.equal(view.redacted, false);
    assert.deepEqual(view.stored.data, { color: 'teal', size: 'large' });
    assert.equal(view.cluster?.name, 'prod');
    assert.equal(view.liveState, 'found');
    assert.equal(view.liveReason, null);
    assert.deepEqual(view.live?.data, { color: 'teal', size: 'large' });

    await kubectl(env, cluster, [
      'patch',
      'configmap',
      'settings',
      '-n',
      ns,
      '--type=merge',
      '-p',
      '{"data":{"color":"navy"}}',
    ]);
    const changed = (await open(backupId, ref)).body;
    assert.deepEqual(changed.stored.data, { color: 'teal', size: 'large' }, 'the backup does not change');
    assert.deepEqual(changed.live?.data, { color: 'navy', size: 'large' });

    await kubectl(env, cluster, ['delete', 'configmap', 'settings', '-n', ns]);
    const gone = await open(backupId, ref);
    assert.equal(gone.status, 200, gone.text);
    assert.equal(gone.body.liveState, 'absent');
    assert.equal(gone.body.live, null);
    assert.match(
      String(gone.body.liveReason),
      new RegExp(`cluster "prod" has no configmaps ${ns}/settings: it was deleted`),
    );
  });

  test("a Secret's keys are shown, never its values, stored or live; changed live values are marked", async () => {
    const ref = { resource: 'secrets', namespace: ns, name: 'db' };
    const stored = await open(backupId, ref);
    assert.equal(stored.status, 200, stored.text);
    assert.equal(stored.body.redacted, true);
    assert.deepEqual(stored.body.stored.data, { password: '(redacted)', user: '(redacted)' });
    assert.deepEqual(stored.body.live?.data, { password: '(redacted)', user: '(redacted)' });
    const annotations = (stored.body.stored.metadata as { annotations?: Record<string, string> }).annotations;
    assert.ok(annotations?.['kubectl.kubernetes.io/last-applied-configuration'], 'kubectl kept its copy');

    await kubectl(
      env,
      cluster,
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'db', namespace: ns },
        stringData: { password: rotated, user: 'admin' },
      }),
    );
    const live = (await open(backupId, ref)).body;
    assert.deepEqual(live.live?.data, {
      password: '(redacted: differs from the backup)',
      user: '(redacted)',
    });
    const leaked = [password, rotated].flatMap((value) => [value, Buffer.from(value).toString('base64')]);
    for (const answer of t.api.answers)
      for (const value of leaked) assert.ok(!answer.includes(value), `an answer holds a Secret's value`);
  });

  test('an object the backup does not hold is 404; a reference that names no path is 400', async () => {
    const missing = await open(backupId, { resource: 'configmaps', namespace: ns, name: 'nothing' });
    assert.equal(missing.status, 404, missing.text);
    assert.match(missing.text, /holds no configmaps .*\/nothing: open an object from the backup's contents/);
    const bad = await open(backupId, { resource: 'configmaps', namespace: ns, name: '../settings' });
    assert.equal(bad.status, 400, bad.text);
    const unknown = await open(backupId, { resource: 'configmaps', name: 'settings', extra: 'x' });
    assert.equal(unknown.status, 400, unknown.text);
  });

  test('a backup Velero made opens too: nothing to check against, no cluster to compare with', async () => {
    await writeVeleroBackup(store, veleroBackup, veleroNs);
    await t.plane.syncLocations();
    const found = await call<BackupView[]>('GET', `/projects/${project}/backups?location=minio`);
    const velero = found.body.find((backup) => backup.name === veleroBackup);
    assert.ok(velero, found.text);
    const secret = await open(velero.id, { resource: 'secrets', namespace: veleroNs, name: 'settings' });
    assert.equal(secret.status, 200, secret.text);
    assert.equal(secret.body.integrity, 'no-index');
    assert.deepEqual(secret.body.stored.data, { token: '(redacted)' });
    assert.equal(secret.body.liveState, 'unavailable');
    assert.equal(secret.body.cluster, null);
    assert.match(String(secret.body.liveReason), /is not registered in this project/);
    assert.ok(!secret.text.includes('c2VjcmV0'), "the Velero Secret's value is not returned");
    const deployment = await open(velero.id, {
      group: 'apps',
      resource: 'deployments',
      namespace: veleroNs,
      name: 'web',
    });
    assert.equal(deployment.body.object.kind, 'Deployment');
    assert.equal((deployment.body.stored.spec as { replicas: number }).replicas, 0);
  });
});
