/**
 * Namespaces are picked one way wherever the console asks for them (issue 15; real Chromium against a real
 * control plane, a test-bed cluster and MinIO): the backup dialog, the schedule editor and the workspace form
 * offer the live cluster's namespaces as checkboxes (the workspace form as typed names until a cluster is
 * picked), and what is checked is what is saved; the restore wizard offers the backup's namespaces and
 * suggests the target cluster's for a mapping. Screenshots go to test-results/console/namespace-picker-*.png.
 *
 * The console is served from LIFEBOAT_WEB_DIR when set (a private `vite build --outDir`), else web/dist.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { backupEnded, type Json, namespaceWithConfigMap } from '../support/console.ts';
import { consoleSuite } from '../support/console-suite.ts';
import { uniqueName } from '../support/kube.ts';

describe('one namespace picker in the console', () => {
  const suite = consoleSuite({ name: 'namespace-picker' });
  const { p, project, api, call, shot } = suite;
  const ns = uniqueName('nspick');
  suite.deleteNamespaces('prod', ns);

  before(async () => {
    await namespaceWithConfigMap(suite.env, suite.cluster('prod'), ns, 'settings', { a: '1' });
  });

  test("the backup dialog offers the live cluster's namespaces", async () => {
    await suite.open(`/p/${project}/clusters/prod?tab=backups`);
    await suite.page.getByRole('button', { name: 'Create Backup' }).click();
    const dialog = suite.page.getByRole('dialog', { name: 'Create Backup' });
    const picker = dialog.getByRole('group', { name: 'Namespaces' });
    await picker.getByRole('checkbox', { name: ns }).waitFor();
    await picker.getByRole('checkbox', { name: 'kube-system' }).waitFor();
    await shot('backup-dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  test('the schedule editor saves the namespaces checked', async () => {
    await suite.open(`/p/${project}/clusters/prod?tab=settings`);
    const picker = suite.page.getByRole('group', { name: 'Namespaces' });
    await picker.getByRole('checkbox', { name: ns }).check();
    await suite.page.getByLabel('Backup prefix').fill('nightly');
    await suite.page.getByRole('button', { name: 'Save Schedule' }).click();
    await suite.page.getByText(/^Schedule saved/).waitFor();
    const policy = await api('GET', `${p}/clusters/prod/policy`);
    assert.deepEqual(policy.namespaces, [ns]);
    await shot('schedule');
  });

  test('the workspace form takes typed names until a cluster is picked, then its namespaces', async () => {
    await suite.open(`/p/${project}/workspaces`);
    await suite.page.getByRole('button', { name: 'Create Workspace' }).first().click();
    const dialog = suite.page.getByRole('dialog', { name: 'Create Workspace' });
    await dialog.getByRole('textbox', { name: 'Namespaces' }).waitFor();
    await dialog.getByLabel('Name', { exact: true }).fill('team');
    await dialog.getByRole('checkbox', { name: 'prod' }).check();
    const picker = dialog.getByRole('group', { name: 'Namespaces' });
    await picker.getByRole('checkbox', { name: ns }).check();
    await shot('workspace');
    await dialog.getByRole('button', { name: 'Create Workspace' }).click();
    await dialog.waitFor({ state: 'detached' });
    const workspace = await api('GET', `${p}/workspaces/team`);
    assert.deepEqual(workspace.namespaces, [ns]);
  });

  test("the restore wizard offers the backup's namespaces and suggests the target's", async () => {
    const started = await api('POST', `${p}/clusters/prod/backups`, {
      name: uniqueName('nspick'),
      location: 'minio',
      namespaces: [ns],
    });
    const backup = await backupEnded<Json & { phase: string; name: string }>(
      call,
      project,
      String(started.id),
      'the backup to end',
    );
    assert.equal(backup.phase, 'Completed');
    await suite.open(`/p/${project}/clusters/prod?tab=restores`);
    await suite.page
      .getByRole('row', { name: new RegExp(backup.name) })
      .getByRole('button', { name: 'Restore' })
      .click();
    const wizard = suite.page.getByRole('dialog', { name: 'Restore Backup' });
    await wizard.getByRole('group', { name: 'Namespaces' }).getByRole('checkbox', { name: ns }).waitFor();
    const mapping = wizard.getByLabel(`Restore namespace ${ns} as`);
    const listId = await mapping.getAttribute('list');
    assert.ok(listId, 'the mapping input has a list of suggestions');
    const suggestions = wizard.locator(`datalist[id="${listId}"] option`);
    await suggestions.first().waitFor({ state: 'attached' });
    const values = await Promise.all((await suggestions.all()).map((option) => option.getAttribute('value')));
    assert.ok(values.includes(ns) && values.includes('default'), values.join(', '));
    await shot('restore-wizard');
  });
});
