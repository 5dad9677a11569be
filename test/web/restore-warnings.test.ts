/**
 * A restore that completed with warnings does not read as a clean Completed (issue 15; real Chromium against
 * a real control plane, a test-bed cluster and MinIO): a namespace is backed up, its ConfigMap changed, then
 * restored over itself leaving existing objects alone — Completed with one warning ("already exists and
 * differs") — and once more into a new namespace — a clean Completed. The cluster's Restores tab shows a
 * "1 warning" badge beside the first, its tooltip the warning, none beside the second; the restore's page
 * shows the badge beside its phase. Screenshots go to test-results/console/restore-warnings-*.png.
 *
 * The console is served from LIFEBOAT_WEB_DIR when set (a private `vite build --outDir`), else web/dist.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { backupEnded, type Json, namespaceWithConfigMap } from '../support/console.ts';
import { consoleSuite } from '../support/console-suite.ts';
import { eventually, patchConfigMapData, uniqueName } from '../support/kube.ts';

describe('restore warnings in the console', () => {
  const suite = consoleSuite({ name: 'restore-warnings' });
  const { p, project, api, call, shot } = suite;
  const ns = uniqueName('rwarn');
  const copy = `${ns}-copy`;
  suite.deleteNamespaces('prod', ns, copy);

  /** Starts a restore of `backup` into cluster prod and waits for it to end. */
  const restore = async (name: string, backup: string, body: Json): Promise<Json> => {
    const started = await api('POST', `${p}/restores`, { name, backup, targetCluster: 'prod', ...body });
    return eventually(
      `restore ${name} to end`,
      async () => {
        const view = await api('GET', `${p}/restores/${String(started.id)}`);
        return ['Completed', 'PartiallyFailed', 'Failed'].includes(String(view.phase)) ? view : undefined;
      },
      120_000,
    );
  };

  before(async () => {
    await namespaceWithConfigMap(suite.env, suite.cluster('prod'), ns, 'settings', { a: '1' });
  });

  test('a restore with warnings has a badge with them; a clean one has none', async () => {
    const started = await api('POST', `${p}/clusters/prod/backups`, {
      name: uniqueName('rwarn'),
      location: 'minio',
      namespaces: [ns],
    });
    const backup = await backupEnded<Json & { phase: string }>(
      call,
      project,
      String(started.id),
      'the backup to end',
    );
    assert.equal(backup.phase, 'Completed');
    await patchConfigMapData(suite.env, suite.cluster('prod'), ns, 'settings', { a: '2' });

    const warned = await restore('over-itself', String(backup.id), { includeNamespaces: [ns] });
    assert.equal(warned.phase, 'Completed');
    assert.ok(Number(warned.warningCount) >= 1, JSON.stringify(warned.warnings));
    const clean = await restore('into-copy', String(backup.id), {
      includeNamespaces: [ns],
      namespaceMappings: { [ns]: copy },
    });
    assert.equal(clean.phase, 'Completed');
    assert.equal(clean.warningCount, 0, JSON.stringify(clean.warnings));

    await suite.open(`/p/${project}/clusters/prod?tab=restores`);
    const warnedRow = suite.page.getByRole('row', { name: /over-itself/ });
    await warnedRow.getByText('Completed', { exact: true }).waitFor();
    const badge = warnedRow.getByText(/^\d+ warnings?$/);
    await badge.waitFor();
    assert.match((await badge.getAttribute('title')) ?? '', /already exists and differs from the backup/);
    const cleanRow = suite.page.getByRole('row', { name: /into-copy/ });
    await cleanRow.getByText('Completed', { exact: true }).waitFor();
    assert.equal(await cleanRow.getByText(/warning/).count(), 0, 'a clean restore has no warnings badge');
    await shot('list');

    await warnedRow.getByRole('link', { name: 'over-itself' }).click();
    await suite.page.getByRole('heading', { name: 'Restore over-itself' }).waitFor();
    await suite.page
      .locator('.page-head')
      .getByText(/^\d+ warnings?$/)
      .waitFor();
    await shot('page');
  });
});
