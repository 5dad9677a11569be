/**
 * The console's look at 1440x900 (issue 15; real Chromium against a real control plane, a test-bed cluster
 * and MinIO): a screenshot of each main page and dialog, and what can be measured of it — ids and names in
 * tables on one line, a backup's log scrolling inside its box rather than stretching the page, no page wider
 * than the window, and a field's error appearing without moving the field above it or the one beside it.
 * Screenshots go to test-results/console/look-*.png.
 *
 * The console is served from LIFEBOAT_WEB_DIR when set (a private `vite build --outDir`), else web/dist.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { backupEnded, type Json, namespaceWithConfigMap } from '../support/console.ts';
import { consoleSuite } from '../support/console-suite.ts';
import { eventually, uniqueName } from '../support/kube.ts';

describe('the console at 1440x900', () => {
  const suite = consoleSuite({ name: 'look' });
  const { p, project, api, call, shot } = suite;
  let backup: Json & { id: string; name: string; phase: string };
  let restoreId: string;
  const ns = uniqueName('look');
  suite.deleteNamespaces('prod', ns, `${ns}-copy`);

  /** Cells of tables on the page whose text wraps onto a second line (text, and how many lines). */
  const wrappedCells = () =>
    suite.page.locator('td').evaluateAll((cells) =>
      cells.flatMap((cell) => {
        const link = cell.querySelector('a, code');
        if (!link) return [];
        const lines = link.getClientRects().length;
        return lines > 1 ? [`${link.textContent} (${lines} lines)`] : [];
      }),
    );
  /** How much wider than the window the page is, in pixels. */
  const overflowX = () =>
    suite.page.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
  /** How high the page is, in pixels. */
  const pageHeight = () => suite.page.evaluate<number>('document.documentElement.scrollHeight');

  /** Visits `hash`, waits for `ready`, screenshots it and checks tables and width. */
  const look = async (name: string, hash: string, ready: (page: Page) => Promise<unknown>) => {
    await suite.open(hash);
    await ready(suite.page);
    await shot(name);
    assert.deepEqual(await wrappedCells(), [], `no table cell of ${name} wraps its id or name`);
    assert.equal(await overflowX(), 0, `${name} is no wider than the window`);
  };

  before(async () => {
    await namespaceWithConfigMap(suite.env, suite.cluster('prod'), ns, 'settings', { a: '1' });
    const started = await api('POST', `${p}/clusters/prod/backups`, {
      name: uniqueName('look-backup-with-a-long-name'),
      location: 'minio',
      namespaces: [ns],
    });
    backup = await backupEnded<Json & { id: string; name: string; phase: string }>(
      call,
      project,
      String(started.id),
      'the backup to end',
    );
    const restore = await api('POST', `${p}/restores`, {
      backup: backup.id,
      targetCluster: 'prod',
      namespaceMappings: { [ns]: `${ns}-copy` },
    });
    restoreId = String(restore.id);
    await eventually(
      'the restore to end',
      async () => {
        const view = await api('GET', `${p}/restores/${restoreId}`);
        return ['Completed', 'PartiallyFailed', 'Failed'].includes(String(view.phase)) ? view : undefined;
      },
      120_000,
    );
  });

  test('the main pages: tables keep ids on one line, nothing is wider than the window', async () => {
    const text = (value: string) => (page: Page) => page.getByText(value).first().waitFor();
    await look('clusters', `/p/${project}/clusters`, text('prod'));
    await look('cluster-overview', `/p/${project}/clusters/prod`, text('Healthy'));
    await look('cluster-backups', `/p/${project}/clusters/prod?tab=backups`, text(backup.name));
    await look('cluster-restores', `/p/${project}/clusters/prod?tab=restores`, text(backup.name));
    await look('cluster-settings', `/p/${project}/clusters/prod?tab=settings`, text('Save Schedule'));
    await look('restore', `/p/${project}/restores/${restoreId}`, text('Completed'));
    await look('project-settings', `/p/${project}/settings`, text('minio'));
    await look('people', `/p/${project}/people`, text('admin'));
    await look('workspaces', `/p/${project}/workspaces`, text('Create Workspace'));
    await look('tokens', '/tokens', text('Create token'));
  });

  test("a backup's log scrolls inside its box", async () => {
    await look('backup', `/p/${project}/backups/${backup.id}`, (page) =>
      page.getByRole('button', { name: 'Show logs' }).waitFor(),
    );
    const height = await pageHeight();
    await suite.page.getByRole('button', { name: 'Show logs' }).click();
    const log = suite.page.locator('pre.log');
    await log.waitFor();
    const box = await suite.page.evaluate<{ clientHeight: number; overflowY: string }>(`(() => {
      const log = document.querySelector('pre.log');
      return { clientHeight: log.clientHeight, overflowY: getComputedStyle(log).overflowY };
    })()`);
    assert.ok(box.clientHeight <= 420, `the log's box is at most 420 px high (${box.clientHeight})`);
    assert.equal(box.overflowY, 'auto');
    const grown = (await pageHeight()) - height;
    assert.ok(grown <= 460, `the page grew by the box alone (${grown} px), not by the whole log`);
    assert.equal(await overflowX(), 0, 'long log lines do not widen the page');
    await shot('backup-logs');
  });

  test("a field's error appears without moving the fields around it", async () => {
    await suite.open(`/p/${project}/clusters/prod?tab=backups`);
    await suite.page.getByRole('button', { name: 'Create Backup' }).click();
    const dialog = suite.page.getByRole('dialog', { name: 'Create Backup' });
    const name = dialog.getByLabel('Backup name');
    const location = dialog.getByLabel('Location', { exact: true });
    await location.waitFor();
    const before = { name: await name.boundingBox(), location: await location.boundingBox() };
    await name.fill('Not_A_Name');
    // Enter submits without scrolling the dialog to its button, which would move everything by itself.
    await name.press('Enter');
    await dialog.locator('.field-invalid').getByRole('alert').first().waitFor();
    const afterError = { name: await name.boundingBox(), location: await location.boundingBox() };
    await shot('field-error');
    assert.deepEqual(afterError.name, before.name, 'the refused field stays where it was');
    assert.equal(afterError.location?.x, before.location?.x, 'the field beside it stays in its column');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await look('register-cluster', `/p/${project}/clusters`, async (page) => {
      await page.getByRole('button', { name: 'Register Cluster' }).first().click();
      await page.getByRole('dialog', { name: 'Register Cluster' }).waitFor();
    });
  });
});
