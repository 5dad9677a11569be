/**
 * Restoring a workspace's backup group in the console (issue 15; real Chromium against a real control plane,
 * two test-bed clusters and MinIO):
 * - a refused field keeps its error until that field is edited: changing a member no longer clears the
 *   name's error; a member's refusal (its target cluster removed while the dialog was open) is shown in that
 *   member's row, with no note below the form repeating it, and clears once that member's target is changed;
 * - a group restore that completed with warnings (over ConfigMaps changed since the backup) shows them as a
 *   badge beside its phase on its page and in the workspace's list of group restores, the tooltip naming the
 *   cluster each came from; its plans and its result call the changed ConfigMaps the same: "left as is
 *   (differs)".
 * Screenshots go to test-results/console/group-restore-*.png.
 *
 * The console is served from LIFEBOAT_WEB_DIR when set (a private `vite build --outDir`), else web/dist.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { type Json, namespaceWithConfigMap } from '../support/console.ts';
import { consoleSuite } from '../support/console-suite.ts';
import { eventually, patchConfigMapData, uniqueName } from '../support/kube.ts';

describe('a group restore in the console', () => {
  // "spare" is the first test-bed cluster again: a target the test removes while the dialog is open.
  const suite = consoleSuite({ name: 'group-restore', clusters: { prod: 0, staging: 1, spare: 0 } });
  const { p, project } = suite;
  const ns = uniqueName('grp');
  const members = ['prod', 'staging'] as const;
  for (const name of members) suite.deleteNamespaces(name, ns);

  before(async () => {
    for (const name of members)
      await namespaceWithConfigMap(suite.env, suite.cluster(name), ns, 'settings', { from: name });
    await suite.api('POST', `${p}/workspaces`, { name: 'shop', clusters: [...members], namespaces: [ns] });
    await suite.api('POST', `${p}/workspaces/shop/backups`, { location: 'minio', name: uniqueName('shop') });
    await eventually(
      'the workspace backups to complete',
      async () => {
        const backups = (await suite.api('GET', `${p}/backups?workspace=shop`)) as unknown as Json[];
        return backups.length === 2 && backups.every((x) => x.phase === 'Completed') ? backups : undefined;
      },
      120_000,
    );
  });

  const openDialog = async () => {
    await suite.open(`/p/${project}/workspaces/shop`);
    await suite.page.getByRole('button', { name: 'Restore Group' }).click();
    return suite.page.getByRole('dialog', { name: 'Restore Backup Group' });
  };

  test("a refused field keeps its error until it is edited; a member's error is in its row", async () => {
    const dialog = await openDialog();
    const name = dialog.getByLabel('Group restore name');
    const target = (member: string) => dialog.getByLabel(`Target cluster for ${member}`);
    // Inner locators of `has` are read from the outer element: these start from no root.
    const rowOf = (member: string) =>
      dialog.getByRole('row').filter({ has: suite.page.getByLabel(`Target cluster for ${member}`) });

    await name.fill('Not_A_Name');
    await dialog.getByRole('button', { name: 'Review plans' }).click();
    const nameError = dialog
      .locator('.field-invalid')
      .filter({ has: suite.page.getByLabel('Group restore name') })
      .getByRole('alert');
    await nameError.waitFor();
    // Changing a member is not fixing the name: its error stays.
    await target('staging').selectOption('prod');
    await target('staging').selectOption('staging');
    assert.equal(await nameError.count(), 1, "the name's error stays while a member changes");
    await suite.shot('name-refused');
    await name.fill('shop-back');
    await nameError.waitFor({ state: 'detached' });
    assert.equal(await dialog.getByRole('alert').count(), 0, 'no error left once the name is fixed');

    // A member whose target is removed while the dialog is open: the refusal is that member's.
    await target('staging').selectOption('spare');
    assert.equal((await suite.call('DELETE', `${p}/clusters/spare`)).status, 204);
    await dialog.getByRole('button', { name: 'Review plans' }).click();
    const memberError = rowOf('staging').getByRole('alert');
    await memberError.waitFor();
    assert.match((await memberError.textContent()) ?? '', /"spare" is not a cluster of this project/);
    assert.equal(await rowOf('prod').getByRole('alert').count(), 0, "the other member's row has no error");
    assert.equal(await dialog.locator('.error-note').count(), 0, 'no note below the form repeats it');
    await suite.shot('member-refused');
    await target('staging').selectOption('staging');
    await memberError.waitFor({ state: 'detached' });
    assert.equal(
      await dialog.getByRole('alert').count(),
      0,
      "no error left once the member's target is fixed",
    );
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  test('a group restore with warnings has a badge on its page and in the workspace', async () => {
    const { page } = suite;
    for (const name of members)
      await patchConfigMapData(suite.env, suite.cluster(name), ns, 'settings', { from: 'changed' });
    const dialog = await openDialog();
    await dialog.getByLabel('Group restore name').fill('shop-back');
    await dialog.getByRole('button', { name: 'Review plans' }).click();
    // The changed ConfigMap: the plan and the result say the same words for it.
    await dialog
      .getByText(/^Plan: .*\b\d+ left as is \(differs\)/)
      .first()
      .waitFor();
    await suite.shot('plans');
    await dialog.getByRole('button', { name: 'Restore Group' }).click();
    await page.getByRole('heading', { name: 'Group restore shop-back' }).waitFor();
    await page
      .getByRole('status')
      .getByText(/^Completed — 2 restores: 2 Completed$/)
      .waitFor({ timeout: 120_000 });
    await page
      .locator('.page-head')
      .getByText(/^\d+ warnings?$/)
      .waitFor();
    await suite.shot('page');
    assert.match(
      (await page
        .locator('.stat')
        .filter({ hasText: /^Objects/ })
        .textContent()) ?? '',
      /\b\d+ left as is \(differs\)/,
      "the result counts the changed ConfigMaps in the plan's words",
    );

    await suite.open(`/p/${project}/workspaces/shop`);
    const row = page
      .getByRole('region', { name: 'Group restores' })
      .getByRole('row')
      .filter({ has: page.getByRole('link', { name: 'shop-back' }) });
    const badge = row.getByText(/^\d+ warnings?$/);
    await badge.waitFor();
    const tooltip = (await badge.getAttribute('title')) ?? '';
    assert.match(tooltip, /already exists and differs from the backup/);
    for (const name of members) assert.match(tooltip, new RegExp(`Into ${name}: `));
    await suite.shot('workspace');
  });
});
