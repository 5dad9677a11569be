/**
 * Restoring a snapshotted claim in real Chromium, against a control plane and a test-bed cluster with a node
 * and the CSI hostpath driver: the restore wizard's plan shows the Volumes section — refused, with its reason
 * naming the data mover, when the claim is mapped onto a class of another driver; restorable without the
 * mapping — and the restore page shows the claim Bound once the restore has run. A restore without volumes
 * shows no Volumes section. Screenshots go to test-results/console/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { backupEnded } from '../support/console.ts';
import { consoleSuite } from '../support/console-suite.ts';
import { apply, eventually, kubectl, uniqueName } from '../support/kube.ts';
import { claimWithFiles, type NodeCluster, nodeCluster } from '../support/volumes.ts';
import { useTestbedWithNodes } from '../testbed/index.ts';

describe('the console restores a snapshotted claim', () => {
  const suite = consoleSuite({
    name: 'restore-volumes',
    testbed: useTestbedWithNodes,
    page: { width: 1366 },
  });
  const { p, project, call, shot } = suite;
  let cluster: NodeCluster;
  let ns = '';
  let backup = { id: '', name: '' };
  const target = uniqueName('web-rv-copy');
  const otherClass = uniqueName('elsewhere');
  suite.deleteNamespaces('prod', target);

  before(async () => {
    cluster = nodeCluster(suite.env);
    ({ ns } = await claimWithFiles(suite.env, cluster, 'web-rv', { 'a.txt': 'from the console' }));
    suite.deleteNamespaces('prod', ns);
    await apply(suite.env, cluster, [
      {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: { name: otherClass },
        provisioner: 'elsewhere.example.com',
      },
    ]);
    const started = await call<{ id: string; name: string }>('POST', `${p}/clusters/prod/backups`, {
      name: uniqueName('web-rv'),
      location: 'minio',
      namespaces: [ns],
      includeDisks: true,
    });
    assert.equal(started.status, 202, started.text);
    backup = { id: started.body.id, name: started.body.name };
    const done = await backupEnded(call, project, backup.id, 'the backup to finish');
    assert.equal(done.phase, 'Completed', JSON.stringify(done));
  });
  suite.beforeClose(async () => {
    // Deleting the backup deletes its snapshot from the driver's storage.
    if (backup.id) await call('DELETE', `${p}/backups/${backup.id}`);
    await eventually(
      'the backup to be deleted',
      async () => ((await call('GET', `${p}/backups/${backup.id}`)).status === 404 ? true : undefined),
      180_000,
    ).catch(() => undefined);
  });
  after(async () => {
    if (cluster)
      await kubectl(suite.env, cluster, ['delete', 'storageclass', otherClass, '--ignore-not-found']);
  });

  test('the plan shows the volume (refused onto another driver’s class, with the reason); the restore page shows it Bound', async () => {
    const [defaultClass] = cluster.node.storageClasses;
    assert.ok(defaultClass);
    await suite.page.getByRole('link', { name: 'prod' }).click();
    await suite.page.getByRole('tab', { name: 'Restores' }).click();
    await suite.page
      .getByRole('row', { name: new RegExp(backup.name) })
      .getByRole('button', { name: 'Restore' })
      .click();
    const wizard = suite.page.getByRole('dialog', { name: 'Restore Backup' });
    await wizard.getByLabel('Target cluster').selectOption({ label: 'prod' });
    await wizard.getByLabel(`Restore namespace ${ns} as`).fill(target);
    await wizard.getByRole('button', { name: 'Add mapping' }).click();
    await wizard.getByLabel('From storage class').fill(defaultClass);
    await wizard.getByLabel('To storage class').fill(otherClass);
    await wizard.getByRole('button', { name: 'Review plan' }).click();

    const volumes = wizard.getByRole('table', { name: 'Volumes' });
    const refused = volumes.getByRole('row', { name: new RegExp(`${target}/data`) });
    await refused.getByText('Refused').waitFor();
    await refused.getByText(/"copy volume data to the backup location" \(the data mover\)/).waitFor();
    await refused.getByText(`class of another driver (elsewhere.example.com)`).waitFor();
    await wizard.getByText(/1 claim cannot be restored: a restore would fail it by name/).waitFor();
    await shot('plan-refused');

    await wizard.getByRole('button', { name: 'Back' }).click();
    await wizard.getByRole('button', { name: 'Remove storage class mapping 1' }).click();
    await wizard.getByRole('button', { name: 'Review plan' }).click();
    const row = wizard
      .getByRole('table', { name: 'Volumes' })
      .getByRole('row', { name: new RegExp(`${target}/data`) });
    await row.getByText('Restore', { exact: true }).waitFor();
    await row.getByText(`from ${ns}`).waitFor();
    await row.getByText(cluster.node.csiDriver).waitFor();
    await row.getByText('driver installed').waitFor();
    await row.getByText('class of that driver').waitFor();
    assert.equal(await wizard.getByText(/cannot be restored/).count(), 0, 'nothing refused');
    await shot('plan');

    await wizard.getByRole('button', { name: 'Restore', exact: true }).click();
    await suite.page.getByRole('heading', { name: /^Restore / }).waitFor();
    const restored = suite.page
      .getByRole('table', { name: 'Volumes' })
      .getByRole('row', { name: new RegExp(`${target}/data`) });
    await restored.getByText('Bound', { exact: true }).waitFor({ timeout: 120_000 });
    await suite.page
      .getByRole('status')
      .getByText(/^Completed/)
      .waitFor({ timeout: 60_000 });
    await suite.page.getByText('Claims made from CSI snapshots: 1 of 1 Bound.').waitFor();
    await shot('bound');
    const phase = await kubectl(suite.env, cluster, [
      'get',
      'pvc',
      'data',
      '-n',
      target,
      '-o',
      'jsonpath={.status.phase}',
    ]);
    assert.equal(phase, 'Bound');
  });

  test('a restore without volumes shows no Volumes section', async () => {
    // Pods only: the finished writer pod is not restored, and no claim is made.
    const created = await call<{ id: string }>('POST', `${p}/restores`, {
      backup: backup.id,
      targetCluster: 'prod',
      includeResources: ['pods'],
      namespaceMappings: { [ns]: target },
    });
    assert.equal(created.status, 202, created.text);
    await suite.open(`/p/${project}/restores/${created.body.id}`);
    await suite.page
      .getByRole('status')
      .getByText(/^Completed/)
      .waitFor({ timeout: 60_000 });
    await suite.page.getByRole('heading', { name: 'Objects' }).waitFor();
    assert.equal(await suite.page.getByRole('heading', { name: 'Volumes' }).count(), 0);
    assert.equal(await suite.page.getByRole('table', { name: 'Volumes' }).count(), 0);
  });
});
