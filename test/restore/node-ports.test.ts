/**
 * Node ports across a restore into another cluster, as Velero keeps them: a node port set explicitly (by
 * `kubectl apply`, or owned by a field manager) is kept; one the API server assigned is left for the target
 * to assign; a kept port taken in the target is named in the dry run and the result warns naming the
 * Service, which is restored with a port the target assigns.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runBackup } from '../../src/backup/index.ts';
import type { KubeClient } from '../../src/kube/index.ts';
import { planRestore, runRestore } from '../../src/restore/index.ts';
import type { ObjectStore } from '../../src/storage/index.ts';
import { kubectl, uniqueName } from '../support/kube.ts';
import { type EngineBed, openEngineBed } from '../support/volumes.ts';
import { type ClusterEnv, type TestbedEnv, useTestbed } from '../testbed/index.ts';

let env: TestbedEnv;
let bed: EngineBed<readonly [ClusterEnv, ClusterEnv]>;
let source: ClusterEnv;
let target: ClusterEnv;
let sourceKube: KubeClient;
let targetKube: KubeClient;
let store: ObjectStore;
const prefix = uniqueName('nodeports');
const ns = `${prefix}-web`;
const blocker = `${prefix}-blocker`;
// Ports of the node-port range unlikely to be assigned by chance meanwhile (a random draw per run).
const base = 30100 + Math.floor(Math.random() * 2000);
const applied = base;
const owned = base + 1;

before(async () => {
  env = await useTestbed();
  bed = await openEngineBed(env, env.clusters as [ClusterEnv, ClusterEnv], prefix);
  ({
    clusters: [source, target],
    kubes: [sourceKube, targetKube],
    store,
  } = bed);
});

after(() => bed?.close([ns, blocker]));

const service = (name: string, ports: object[]) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: ns },
  spec: { type: 'NodePort', selector: { app: name }, ports },
});
const nodePorts = async (cluster: ClusterEnv, namespace: string, name: string) =>
  (
    await kubectl(env, cluster, [
      'get',
      'service',
      name,
      '-n',
      namespace,
      '-o',
      'jsonpath={.spec.ports[*].nodePort}',
    ])
  )
    .split(' ')
    .map(Number);

test('explicit node ports are kept, assigned ones are reassigned, a taken one is named in the plan and warned about', async () => {
  await kubectl(env, source, ['create', 'namespace', ns]);
  // kubectl apply (client-side): the port is in the last-applied configuration.
  await kubectl(
    env,
    source,
    ['apply', '-f', '-'],
    JSON.stringify(service('applied', [{ name: 'http', port: 80, nodePort: applied }])),
  );
  // Server-side apply: the port is owned by a field manager.
  await kubectl(
    env,
    source,
    ['apply', '--server-side', '-f', '-'],
    JSON.stringify(service('owned', [{ name: 'http', port: 80, nodePort: owned }])),
  );
  // Created without a node port: the API server assigns one.
  await kubectl(env, source, ['create', '-f', '-'], JSON.stringify(service('assigned', [{ port: 80 }])));
  const [assignedInSource] = await nodePorts(source, ns, 'assigned');

  const backupName = uniqueName('np');
  const backup = await runBackup({ name: backupName, kube: sourceKube, store, includeNamespaces: [ns] });
  assert.equal(backup.description.phase, 'Completed');

  // In the target, the owned port is taken by another Service.
  await kubectl(env, target, ['create', 'namespace', blocker]);
  await kubectl(
    env,
    target,
    ['create', '-f', '-'],
    JSON.stringify({
      ...service('blocker', [{ port: 80, nodePort: owned }]),
      metadata: { name: 'blocker', namespace: blocker },
    }),
  );

  const plan = await planRestore({ name: `${backupName}-plan`, backupName, kube: targetKube, store });
  const verdict = (name: string) =>
    plan.items.find((item) => item.groupResource === 'services' && item.name === name)?.serverVerdict;
  assert.match(verdict('owned') ?? '', new RegExp(`^accepted with a change: node port ${owned} is taken`));
  assert.match(verdict('applied') ?? '', /^accepted/);
  assert.doesNotMatch(verdict('applied') ?? '', /change/);

  const restore = await runRestore({ name: `${backupName}-r`, backupName, kube: targetKube, store });
  assert.equal(restore.phase, 'Completed', JSON.stringify(restore.errors));
  assert.deepEqual(await nodePorts(target, ns, 'applied'), [applied]);
  const [ownedInTarget] = await nodePorts(target, ns, 'owned');
  assert.notEqual(ownedInTarget, owned);
  assert.ok((ownedInTarget ?? 0) >= 30000);
  const warnings = restore.warnings.namespaces?.[ns] ?? [];
  assert.ok(
    warnings.some((warning) => warning.includes(`Service ${ns}/owned: node port ${owned} is taken`)),
    JSON.stringify(restore.warnings),
  );
  // The assigned port was not asked for: the target assigned one of its own (equal only by chance).
  const item = restore.items.find((entry) => entry.name === 'assigned');
  assert.equal(item?.action, 'created');
  assert.ok(assignedInSource && assignedInSource >= 30000);
});
