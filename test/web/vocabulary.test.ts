/**
 * One vocabulary in the console (issue 15; real Chromium against a real control plane, a test-bed cluster
 * and MinIO): a backup that could not include the disks asked for (it holds no claims) is not shown as a
 * clean Completed — its warnings are a badge beside the phase, listed in its tooltip — while a clean backup
 * has none; "Auto" (and the expiries) read the same in the backup and the schedule forms; a refused field's
 * error clears as soon as the field is edited; an open dialog closes when you leave its page. Screenshots go
 * to test-results/console/.
 *
 * The console is served from LIFEBOAT_WEB_DIR when set (a private `vite build --outDir`), else web/dist.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { type Json, namespaceWithConfigMap } from '../support/console.ts';
import { consoleSuite } from '../support/console-suite.ts';
import { eventually, uniqueName } from '../support/kube.ts';

describe('one vocabulary in the console', () => {
  const suite = consoleSuite({ name: 'vocabulary', page: { timezoneId: 'Europe/Berlin' } });
  const { p, project, api, shot } = suite;
  const ns = uniqueName('words');
  suite.deleteNamespaces('prod', ns);
  /** Backs up the namespace and waits for the backup to end. */
  const backUp = async (name: string, includeDisks: boolean): Promise<Json> => {
    const started = await api('POST', `${p}/clusters/prod/backups`, {
      name,
      location: 'minio',
      namespaces: [ns],
      includeDisks,
    });
    return eventually(
      `backup ${name} to end`,
      async () => {
        const backup = await api('GET', `${p}/backups/${String(started.id)}`);
        return backup.phase === 'Queued' || backup.phase === 'InProgress' ? undefined : backup;
      },
      120_000,
    );
  };

  before(async () => {
    await namespaceWithConfigMap(suite.env, suite.cluster('prod'), ns, 'settings', { a: '1' });
  });

  test('a backup with warnings shows them beside its phase; a clean one shows none', async () => {
    const clean = uniqueName('clean');
    const disks = uniqueName('disks');
    const cleanView = await backUp(clean, false);
    const disksView = await backUp(disks, true);
    assert.equal(cleanView.phase, 'Completed');
    assert.equal(cleanView.warningCount, 0);
    assert.equal(disksView.phase, 'Completed');
    assert.equal(disksView.warningCount, 1, JSON.stringify(disksView.warnings));

    await suite.open(`/p/${project}/clusters/prod?tab=backups`);
    const warned = suite.page.getByRole('row', { name: new RegExp(disks) });
    await warned.getByText('Completed', { exact: true }).waitFor();
    const badge = warned.getByText('1 warning', { exact: true });
    await badge.waitFor();
    assert.match(
      (await badge.getAttribute('title')) ?? '',
      /include disks was asked for, but the backup holds no PersistentVolumeClaims/,
    );
    const cleanRow = suite.page.getByRole('row', { name: new RegExp(clean) });
    await cleanRow.getByText('Completed', { exact: true }).waitFor();
    assert.equal(await cleanRow.getByText(/warning/).count(), 0, 'a clean backup has no warnings badge');
    await shot('backup-warnings');
  });
  test('"Auto" and the expiries read the same in the backup form and the schedule form', async () => {
    await suite.open(`/p/${project}/clusters/prod?tab=backups`);
    await suite.page.getByRole('button', { name: 'Create Backup' }).click();
    const dialog = suite.page.getByRole('dialog', { name: 'Create Backup' });
    const backupModes = await dialog
      .getByLabel('Include cluster resources')
      .locator('option')
      .allTextContents();
    const backupExpiries = await dialog
      .getByLabel('Expiry', { exact: true })
      .locator('option')
      .allTextContents();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });

    await suite.open(`/p/${project}/clusters/prod?tab=settings`);
    await suite.page.getByRole('button', { name: 'Save Schedule' }).waitFor();
    const scheduleModes = await suite.page
      .getByLabel('Include cluster resources')
      .locator('option')
      .allTextContents();
    const scheduleExpiries = await suite.page
      .getByLabel('Expiry', { exact: true })
      .locator('option')
      .allTextContents();
    assert.equal(backupModes[0]?.split(' — ')[0], 'Auto', backupModes.join(' | '));
    assert.deepEqual(scheduleModes, backupModes);
    assert.deepEqual(scheduleExpiries, backupExpiries);
  });

  test("a refused field's error clears as soon as the field is edited", async () => {
    await suite.open(`/p/${project}/clusters/prod?tab=backups`);
    await suite.page.getByRole('button', { name: 'Create Backup' }).click();
    const dialog = suite.page.getByRole('dialog', { name: 'Create Backup' });
    const name = dialog.getByLabel('Backup name');
    await name.fill('Not_A_Name');
    await dialog.getByRole('button', { name: 'Create Backup' }).click();
    const nameError = dialog
      .locator('.field-invalid')
      .filter({ has: suite.page.getByLabel('Backup name') })
      .getByRole('alert');
    await nameError.waitFor();
    await shot('field-error');
    await name.fill('a-good-name');
    await nameError.waitFor({ state: 'detached' });
    assert.equal(await dialog.getByRole('alert').count(), 0, 'no error left once the name is fixed');
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    await suite.open(`/p/${project}/clusters/prod?tab=settings`);
    const prefix = suite.page.getByLabel('Backup prefix');
    await prefix.fill('Not_A_Prefix');
    await suite.page.getByRole('button', { name: 'Save Schedule' }).click();
    const prefixError = suite.page
      .locator('.field-invalid')
      .filter({ has: suite.page.getByLabel('Backup prefix') })
      .getByRole('alert');
    await prefixError.waitFor();
    await prefix.fill('nightly');
    await prefixError.waitFor({ state: 'detached' });
  });

  test('an open dialog closes when you leave its page', async () => {
    await suite.open(`/p/${project}/clusters`);
    await suite.open(`/p/${project}/clusters/prod?tab=backups`);
    // The top bar's dialog: its button stays on every page, so only leaving the page closes it.
    await suite.page.getByRole('button', { name: 'New Project' }).click();
    const dialog = suite.page.getByRole('dialog', { name: 'New Project' });
    await dialog.waitFor();
    await suite.page.goBack();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(new URL(suite.page.url()).hash, `#/p/${project}/clusters`);
    // A change of tab is not leaving the page: a dialog opened on it stays.
    await suite.open(`/p/${project}/clusters/prod?tab=backups`);
    await suite.page.getByRole('button', { name: 'New Project' }).click();
    await dialog.waitFor();
    await suite.open(`/p/${project}/clusters/prod?tab=overview`);
    await suite.page.getByRole('tab', { name: 'Overview', selected: true }).waitFor();
    assert.equal(await dialog.count(), 1, 'still open after a change of tab');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
  });
});
