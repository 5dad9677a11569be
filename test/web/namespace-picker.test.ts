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
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../src/api/index.ts';
import {
  apiCaller,
  backupEnded,
  type Json,
  namespaceWithConfigMap,
  okApiCaller,
  openConsole,
  screenshots,
  startConsoleServer,
} from '../support/console.ts';
import { kubeconfigText, minioLocationBody } from '../support/control.ts';
import { kubectl, uniqueName } from '../support/kube.ts';
import { type ClusterEnv, type TestbedEnv, useTestbed } from '../testbed/index.ts';

describe('one namespace picker in the console', () => {
  let env: TestbedEnv;
  let a: ClusterEnv;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const dataDir = mkdtempSync(join(tmpdir(), 'lifeboat-console-namespaces-'));
  const project = uniqueName('nspick');
  const ns = uniqueName('nspick');
  const p = `/projects/${project}`;
  const shot = screenshots(() => page, 'namespace-picker-');
  const api = okApiCaller(() => server);
  const call = apiCaller(() => server);

  before(async () => {
    env = await useTestbed();
    a = env.clusters[0] ?? assert.fail('the test bed has a cluster');
    await namespaceWithConfigMap(env, a, ns, 'settings', { a: '1' });
    server = await startConsoleServer(dataDir, { webDirFromEnv: true });
    await api('POST', '/projects', { name: project });
    await api('POST', `${p}/locations`, minioLocationBody(env, 'minio', uniqueName('console-nspick')));
    await api('POST', `${p}/clusters`, { name: 'prod', kubeconfig: kubeconfigText(a) });
    ({ browser, page } = await openConsole(env, server, { width: 1440 }));
  });
  after(async () => {
    await browser?.close();
    await server?.close(5000);
    rmSync(dataDir, { recursive: true, force: true });
    if (env) await kubectl(env, a, ['delete', 'namespace', ns, '--ignore-not-found', '--wait=false']);
  });

  test("the backup dialog offers the live cluster's namespaces", async () => {
    await page.goto(`${server.url}/#/p/${project}/clusters/prod?tab=backups`);
    await page.getByRole('button', { name: 'Create Backup' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create Backup' });
    const picker = dialog.getByRole('group', { name: 'Namespaces' });
    await picker.getByRole('checkbox', { name: ns }).waitFor();
    await picker.getByRole('checkbox', { name: 'kube-system' }).waitFor();
    await shot('backup-dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  test('the schedule editor saves the namespaces checked', async () => {
    await page.goto(`${server.url}/#/p/${project}/clusters/prod?tab=settings`);
    const picker = page.getByRole('group', { name: 'Namespaces' });
    await picker.getByRole('checkbox', { name: ns }).check();
    await page.getByLabel('Backup prefix').fill('nightly');
    await page.getByRole('button', { name: 'Save Schedule' }).click();
    await page.getByText(/^Schedule saved/).waitFor();
    const policy = await api('GET', `${p}/clusters/prod/policy`);
    assert.deepEqual(policy.namespaces, [ns]);
    await shot('schedule');
  });

  test('the workspace form takes typed names until a cluster is picked, then its namespaces', async () => {
    await page.goto(`${server.url}/#/p/${project}/workspaces`);
    await page.getByRole('button', { name: 'Create Workspace' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Create Workspace' });
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
    await page.goto(`${server.url}/#/p/${project}/clusters/prod?tab=restores`);
    await page
      .getByRole('row', { name: new RegExp(backup.name) })
      .getByRole('button', { name: 'Restore' })
      .click();
    const wizard = page.getByRole('dialog', { name: 'Restore Backup' });
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
