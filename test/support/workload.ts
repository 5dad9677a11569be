/**
 * Builders of the varied workload the backup and restore tests use: a custom resource with its CRD, RBAC,
 * several kinds of Secret, Services of every type, Deployments, StatefulSets, Jobs, CronJobs, a bound
 * PV/PVC, several namespaces, a ConfigMap near the 1 MiB limit, and objects that must be left out.
 */
import type { ClusterEnv, TestbedEnv } from '../testbed/index.ts';
import { apply, eventually, kubectl } from './kube.ts';

export const widgetGroup = 'lifeboat-test.example.com';
/** 2^53 + 1: survives only if objects are kept as raw JSON (JSON.parse would round it). */
export const bigInteger = '9007199254740993';

export function widgetCrd(): object {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `widgets.${widgetGroup}` },
    spec: {
      group: widgetGroup,
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wdg'] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
            },
          },
        },
      ],
    },
  };
}

function podTemplate(app: string) {
  return {
    metadata: { labels: { app } },
    spec: {
      containers: [{ name: app, image: 'registry.example.com/app:1.0', ports: [{ containerPort: 8080 }] }],
    },
  };
}

/** Objects of one workload namespace. */
export function namespaceObjects(ns: string, options: { bigConfigMap?: boolean } = {}): object[] {
  const meta = (name: string, extra: object = {}) => ({ name, namespace: ns, ...extra });
  const objects: object[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'lifeboat-test': 'workload' } } },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta('settings', { labels: { app: 'web' } }),
      data: { 'a.conf': 'x=1\n', unicode: 'héllo ✓' },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta('opaque'),
      type: 'Opaque',
      stringData: { password: 's3cr3t' },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta('registry'),
      type: 'kubernetes.io/dockerconfigjson',
      stringData: { '.dockerconfigjson': '{"auths":{"registry.example.com":{"auth":"dXNlcjpwYXNz"}}}' },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta('basic'),
      type: 'kubernetes.io/basic-auth',
      stringData: { username: 'admin', password: 'hunter2' },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('runner') },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta('reader'),
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta('runner-reads'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'runner', namespace: ns }],
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('web'),
      spec: { type: 'ClusterIP', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('web-nodeport'),
      spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80 }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('web-lb'),
      spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 443 }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('web-headless'),
      spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432 }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('external'),
      spec: { type: 'ExternalName', externalName: 'db.example.com' },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta('web', { labels: { app: 'web' } }),
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: podTemplate('web') },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: meta('db'),
      spec: {
        serviceName: 'web-headless',
        replicas: 1,
        selector: { matchLabels: { app: 'db' } },
        template: podTemplate('db'),
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            // A class no provisioner serves: the claim stays Pending, as the tests of objects expect.
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: 'manual',
              resources: { requests: { storage: '1Gi' } },
            },
          },
        ],
      },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: meta('migrate'),
      spec: {
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'm', image: 'registry.example.com/migrate:1' }],
          },
        },
      },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: meta('nightly'),
      spec: {
        schedule: '0 3 * * *',
        jobTemplate: {
          spec: {
            template: {
              spec: {
                restartPolicy: 'OnFailure',
                containers: [{ name: 'n', image: 'registry.example.com/n:1' }],
              },
            },
          },
        },
      },
    },
    {
      apiVersion: `${widgetGroup}/v1`,
      kind: 'Widget',
      metadata: meta('gadget'),
      spec: { size: Number.MAX_SAFE_INTEGER, ratio: 1.5, nested: { list: [1, 'two', { three: true }] } },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta('skip-velero', { labels: { 'velero.io/exclude-from-backup': 'true' } }),
      data: { k: 'v' },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta('skip-lifeboat', { labels: { 'lifeboat.io/exclude-from-backup': 'true' } }),
      data: { k: 'v' },
    },
  ];
  if (options.bigConfigMap) {
    // The API server refuses ConfigMaps over 1 MiB of data; this one is just under.
    objects.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta('big'),
      data: { blob: 'x'.repeat(1_048_576 - 1024) },
    });
  }
  return objects;
}

/** A PV bound to a PVC in `ns` (the controller manager binds them). */
export function boundVolume(ns: string, pvName: string): object[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: pvName, labels: { 'lifeboat-test': 'workload' } },
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: 'manual',
        hostPath: { path: `/tmp/${pvName}` },
        claimRef: { namespace: ns, name: 'data' },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: ns },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'manual',
        volumeName: pvName,
        resources: { requests: { storage: '1Gi' } },
      },
    },
  ];
}

/** Puts the varied workload into `namespaces` of a cluster and waits until controllers have settled it. */
export async function createWorkload(
  env: TestbedEnv,
  cluster: ClusterEnv,
  namespaces: readonly string[],
  options: { pvName: string; unrelatedClusterRole: string },
): Promise<void> {
  await apply(env, cluster, [widgetCrd()]);
  await kubectl(env, cluster, [
    'wait',
    '--for=condition=Established',
    `crd/widgets.${widgetGroup}`,
    '--timeout=60s',
  ]);
  const objects: object[] = [];
  namespaces.forEach((ns, i) => {
    objects.push(...namespaceObjects(ns, { bigConfigMap: i === 0 }));
  });
  const first = namespaces[0] as string;
  objects.push(...boundVolume(first, options.pvName));
  objects.push({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: options.unrelatedClusterRole },
    rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }],
  });
  await apply(env, cluster, objects);
  // A Widget with an integer beyond 2^53, written raw (kubectl would not round it either).
  await kubectl(
    env,
    cluster,
    ['apply', '-f', '-'],
    `{"apiVersion":"${widgetGroup}/v1","kind":"Widget","metadata":{"name":"huge","namespace":"${first}"},"spec":{"count":${bigInteger}}}`,
  );
  // An object being deleted (held by a finalizer) must be left out of backups.
  await apply(env, cluster, [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'deleting', namespace: first, finalizers: ['lifeboat-test/hold'] },
      data: { k: 'v' },
    },
  ]);
  await kubectl(env, cluster, ['delete', 'configmap', 'deleting', '-n', first, '--wait=false']);
  await eventually('the PVC to bind', async () => {
    const phase = await kubectl(env, cluster, [
      'get',
      'pvc',
      'data',
      '-n',
      first,
      '-o',
      'jsonpath={.status.phase}',
    ]);
    return phase === 'Bound' ? true : undefined;
  });
  // Controllers write status and children for a moment after creation; let them finish.
  await eventually('the Deployment to get its ReplicaSet', async () => {
    const out = await kubectl(env, cluster, ['get', 'replicasets', '-n', first, '-o', 'name']);
    return out.trim() ? true : undefined;
  });
}

/** Releases the finalizer of the held ConfigMap so its namespace can be deleted. */
export async function releaseHeldObjects(env: TestbedEnv, cluster: ClusterEnv, ns: string): Promise<void> {
  await kubectl(env, cluster, [
    'patch',
    'configmap',
    'deleting',
    '-n',
    ns,
    '--type=merge',
    '-p',
    '{"metadata":{"finalizers":null}}',
  ]).catch(() => '');
}
