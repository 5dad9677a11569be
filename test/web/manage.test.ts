/**
 * Day two in the console (real Chromium against a real control plane, the test-bed clusters and MinIO): a
 * cluster's kubeconfig replaced — a new one that does not work is refused with the reason and the old one
 * kept — then the cluster renamed and removed after the dialog said what happens; a cluster's Restores tab
 * offering every backup of the project by cluster; a workspace's backup group restored as a group (one plan
 * per member, one page following both restores) after its namespaces were lost; another project created from
 * the top bar, renamed and deleted once empty. Screenshots go to test-results/console/.
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
  type Json,
  namespaceWithConfigMap,
  okApiCaller,
  openConsole,
  screenshots,
  startConsoleServer,
} from '../support/console.ts';
import { kubeconfigText, minioLocationBody } from '../support/control.ts';
import { eventually, kubectl, uniqueName } from '../support/kube.ts';
import { type TestbedEnv, useTestbed } from '../testbed/index.ts';

describe('managing clusters, workspaces and projects in the console', () => {
  let env: TestbedEnv;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const dataDir = mkdtempSync(join(tmpdir(), 'lifeboat-console-manage-'));
  const project = uniqueName('fleet');
  const ns = uniqueName('shop');
  const shot = screenshots(() => page, 'manage-');
  const api = okApiCaller(() => server);
  const p = `/projects/${project}`;
  const deadKubeconfig = (port: number) =>
    kubeconfigText(env.clusters[0] ?? assert.fail()).replace(
      /https:\/\/127\.0\.0\.1:\d+/,
      `https://127.0.0.1:${port}`,
    );

  before(async () => {
    env = await useTestbed();
    for (const cluster of env.clusters.slice(0, 2))
      await namespaceWithConfigMap(env, cluster, ns, 'settings', { from: cluster.name });
    server = await startConsoleServer(dataDir, { webDirFromEnv: true });
    // What the first day set up, through the API.
    await api('POST', '/projects', { name: project });
    await api('POST', `${p}/locations`, minioLocationBody(env, 'minio', uniqueName('console-manage')));
    const [a, b] = env.clusters;
    assert.ok(a && b);
    await api('POST', `${p}/clusters`, { name: 'prod', kubeconfig: kubeconfigText(a) });
    await api('POST', `${p}/clusters`, { name: 'staging', kubeconfig: kubeconfigText(b) });
    await api('POST', `${p}/clusters`, { name: 'rotating', kubeconfig: deadKubeconfig(1) });
    await api('PUT', `${p}/clusters/rotating/policy`, {
      prefix: 'rotating',
      location: 'minio',
      schedule: { kind: 'weekly' },
    });
    await api('POST', `${p}/workspaces`, { name: 'shop', clusters: ['prod', 'staging'], namespaces: [ns] });
    await api('POST', `${p}/workspaces/shop/backups`, { location: 'minio', name: uniqueName('shop') });
    await eventually(
      'the workspace backups to complete',
      async () => {
        const backups = (await api('GET', `${p}/backups?workspace=shop`)) as unknown as Json[];
        return backups.length === 2 && backups.every((x) => x.phase === 'Completed') ? backups : undefined;
      },
      120_000,
    );

    ({ browser, page } = await openConsole(env, server, { width: 1440, timezoneId: 'Europe/Berlin' }));
  });
  after(async () => {
    await browser?.close();
    await server?.close(5000);
    rmSync(dataDir, { recursive: true, force: true });
    for (const cluster of env.clusters.slice(0, 2))
      await kubectl(env, cluster, ['delete', 'namespace', ns, '--ignore-not-found', '--wait=false']);
  });

  test("a cluster's kubeconfig is replaced: one that does not work is refused, the old one kept", async () => {
    await page.goto(`${server.url}/#/p/${project}/clusters/rotating`);
    await page.getByText(/cannot reach the API server at https:\/\/127\.0\.0\.1:1/).waitFor();
    await page.getByRole('link', { name: 'Replace its kubeconfig' }).click();
    const section = page.getByRole('region', { name: 'Kubeconfig', exact: true });
    await section.getByLabel('New kubeconfig').fill(deadKubeconfig(2));
    await section.getByRole('button', { name: 'Replace Kubeconfig' }).click();
    await section.getByText('Not saved — the current kubeconfig stays').waitFor();
    await section.getByText(/cannot reach the API server at https:\/\/127\.0\.0\.1:2/).waitFor();
    await shot('kubeconfig-refused');
    // The error goes as soon as the input changes.
    await section.getByLabel('New kubeconfig').fill(kubeconfigText(env.clusters[0] ?? assert.fail()));
    assert.equal(await section.getByText('Not saved — the current kubeconfig stays').count(), 0);
    await section.getByRole('button', { name: 'Replace Kubeconfig' }).click();
    await section
      .getByRole('status')
      .getByText(/New kubeconfig saved/)
      .waitFor();
    await section.getByText('Healthy').waitFor();
    await shot('kubeconfig-replaced');
    const cluster = await api('GET', `${p}/clusters/rotating`);
    assert.equal(cluster.health, 'Healthy');
    assert.equal(cluster.server, env.clusters[0]?.server);
  });

  test('the cluster is renamed, then removed once the dialog has said what happens', async () => {
    const name = page.getByRole('region', { name: 'Name', exact: true });
    await name.getByLabel('Cluster name').fill('canary');
    await name.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('heading', { name: 'canary', exact: true }).waitFor();
    assert.match(page.url(), /#\/p\/.*\/clusters\/canary\?tab=settings$/);

    await page.getByRole('button', { name: 'Remove Cluster…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove Cluster canary' });
    const consequences = dialog.getByRole('list', { name: 'What removing the cluster does' });
    await consequences.getByText('Its backup policy is deleted: its scheduled backups stop.').waitFor();
    await consequences.getByText('It has no backups.').waitFor();
    await shot('remove-cluster');
    await dialog.getByRole('button', { name: 'Remove Cluster' }).click();
    await page.getByRole('heading', { name: 'Clusters', exact: true }).waitFor();
    await page.getByRole('row', { name: /staging/ }).waitFor();
    assert.equal(await page.getByRole('row', { name: /canary/ }).count(), 0);
    const clusters = (await api('GET', `${p}/clusters`)) as unknown as Json[];
    assert.deepEqual(
      clusters.map((c) => c.name),
      ['prod', 'staging'],
    );
  });

  test("a cluster's Restores tab offers every backup of the project, its own first", async () => {
    await page.goto(`${server.url}/#/p/${project}/clusters/staging?tab=restores`);
    const own = page.getByRole('region', { name: 'Backups of staging' });
    const other = page.getByRole('region', { name: 'Backups of prod' });
    await own.getByRole('button', { name: 'Restore', exact: true }).waitFor();
    await other.getByRole('button', { name: 'Restore', exact: true }).waitFor();
    await shot('restores-tab');
    // A backup of another cluster opens the wizard aimed at this one.
    await other.getByRole('button', { name: 'Restore', exact: true }).click();
    const wizard = page.getByRole('dialog', { name: 'Restore Backup' });
    assert.equal(await wizard.getByLabel('Target cluster').inputValue(), 'staging');
    await wizard.getByRole('button', { name: 'Cancel' }).click();
  });

  test("a workspace's backup group is restored as a group after its namespaces were lost", async () => {
    const [a, b] = env.clusters;
    assert.ok(a && b);
    for (const cluster of [a, b]) await kubectl(env, cluster, ['delete', 'namespace', ns, '--wait=true']);
    await page.goto(`${server.url}/#/p/${project}/workspaces/shop`);
    await page.getByRole('button', { name: 'Restore Group' }).click();
    const dialog = page.getByRole('dialog', { name: 'Restore Backup Group' });
    assert.equal(await dialog.getByLabel('Target cluster for prod').inputValue(), 'prod');
    assert.equal(await dialog.getByLabel('Target cluster for staging').inputValue(), 'staging');
    await dialog.getByLabel('Group restore name').fill('shop-back');
    await dialog.getByRole('button', { name: 'Review plans' }).click();
    for (const source of ['prod', 'staging']) {
      const plan = dialog.getByRole('region', { name: new RegExp(`^Plan of shop-.*-${source}$`) });
      await plan.getByText(`${source} → ${source}`).waitFor();
      await plan.getByText(/Plan: .*\d+ create/).waitFor();
    }
    await shot('group-restore-plans');
    await dialog.getByRole('button', { name: 'Restore Group' }).click();
    await page.getByRole('heading', { name: 'Group restore shop-back' }).waitFor();
    await page
      .getByRole('status')
      .getByText(/^Completed — 2 restores: 2 Completed$/)
      .waitFor({ timeout: 120_000 });
    await page.getByRole('link', { name: 'shop-back-prod' }).waitFor();
    await page.getByRole('link', { name: 'shop-back-staging' }).waitFor();
    await shot('group-restore-completed');
    for (const cluster of [a, b])
      assert.equal(
        await kubectl(env, cluster, [
          'get',
          'configmap',
          'settings',
          '-n',
          ns,
          '-o',
          'jsonpath={.data.from}',
        ]),
        cluster.name,
      );
    // The workspace lists it, and the workspace can be changed.
    await page.getByRole('link', { name: 'shop', exact: true }).click();
    await page
      .getByRole('region', { name: 'Group restores' })
      .getByRole('link', { name: 'shop-back' })
      .waitFor();
    await page.getByRole('button', { name: 'Edit Workspace' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit Workspace shop' });
    await edit.getByLabel('staging', { exact: true }).uncheck();
    await edit.getByLabel('Name', { exact: true }).fill('store');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'store', exact: true }).waitFor();
    const store = await api('GET', `${p}/workspaces/store`);
    assert.deepEqual(
      (store.clusters as Json[]).map((c) => c.name),
      ['prod'],
    );
  });

  test('another project is created from the top bar, renamed, and deleted once empty', async () => {
    const second = uniqueName('second');
    await page.getByRole('button', { name: 'New Project' }).click();
    const dialog = page.getByRole('dialog', { name: 'New Project' });
    await dialog.getByLabel('Project name').fill(second);
    await dialog.getByRole('button', { name: 'Create Project' }).click();
    await page.getByRole('heading', { name: 'Backup Locations', exact: true }).waitFor();
    assert.equal(await page.getByRole('combobox', { name: 'Project', exact: true }).inputValue(), second);
    const settings = page.getByRole('region', { name: 'Project', exact: true });
    await settings.getByLabel('Project name').fill(`${second}-b`);
    await settings.getByRole('button', { name: 'Rename Project' }).click();
    await page.waitForURL(new RegExp(`#/p/${second}-b/settings$`));
    await settings.getByRole('button', { name: 'Delete Project' }).click();
    await settings.getByRole('button', { name: 'Yes, delete' }).click();
    await page.getByRole('heading', { name: 'Clusters', exact: true }).waitFor();
    // The first project, not empty, lists what is left and offers no delete.
    await page.goto(`${server.url}/#/p/${project}/settings`);
    const first = page.getByRole('region', { name: 'Project', exact: true });
    await first
      .getByRole('list', { name: 'What the project still has' })
      .getByText('2 clusters: prod, staging')
      .waitFor();
    assert.equal(await first.getByRole('button', { name: 'Delete Project' }).count(), 0);
    await shot('project-settings');
    const projects = (await api('GET', '/projects')) as unknown as Json[];
    assert.deepEqual(
      projects.map((x) => x.name),
      [project],
    );
  });
});
