/**
 * The restore wizard's volume source in real Chromium, against a control plane and a test-bed cluster with a
 * node and the CSI hostpath driver: for a backup with disks the wizard offers "Volume source", Auto first,
 * with a one-line hint for the choice; "Copies only" on a backup that kept snapshots and no copies shows the
 * claim refused in the plan (named, with the reason), and the restore it starts carries the choice, fails
 * that claim and makes no empty one. A backup without volumes offers no volume source. Screenshots go to
 * test-results/console/volume-source-*.png.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { backupEnded, namespaceWithConfigMap } from '../support/console.ts';
import { consoleSuite } from '../support/console-suite.ts';
import { eventually, kubectl, uniqueName } from '../support/kube.ts';
import { claimWithFiles, type NodeCluster, nodeCluster } from '../support/volumes.ts';
import { useTestbedWithNodes } from '../testbed/index.ts';

describe('the console asks where volume data comes from', () => {
  const suite = consoleSuite({ name: 'volume-source', testbed: useTestbedWithNodes, page: { width: 1366 } });
  const { p, project, call, shot } = suite;
  let cluster: NodeCluster;
  let ns = '';
  const plain = uniqueName('web-vs-plain');
  const target = uniqueName('web-vs-copy');
  const backups = { disks: { id: '', name: '' }, plain: { id: '', name: '' } };
  suite.deleteNamespaces('prod', target, plain);

  const backUp = async (name: string, namespace: string, includeDisks: boolean) => {
    const started = await call<{ id: string; name: string }>('POST', `${p}/clusters/prod/backups`, {
      name: uniqueName(name),
      location: 'minio',
      namespaces: [namespace],
      includeDisks,
    });
    assert.equal(started.status, 202, started.text);
    const done = await backupEnded(call, project, started.body.id, 'the backup to finish');
    assert.equal(done.phase, 'Completed', JSON.stringify(done));
    return { id: started.body.id, name: started.body.name };
  };

  before(async () => {
    cluster = nodeCluster(suite.env);
    ({ ns } = await claimWithFiles(suite.env, cluster, 'web-vs', { 'a.txt': 'snapshot only' }));
    suite.deleteNamespaces('prod', ns);
    await namespaceWithConfigMap(suite.env, cluster, plain, 'settings', { a: '1' });
    backups.disks = await backUp('web-vs', ns, true);
    backups.plain = await backUp('web-vs-plain', plain, false);
  });
  suite.beforeClose(async () => {
    // Deleting the backup deletes its snapshot from the driver's storage.
    if (backups.disks.id) await call('DELETE', `${p}/backups/${backups.disks.id}`);
    await eventually(
      'the backup to be deleted',
      async () => ((await call('GET', `${p}/backups/${backups.disks.id}`)).status === 404 ? true : undefined),
      180_000,
    ).catch(() => undefined);
  });

  const openWizard = async (backup: string) => {
    await suite.open(`/p/${project}/clusters/prod`);
    await suite.page.getByRole('tab', { name: 'Restores' }).click();
    await suite.page
      .getByRole('row', { name: new RegExp(backup) })
      .getByRole('button', { name: 'Restore' })
      .click();
    return suite.page.getByRole('dialog', { name: 'Restore Backup' });
  };

  test('"Copies only" on a backup without copies: the plan refuses the claim, the restore fails it and makes none', async () => {
    const wizard = await openWizard(backups.disks.name);
    const source = wizard.getByLabel('Volume source');
    assert.equal(await source.inputValue(), 'auto', 'Auto by default');
    assert.deepEqual(await source.locator('option').allTextContents(), [
      'Auto',
      'Kept snapshots only',
      'Copies only',
    ]);
    await wizard.getByText(/^The CSI snapshot the backup kept where the target cluster can use it/).waitFor();
    await source.selectOption({ label: 'Kept snapshots only' });
    await wizard.getByText(/^Never a copy: a claim whose snapshot the target cannot use fails/).waitFor();
    await source.selectOption({ label: 'Copies only' });
    await wizard.getByText(/^The copies in the backup location, even where a snapshot is usable/).waitFor();
    await shot('choice');
    await wizard.getByLabel(`Restore namespace ${ns} as`).fill(target);
    await wizard.getByRole('button', { name: 'Review plan' }).click();

    const row = wizard
      .getByRole('table', { name: 'Volumes' })
      .getByRole('row', { name: new RegExp(`${target}/data`) });
    await row.getByText('Refused').waitFor();
    await row
      .getByText(
        new RegExp(
          `^the claim ${target}/data is not restored: the restore was asked for volume source "copy" .* only its CSI snapshot`,
        ),
      )
      .waitFor();
    await wizard.getByText(/volume source: Copies only/).waitFor();
    await shot('plan');

    await wizard.getByRole('button', { name: 'Restore', exact: true }).click();
    await suite.page.getByRole('heading', { name: /^Restore / }).waitFor();
    const restored = suite.page
      .getByRole('table', { name: 'Volumes' })
      .getByRole('row', { name: new RegExp(`${target}/data`) });
    await restored.getByText('Failed', { exact: true }).waitFor({ timeout: 120_000 });
    await restored.getByText(/is not restored: the restore was asked for volume source "copy"/).waitFor();
    await suite.page
      .getByRole('status')
      .getByText(/^PartiallyFailed/)
      .waitFor({ timeout: 60_000 });
    await suite.page.getByText(/volume source: Copies only/).waitFor();
    await shot('restore');
    const restores = await call<{ options: { volumeSource?: string }; phase: string }[]>(
      'GET',
      `${p}/restores?backup=${backups.disks.id}`,
    );
    assert.deepEqual(
      restores.body.map((restore) => [restore.options.volumeSource, restore.phase]),
      [['copy', 'PartiallyFailed']],
    );
    const claims = await kubectl(suite.env, cluster, ['get', 'pvc', '-n', target, '-o', 'name']);
    assert.equal(claims.trim(), '', 'no empty claim was made');
  });

  test('a backup without volumes offers no volume source', async () => {
    const wizard = await openWizard(backups.plain.name);
    await wizard.getByLabel('Existing resources').waitFor();
    assert.equal(await wizard.getByLabel('Volume source').count(), 0);
    await wizard.getByRole('button', { name: 'Cancel' }).click();
  });
});
