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
import { before, describe, test } from 'node:test';
import { type Json, namespaceWithConfigMap } from '../support/console.ts';
import { consoleSuite } from '../support/console-suite.ts';
import { kubeconfigText } from '../support/control.ts';
import { eventually, kubectl, uniqueName } from '../support/kube.ts';

describe('managing clusters, workspaces and projects in the console', () => {
  const suite = consoleSuite({
    name: 'manage',
    clusters: { prod: 0, staging: 1 },
    page: { timezoneId: 'Europe/Berlin' },
  });
  const { p, project, api, shot } = suite;
  const ns = uniqueName('shop');
  suite.deleteNamespaces('prod', ns);
  suite.deleteNamespaces('staging', ns);
  const deadKubeconfig = (port: number) =>
    kubeconfigText(suite.cluster('prod')).replace(/https:\/\/127\.0\.0\.1:\d+/, `https://127.0.0.1:${port}`);

  before(async () => {
    for (const name of ['prod', 'staging'])
      await namespaceWithConfigMap(suite.env, suite.cluster(name), ns, 'settings', {
        from: suite.cluster(name).name,
      });
    // What the first day set up, through the API.
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
  });

  test("a cluster's kubeconfig is replaced: one that does not work is refused, the old one kept", async () => {
    await suite.open(`/p/${project}/clusters/rotating`);
    await suite.page.getByText(/cannot reach the API server at https:\/\/127\.0\.0\.1:1/).waitFor();
    await suite.page.getByRole('link', { name: 'Replace its kubeconfig' }).click();
    const section = suite.page.getByRole('region', { name: 'Kubeconfig', exact: true });
    await section.getByLabel('New kubeconfig').fill(deadKubeconfig(2));
    await section.getByRole('button', { name: 'Replace Kubeconfig' }).click();
    await section.getByText('Not saved — the current kubeconfig stays').waitFor();
    await section.getByText(/cannot reach the API server at https:\/\/127\.0\.0\.1:2/).waitFor();
    await shot('kubeconfig-refused');
    // The error goes as soon as the input changes.
    await section.getByLabel('New kubeconfig').fill(kubeconfigText(suite.env.clusters[0] ?? assert.fail()));
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
    assert.equal(cluster.server, suite.env.clusters[0]?.server);
  });

  test('the cluster is renamed, then removed once the dialog has said what happens', async () => {
    const name = suite.page.getByRole('region', { name: 'Name', exact: true });
    await name.getByLabel('Cluster name').fill('canary');
    await name.getByRole('button', { name: 'Rename' }).click();
    await suite.page.getByRole('heading', { name: 'canary', exact: true }).waitFor();
    assert.match(suite.page.url(), /#\/p\/.*\/clusters\/canary\?tab=settings$/);

    await suite.page.getByRole('button', { name: 'Remove Cluster…' }).click();
    const dialog = suite.page.getByRole('dialog', { name: 'Remove Cluster canary' });
    const consequences = dialog.getByRole('list', { name: 'What removing the cluster does' });
    await consequences.getByText('Its backup policy is deleted: its scheduled backups stop.').waitFor();
    await consequences.getByText('It has no backups.').waitFor();
    await shot('remove-cluster');
    await dialog.getByRole('button', { name: 'Remove Cluster' }).click();
    await suite.page.getByRole('heading', { name: 'Clusters', exact: true }).waitFor();
    await suite.page.getByRole('row', { name: /staging/ }).waitFor();
    assert.equal(await suite.page.getByRole('row', { name: /canary/ }).count(), 0);
    const clusters = (await api('GET', `${p}/clusters`)) as unknown as Json[];
    assert.deepEqual(
      clusters.map((c) => c.name),
      ['prod', 'staging'],
    );
  });

  test("a cluster's Restores tab offers every backup of the project, its own first", async () => {
    await suite.open(`/p/${project}/clusters/staging?tab=restores`);
    const own = suite.page.getByRole('region', { name: 'Backups of staging' });
    const other = suite.page.getByRole('region', { name: 'Backups of prod' });
    await own.getByRole('button', { name: 'Restore', exact: true }).waitFor();
    await other.getByRole('button', { name: 'Restore', exact: true }).waitFor();
    await shot('restores-tab');
    // A backup of another cluster opens the wizard aimed at this one.
    await other.getByRole('button', { name: 'Restore', exact: true }).click();
    const wizard = suite.page.getByRole('dialog', { name: 'Restore Backup' });
    assert.equal(await wizard.getByLabel('Target cluster').inputValue(), 'staging');
    await wizard.getByRole('button', { name: 'Cancel' }).click();
  });

  test("a workspace's backup group is restored as a group after its namespaces were lost", async () => {
    const [a, b] = suite.env.clusters;
    assert.ok(a && b);
    for (const cluster of [a, b])
      await kubectl(suite.env, cluster, ['delete', 'namespace', ns, '--wait=true']);
    await suite.open(`/p/${project}/workspaces/shop`);
    await suite.page.getByRole('button', { name: 'Restore Group' }).click();
    const dialog = suite.page.getByRole('dialog', { name: 'Restore Backup Group' });
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
    await suite.page.getByRole('heading', { name: 'Group restore shop-back' }).waitFor();
    await suite.page
      .getByRole('status')
      .getByText(/^Completed — 2 restores: 2 Completed$/)
      .waitFor({ timeout: 120_000 });
    await suite.page.getByRole('link', { name: 'shop-back-prod' }).waitFor();
    await suite.page.getByRole('link', { name: 'shop-back-staging' }).waitFor();
    await shot('group-restore-completed');
    for (const cluster of [a, b])
      assert.equal(
        await kubectl(suite.env, cluster, [
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
    await suite.page.getByRole('link', { name: 'shop', exact: true }).click();
    await suite.page
      .getByRole('region', { name: 'Group restores' })
      .getByRole('link', { name: 'shop-back' })
      .waitFor();
    await suite.page.getByRole('button', { name: 'Edit Workspace' }).click();
    const edit = suite.page.getByRole('dialog', { name: 'Edit Workspace shop' });
    await edit.getByLabel('staging', { exact: true }).uncheck();
    await edit.getByLabel('Name', { exact: true }).fill('store');
    await edit.getByRole('button', { name: 'Save' }).click();
    await suite.page.getByRole('heading', { name: 'store', exact: true }).waitFor();
    const store = await api('GET', `${p}/workspaces/store`);
    assert.deepEqual(
      (store.clusters as Json[]).map((c) => c.name),
      ['prod'],
    );
  });

  test('another project is created from the top bar, renamed, and deleted once empty', async () => {
    const second = uniqueName('second');
    await suite.page.getByRole('button', { name: 'New Project' }).click();
    const dialog = suite.page.getByRole('dialog', { name: 'New Project' });
    await dialog.getByLabel('Project name').fill(second);
    await dialog.getByRole('button', { name: 'Create Project' }).click();
    await suite.page.getByRole('heading', { name: 'Backup Locations', exact: true }).waitFor();
    assert.equal(
      await suite.page.getByRole('combobox', { name: 'Project', exact: true }).inputValue(),
      second,
    );
    const settings = suite.page.getByRole('region', { name: 'Project', exact: true });
    await settings.getByLabel('Project name').fill(`${second}-b`);
    await settings.getByRole('button', { name: 'Rename Project' }).click();
    await suite.page.waitForURL(new RegExp(`#/p/${second}-b/settings$`));
    await settings.getByRole('button', { name: 'Delete Project' }).click();
    await settings.getByRole('button', { name: 'Yes, delete' }).click();
    await suite.page.getByRole('heading', { name: 'Clusters', exact: true }).waitFor();
    // The first project, not empty, lists what is left and offers no delete.
    await suite.open(`/p/${project}/settings`);
    const first = suite.page.getByRole('region', { name: 'Project', exact: true });
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
