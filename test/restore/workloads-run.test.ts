/**
 * Restored workloads run: a namespace of cluster a with a Deployment that reads a ConfigMap and a Secret at
 * start (its readiness depends on them) is backed up and restored into cluster b, where the Deployment
 * becomes Available on b's node and its pod prints what a's ConfigMap and Secret held.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runBackup } from '../../src/backup/index.ts';
import type { KubeClient } from '../../src/kube/index.ts';
import { runRestore } from '../../src/restore/index.ts';
import type { ObjectStore } from '../../src/storage/index.ts';
import { eventually, kubectl, uniqueName } from '../support/kube.ts';
import { applyIn, type EngineBed, type NodeCluster, nodeCluster, openEngineBed } from '../support/volumes.ts';
import { type TestbedEnv, useTestbedWithNodes } from '../testbed/index.ts';

let env: TestbedEnv;
let bed: EngineBed<readonly [NodeCluster, NodeCluster]>;
let source: NodeCluster;
let target: NodeCluster;
let sourceKube: KubeClient;
let targetKube: KubeClient;
let store: ObjectStore;
const prefix = uniqueName('run');
const ns = `${prefix}-app`;

before(async () => {
  env = await useTestbedWithNodes();
  bed = await openEngineBed(env, [nodeCluster(env, 0), nodeCluster(env, 1)], prefix);
  ({
    clusters: [source, target],
    kubes: [sourceKube, targetKube],
    store,
  } = bed);
});

after(() => bed?.close([ns]));

/** Waits until Deployment `name` in `ns` has all its replicas available. */
function available(cluster: NodeCluster, name: string): Promise<true> {
  return eventually(
    `Deployment ${ns}/${name} in ${cluster.name} to be Available`,
    async () => {
      const deployment = JSON.parse(
        await kubectl(env, cluster, ['get', 'deployment', name, '-n', ns, '-o', 'json']),
      ) as { status?: { availableReplicas?: number; conditions?: { type: string; status: string }[] } };
      const condition = deployment.status?.conditions?.find((c) => c.type === 'Available');
      return deployment.status?.availableReplicas === 1 && condition?.status === 'True' ? true : undefined;
    },
    120_000,
  );
}

test('a Deployment restored into the other cluster becomes Available there, with its ConfigMap and Secret', async () => {
  assert.ok(env.images, 'the test bed has no nodes');
  const greeting = `hello ${Math.random().toString(36).slice(2)}`;
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  await kubectl(env, source, ['create', 'namespace', ns]);
  await applyIn(env, source, ns, [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { greeting } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'login' }, stringData: { password } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'app' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'app' } },
        template: {
          metadata: { labels: { app: 'app' } },
          spec: {
            terminationGracePeriodSeconds: 0,
            containers: [
              {
                name: 'app',
                image: env.images.busybox,
                command: [
                  'sh',
                  '-c',
                  'cat /settings/greeting && echo && cat /login/password && echo && touch /tmp/ready && exec sleep 3600',
                ],
                readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1 },
                volumeMounts: [
                  { name: 'settings', mountPath: '/settings' },
                  { name: 'login', mountPath: '/login' },
                ],
              },
            ],
            volumes: [
              { name: 'settings', configMap: { name: 'settings' } },
              { name: 'login', secret: { secretName: 'login' } },
            ],
          },
        },
      },
    },
  ]);
  await available(source, 'app');

  const backup = `${prefix}-b`;
  const backedUp = await runBackup({ name: backup, kube: sourceKube, store, includeNamespaces: [ns] });
  assert.equal(backedUp.description.phase, 'Completed', JSON.stringify(backedUp.errors));

  const restored = await runRestore({ name: `${backup}-r`, backupName: backup, kube: targetKube, store });
  assert.equal(restored.phase, 'Completed', JSON.stringify(restored.errors));
  await available(target, 'app');
  const logs = await kubectl(env, target, ['logs', 'deployment/app', '-n', ns]);
  assert.equal(logs.trim(), `${greeting}\n${password}`);
  const node = await kubectl(env, target, [
    'get',
    'pods',
    '-n',
    ns,
    '-l',
    'app=app',
    '-o',
    'jsonpath={.items[*].spec.nodeName}',
  ]);
  assert.equal(node, target.node.name, "the restored pod runs on b's node");
});
