/**
 * The restore engine against real clusters and a real MinIO: a round trip into a fresh second cluster,
 * same-cluster restores, mappings, existing objects, rejected objects, dry runs, and a backup written by
 * hand in Velero's layout.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { backupKeys, restoreKeys, TarballWriter } from '../../src/archive/index.ts';
import { runBackup } from '../../src/backup/index.ts';
import { isRawJson, type KubeClient, parseLossless } from '../../src/kube/index.ts';
import { planRestore, runRestore } from '../../src/restore/index.ts';
import { comparable, type KubeJson } from '../../src/restore/sanitize.ts';
import {
  FileObjectStore,
  getBuffer,
  type ObjectStore,
  openObjectStore,
  parseLocation,
} from '../../src/storage/index.ts';
import { lifeboat } from '../support/cli.ts';
import { apply, eventually, kubeClient, kubectl, uniqueName } from '../support/kube.ts';
import { createWorkload, releaseHeldObjects } from '../support/workload.ts';
import {
  type ClusterEnv,
  minioCredentials,
  minioLocationUrl,
  type TestbedEnv,
  useTestbed,
} from '../testbed/index.ts';

let env: TestbedEnv;
let source: ClusterEnv;
let target: ClusterEnv;
let sourceKube: KubeClient;
let targetKube: KubeClient;
let minio: ObjectStore;
const prefix = uniqueName('rs');
const namespaces = [`${prefix}-a`, `${prefix}-b`];
const backupName = `${prefix}-full`;

before(async () => {
  env = await useTestbed();
  source = env.clusters[0] as ClusterEnv;
  target = env.clusters[1] as ClusterEnv;
  sourceKube = await kubeClient(source);
  targetKube = await kubeClient(target);
  minio = openObjectStore(parseLocation(minioLocationUrl(env, prefix)), {
    s3Credentials: minioCredentials(env),
  });
  await createWorkload(env, source, namespaces, {
    pvName: `${prefix}-pv`,
    unrelatedClusterRole: `${prefix}-role`,
  });
  const outcome = await runBackup({
    name: backupName,
    kube: sourceKube,
    store: minio,
    includeNamespaces: namespaces,
  });
  assert.equal(outcome.description.phase, 'Completed');
});

after(async () => {
  await releaseHeldObjects(env, source, namespaces[0] as string);
  await Promise.all([sourceKube?.close(), targetKube?.close(), minio?.close()]);
});

async function getJson(kube: KubeClient, path: string): Promise<KubeJson | undefined> {
  try {
    return parseLossless((await kube.request({ method: 'GET', path })).body) as KubeJson;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
}

function objectPath(
  groupResource: string,
  apiVersion: string,
  namespace: string | undefined,
  name: string,
): string {
  const resource = groupResource.split('.')[0];
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return `${base}${namespace ? `/namespaces/${namespace}` : ''}/${resource}/${name}`;
}

/** What must survive a restore: the object without server-set and cluster-bound fields. */
function normalised(groupResource: string, object: KubeJson): string {
  const copy = comparable(groupResource, object);
  const spec = copy.spec as Record<string, unknown> | undefined;
  if (groupResource === 'services' && spec) {
    for (const port of (spec.ports as Record<string, unknown>[] | undefined) ?? []) delete port.nodePort;
    delete spec.healthCheckNodePort;
  }
  const annotations = copy.metadata.annotations as Record<string, unknown> | undefined;
  if (annotations) delete annotations['pv.kubernetes.io/bind-completed'];
  // Each cluster's endpoints controller fills in its own pods' addresses.
  if (groupResource === 'endpoints') {
    delete (copy as Record<string, unknown>).subsets;
    if (annotations) delete annotations['endpoints.kubernetes.io/last-change-trigger-time'];
  }
  if (annotations && Object.keys(annotations).length === 0) delete copy.metadata.annotations;
  return JSON.stringify(sortKeys(copy));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object' && !isRawJson(value)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

describe('restore into a fresh second cluster', () => {
  let outcome: Awaited<ReturnType<typeof runRestore>>;
  before(async () => {
    outcome = await runRestore({ name: `${prefix}-to-b`, backupName, store: minio, kube: targetKube });
  });

  test('completes, with owned objects skipped as recreated by their owners', () => {
    assert.equal(outcome.phase, 'Completed', JSON.stringify(outcome.errors));
    assert.ok(outcome.counts.created > 40, JSON.stringify(outcome.counts));
    const replicaSets = outcome.items.filter((i) => i.groupResource === 'replicasets.apps');
    assert.ok(
      replicaSets.length > 0 &&
        replicaSets.every((i) => i.action === 'skipped' && /owner Deployment/.test(i.detail ?? '')),
    );
    const rootCa = outcome.items.find((i) => i.name === 'kube-root-ca.crt');
    assert.equal(rootCa?.action, 'skipped');
  });

  test('every restored object equals the backed-up one once server-set fields are set aside', async () => {
    for (const item of outcome.items.filter((i) => i.action === 'created')) {
      const path = objectPath(item.groupResource, item.apiVersion, item.namespace, item.name);
      const [was, now] = await Promise.all([getJson(sourceKube, path), getJson(targetKube, path)]);
      assert.ok(was && now, `${path} exists in both clusters`);
      const labels = now.metadata.labels as Record<string, string>;
      assert.equal(labels['lifeboat.io/backup-name'], backupName);
      assert.equal(labels['lifeboat.io/restore-name'], `${prefix}-to-b`);
      // Velero's labels too, for selectors and scripts written for Velero.
      assert.equal(labels['velero.io/backup-name'], backupName);
      assert.equal(labels['velero.io/restore-name'], `${prefix}-to-b`);
      assert.equal(normalised(item.groupResource, now), normalised(item.groupResource, was), path);
    }
  });

  test('keeps numbers beyond 2^53, and controllers rebuild what was skipped', async () => {
    const huge = await targetKube.request({
      method: 'GET',
      path: `/apis/lifeboat-test.example.com/v1/namespaces/${namespaces[0]}/widgets/huge`,
    });
    assert.match(huge.body.toString(), /"count":9007199254740993/);
    await eventually('the restored Deployment to get a ReplicaSet', async () => {
      const out = await kubectl(env, target, [
        'get',
        'replicasets',
        '-n',
        namespaces[0] as string,
        '-o',
        'name',
      ]);
      return out.trim() ? true : undefined;
    });
    await eventually('the restored claim to bind to its restored volume', async () => {
      const phase = await kubectl(env, target, [
        'get',
        'pvc',
        'data',
        '-n',
        namespaces[0] as string,
        '-o',
        'jsonpath={.status.phase}',
      ]);
      return phase === 'Bound' ? true : undefined;
    });
  });

  test("writes the restore's logs, results and resource list to the location", async () => {
    const keys = restoreKeys(`${prefix}-to-b`);
    const results = JSON.parse(gunzipSync(await getBuffer(minio, keys.results)).toString());
    assert.deepEqual(results.errors, {});
    const list = JSON.parse(gunzipSync(await getBuffer(minio, keys.resourceList)).toString());
    assert.ok(list['apps/v1/Deployment'].includes(`${namespaces[0]}/web(created)`));
    const log = gunzipSync(await getBuffer(minio, keys.logs)).toString();
    assert.match(log, /msg="restore Completed"/);
    // One line per object, as Velero's restore log has: what happened to it.
    const itemLines = log.split('\n').filter((line) => / action=/.test(line));
    assert.equal(itemLines.length, outcome.items.length);
    assert.ok(
      itemLines.some((line) =>
        new RegExp(`msg="restored Deployment web".*action=created.*namespace=${namespaces[0]}`).test(line),
      ),
    );
    assert.ok(itemLines.some((line) => /action=skipped .*reason=/.test(line)));
  });

  test('restoring again leaves identical objects alone; update puts a changed one back', async () => {
    const ns = namespaces[1] as string;
    await kubectl(env, target, [
      'patch',
      'configmap',
      'settings',
      '-n',
      ns,
      '--type=merge',
      '-p',
      '{"data":{"a.conf":"changed"}}',
    ]);
    const again = await runRestore({
      name: `${prefix}-again`,
      backupName,
      store: minio,
      kube: targetKube,
      includeNamespaces: [ns],
    });
    assert.equal(again.phase, 'Completed');
    const settings = again.items.find((i) => i.name === 'settings' && i.groupResource === 'configmaps');
    assert.equal(settings?.action, 'exists');
    assert.ok(
      again.warnings.namespaces?.[ns]?.some((w) => w.includes('settings') && w.includes('data.a.conf')),
    );
    assert.ok(
      again.items.filter((i) => i.groupResource === 'secrets').every((i) => i.action === 'unchanged'),
    );

    const updated = await runRestore({
      name: `${prefix}-update`,
      backupName,
      store: minio,
      kube: targetKube,
      includeNamespaces: [ns],
      existingResourcePolicy: 'update',
    });
    assert.equal(
      updated.items.find((i) => i.name === 'settings' && i.groupResource === 'configmaps')?.action,
      'updated',
    );
    const value = await kubectl(env, target, [
      'get',
      'configmap',
      'settings',
      '-n',
      ns,
      '-o',
      'jsonpath={.data.a\\.conf}',
    ]);
    assert.equal(value, 'x=1\n');
  });
});

describe('restore into the same cluster', () => {
  test('after the namespace was deleted, everything comes back', async () => {
    const ns = namespaces[1] as string;
    await kubectl(env, source, ['delete', 'namespace', ns, '--wait=true', '--timeout=90s']);
    const outcome = await runRestore({
      name: `${prefix}-same`,
      backupName,
      store: minio,
      kube: sourceKube,
      includeNamespaces: [ns],
    });
    assert.equal(outcome.phase, 'Completed', JSON.stringify(outcome.errors));
    const names = await kubectl(env, source, [
      'get',
      'configmaps,secrets,deployments,services',
      '-n',
      ns,
      '-o',
      'name',
    ]);
    for (const expected of ['configmap/settings', 'secret/opaque', 'deployment.apps/web', 'service/web-lb'])
      assert.ok(names.includes(expected), expected);
  });

  test('a namespace mapping restores under the new name and rewrites binding subjects', async () => {
    const ns = namespaces[0] as string;
    const copy = `${prefix}-copy`;
    const outcome = await runRestore({
      name: `${prefix}-mapped`,
      backupName,
      store: minio,
      kube: sourceKube,
      includeNamespaces: [ns],
      namespaceMappings: { [ns]: copy },
      storageClassMappings: { manual: 'fast' },
    });
    // The PV already exists in this cluster bound to the original claim: that one is left as it is.
    assert.notEqual(outcome.phase, 'Failed');
    const binding = JSON.parse(
      await kubectl(env, source, ['get', 'rolebinding', 'runner-reads', '-n', copy, '-o', 'json']),
    );
    assert.equal(binding.subjects[0].namespace, copy);
    const pvc = JSON.parse(await kubectl(env, source, ['get', 'pvc', 'data', '-n', copy, '-o', 'json']));
    assert.equal(pvc.spec.storageClassName, 'fast');
    assert.equal(
      JSON.parse(await kubectl(env, source, ['get', 'namespace', copy, '-o', 'json'])).metadata.labels[
        'lifeboat-test'
      ],
      'workload',
    );
  });
});

describe('objects the target rejects, and dry runs', () => {
  test('a rejected object is named and everything else is restored (PartiallyFailed)', async () => {
    const cluster = env.clusters[1] as ClusterEnv;
    const ns = `${prefix}-rej`;
    const policy = `${prefix}-deny`;
    await apply(env, cluster, [
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingAdmissionPolicy',
        metadata: { name: policy },
        spec: {
          failurePolicy: 'Fail',
          matchConstraints: {
            resourceRules: [
              { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] },
            ],
          },
          validations: [
            {
              expression: "object.metadata.name != 'settings'",
              message: 'settings ConfigMaps are not allowed here',
            },
          ],
        },
      },
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingAdmissionPolicyBinding',
        metadata: { name: policy },
        spec: {
          policyName: policy,
          validationActions: ['Deny'],
          matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } },
        },
      },
    ]);
    // Policies take a moment to be loaded by the API server.
    await new Promise((r) => setTimeout(r, 2000));
    try {
      const plan = await planRestore({
        name: `${prefix}-rej-plan`,
        backupName,
        store: minio,
        kube: targetKube,
        includeNamespaces: [namespaces[0] as string],
        namespaceMappings: { [namespaces[0] as string]: ns },
      });
      assert.equal(plan.namespaces[0]?.state, 'will be created');

      await kubectl(env, cluster, ['create', 'namespace', ns]);
      const checked = await planRestore({
        name: `${prefix}-rej-plan2`,
        backupName,
        store: minio,
        kube: targetKube,
        includeNamespaces: [namespaces[0] as string],
        namespaceMappings: { [namespaces[0] as string]: ns },
      });
      const settingsPlan = checked.items.find(
        (i) => i.name === 'settings' && i.groupResource === 'configmaps',
      );
      assert.match(settingsPlan?.serverVerdict ?? '', /rejected: .*settings ConfigMaps are not allowed here/);
      assert.equal(checked.items.find((i) => i.name === 'opaque')?.serverVerdict, 'accepted');
      assert.equal(
        (await kubectl(env, cluster, ['get', 'configmaps,secrets', '-n', ns, '-o', 'name'])).includes(
          'secret/opaque',
        ),
        false,
        'the dry run wrote nothing',
      );

      const outcome = await runRestore({
        name: `${prefix}-rej`,
        backupName,
        store: minio,
        kube: targetKube,
        includeNamespaces: [namespaces[0] as string],
        namespaceMappings: { [namespaces[0] as string]: ns },
      });
      assert.equal(outcome.phase, 'PartiallyFailed');
      const failed = outcome.items.filter((i) => i.action === 'failed');
      assert.deepEqual(
        failed.map((i) => i.name),
        ['settings'],
      );
      assert.ok(
        outcome.errors.namespaces?.[ns]?.some(
          (e) => e.includes('settings') && e.includes('not allowed here'),
        ),
      );
      assert.ok(outcome.counts.created > 15);
    } finally {
      await kubectl(env, cluster, [
        'delete',
        'validatingadmissionpolicybinding,validatingadmissionpolicy',
        policy,
      ]).catch(() => '');
    }
  });

  test('a dry run over a partly populated target reports create, unchanged and differs, and writes nothing', async () => {
    const ns = namespaces[1] as string;
    // In the target (restored earlier): settings was changed and put back; now change it and delete a secret.
    await kubectl(env, target, [
      'patch',
      'configmap',
      'settings',
      '-n',
      ns,
      '--type=merge',
      '-p',
      '{"data":{"extra":"1"}}',
    ]);
    await kubectl(env, target, ['delete', 'secret', 'basic', '-n', ns]);
    const plan = await planRestore({
      name: `${prefix}-dry`,
      backupName,
      store: minio,
      kube: targetKube,
      includeNamespaces: [ns],
    });
    const find = (gr: string, name: string) =>
      plan.items.find((i) => i.groupResource === gr && i.name === name);
    assert.equal(find('secrets', 'basic')?.action, 'create');
    assert.equal(find('secrets', 'basic')?.serverVerdict, 'accepted');
    assert.equal(find('secrets', 'opaque')?.action, 'unchanged');
    assert.equal(find('configmaps', 'settings')?.action, 'differs');
    assert.deepEqual(find('configmaps', 'settings')?.changedFields, ['data.extra']);
    assert.equal(find('replicasets.apps', (await firstReplicaSetName(ns)) ?? '')?.action ?? 'skip', 'skip');
    const volumes = await planRestore({
      name: `${prefix}-dry-sc`,
      backupName,
      store: minio,
      kube: targetKube,
      includeNamespaces: [namespaces[0] as string],
      namespaceMappings: { [namespaces[0] as string]: `${prefix}-dry-sc` },
      storageClassMappings: { manual: 'gold' },
    });
    assert.deepEqual(
      volumes.storageClasses.map((s) => [s.name, s.mappedFrom, s.exists]),
      [['gold', 'manual', false]],
    );
    assert.equal(volumes.namespaces[0]?.state, 'will be created');
    await assert.rejects(kubectl(env, target, ['get', 'secret', 'basic', '-n', ns]), /NotFound/);
    assert.equal(
      await minio.head(restoreKeys(`${prefix}-dry`).results),
      undefined,
      'nothing written to the location',
    );
  });
});

async function firstReplicaSetName(ns: string): Promise<string | undefined> {
  const out = await kubectl(env, source, [
    'get',
    'replicasets',
    '-n',
    ns,
    '-o',
    'jsonpath={.items[0].metadata.name}',
  ]).catch(() => '');
  return out || undefined;
}

describe("a backup in Velero's layout that Lifeboat did not write", () => {
  test('restores', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lifeboat-velero-'));
    const store = new FileObjectStore(dir);
    const name = 'velero-made';
    const ns = `${prefix}-velero`;
    // Velero writes Go's json.Marshal of the object: keys sorted, with server fields.
    const configMap = `{"apiVersion":"v1","data":{"greeting":"hello"},"kind":"ConfigMap","metadata":{"creationTimestamp":"2024-01-01T00:00:00Z","name":"from-velero","namespace":"${ns}","resourceVersion":"123","uid":"0b9c6e2e-0000-4000-8000-000000000000"}}`;
    const namespace = `{"apiVersion":"v1","kind":"Namespace","metadata":{"labels":{"team":"blue"},"name":"${ns}","uid":"x"},"spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}}`;
    const writer = new TarballWriter({ mtime: new Date() });
    const upload = store.put(backupKeys(name).tarball, writer.stream);
    await writer.writeVersion();
    await writer.add(`resources/configmaps/namespaces/${ns}/from-velero.json`, Buffer.from(configMap));
    await writer.add(
      `resources/configmaps/v1-preferredversion/namespaces/${ns}/from-velero.json`,
      Buffer.from(configMap),
    );
    await writer.add(`resources/namespaces/cluster/${ns}.json`, Buffer.from(namespace));
    writer.finish();
    await upload;
    const veleroBackup = {
      kind: 'Backup',
      apiVersion: 'velero.io/v1',
      metadata: {
        name,
        namespace: 'velero',
        uid: 'u',
        resourceVersion: '1',
        generation: 1,
        creationTimestamp: '2024-01-01T00:00:00Z',
        labels: { 'velero.io/storage-location': 'default' },
      },
      spec: {
        metadata: {},
        includedNamespaces: [ns],
        ttl: '720h0m0s',
        hooks: {},
        storageLocation: 'default',
        csiSnapshotTimeout: '10m0s',
        itemOperationTimeout: '4h0m0s',
      },
      status: {
        version: 1,
        formatVersion: '1.1.0',
        expiration: '2024-01-31T00:00:00Z',
        phase: 'Completed',
        startTimestamp: '2024-01-01T00:00:00Z',
        completionTimestamp: '2024-01-01T00:00:05Z',
        progress: { totalItems: 2, itemsBackedUp: 2 },
      },
    };
    await store.put(backupKeys(name).metadata, Buffer.from(JSON.stringify(veleroBackup, null, 2)));

    const result = await lifeboat([
      'restore',
      'create',
      `${prefix}-from-velero`,
      '--from-backup',
      name,
      '--location',
      `file://${dir}`,
      '--kubeconfig',
      target.kubeconfig,
      '-o',
      'json',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).phase, 'Completed');
    const restored = JSON.parse(
      await kubectl(env, target, ['get', 'configmap', 'from-velero', '-n', ns, '-o', 'json']),
    );
    assert.equal(restored.data.greeting, 'hello');
    assert.notEqual(restored.metadata.uid, '0b9c6e2e-0000-4000-8000-000000000000');
    assert.equal(
      JSON.parse(await kubectl(env, target, ['get', 'namespace', ns, '-o', 'json'])).metadata.labels.team,
      'blue',
    );
  });
});
