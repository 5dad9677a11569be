/**
 * The dry run and the restore count the same (issue 15): a namespace restored into a new one — where the
 * cluster makes the `default` ServiceAccount itself as soon as the namespace exists — is planned and
 * restored with the same action for every object, whichever of the cluster and the restore comes first.
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
let bed: EngineBed<readonly [ClusterEnv]>;
let kube: KubeClient;
let store: ObjectStore;
const ns = uniqueName('counts');
const targets: string[] = [];

before(async () => {
  env = await useTestbed();
  bed = await openEngineBed(env, [env.clusters[0] as ClusterEnv], uniqueName('counts'));
  ({
    kubes: [kube],
    store,
  } = bed);
  const cluster = env.clusters[0] as ClusterEnv;
  await kubectl(env, cluster, ['create', 'namespace', ns]);
  for (let i = 0; i < 20; i++)
    await kubectl(env, cluster, ['-n', ns, 'create', 'configmap', `settings-${i}`, `--from-literal=n=${i}`]);
  await kubectl(env, cluster, ['-n', ns, 'create', 'serviceaccount', 'worker']);
});

after(() => bed?.close([ns, ...targets]));

test('every object has the same action in the plan and the result, the cluster-made default ServiceAccount included', async () => {
  const backupName = uniqueName('counts');
  const backup = await runBackup({ name: backupName, kube, store, includeNamespaces: [ns] });
  assert.equal(backup.description.phase, 'Completed');
  // Several rounds: whichever of the service-account controller and the restore is first must not matter.
  for (let round = 0; round < 3; round++) {
    const target = uniqueName('counted');
    targets.push(target);
    const options = { backupName, kube, store, namespaceMappings: { [ns]: target } };
    const plan = await planRestore({ name: `${backupName}-p${round}`, ...options });
    const account = plan.items.find((item) => item.kind === 'ServiceAccount' && item.name === 'default');
    assert.equal(account?.action, 'unchanged', JSON.stringify(account));
    assert.match(account?.reason ?? '', /the cluster makes it with its namespace/);
    const restore = await runRestore({ name: `${backupName}-r${round}`, ...options });
    assert.equal(restore.phase, 'Completed', JSON.stringify(restore.errors));
    const planned = {
      created: plan.counts.create,
      unchanged: plan.counts.unchanged,
      exists: plan.counts.differs,
      skipped: plan.counts.skip,
    };
    const done = {
      created: restore.counts.created,
      unchanged: restore.counts.unchanged,
      exists: restore.counts.exists,
      skipped: restore.counts.skipped,
    };
    assert.deepEqual(done, planned, `round ${round}`);
    assert.ok(done.created >= 21, JSON.stringify(done));
    // The plan lists objects in the order the restore handles them: the cluster-made account is compared
    // last, after every object the restore creates (it does not wait for the cluster in its step).
    const last = restore.items.at(-1);
    assert.equal(`${last?.kind}/${last?.name}`, 'ServiceAccount/default');
    assert.equal(plan.items.at(-1), account);
  }
});
