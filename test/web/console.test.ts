/**
 * The console in real Chromium (Debian's package, driven by playwright-core) against a real control plane,
 * test-bed clusters and MinIO: sign in, add a MinIO location with its CA (a wrong key first), register two
 * clusters, back up the first and watch it complete, restore it into the second with a namespace mapping
 * after reviewing the plan, watch the restore complete, and find the objects there. A viewer sees no
 * restore or backup buttons. Screenshots of each step go to test-results/console/.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../src/api/index.ts';
import { createUser, setMember } from '../../src/control/index.ts';
import { openObjectStore, parseLocation } from '../../src/storage/index.ts';
import { namespaceWithConfigMap, openBrowser, shotsDir, startConsoleServer } from '../support/console.ts';
import { kubeconfigText } from '../support/control.ts';
import { backupDocument, writeRawBackup } from '../support/hostile.ts';
import { eventually, kubectl, uniqueName } from '../support/kube.ts';
import { minioCredentials, minioLocationUrl, type TestbedEnv, useTestbed } from '../testbed/index.ts';

describe('the web console', () => {
  let env: TestbedEnv;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const dataDir = mkdtempSync(join(tmpdir(), 'lifeboat-console-'));
  const ns = uniqueName('web');
  const project = 'platform';
  const locationPrefix = uniqueName('console');
  let step = 0;
  const shot = async (name: string, on: Page = page) => {
    step += 1;
    await on.screenshot({
      path: join(shotsDir, `${String(step).padStart(2, '0')}-${name}.png`),
      fullPage: true,
    });
  };

  before(async () => {
    env = await useTestbed();
    const [a] = env.clusters;
    assert.ok(a);
    await namespaceWithConfigMap(env, a, ns, 'web-settings', { theme: 'dark' });
    server = await startConsoleServer(dataDir);
    ({ browser, page } = await openBrowser(env, { timezoneId: 'Europe/Berlin' }));
  });
  after(async () => {
    await browser?.close();
    await server?.close(5000);
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('sign in and create the first project', async () => {
    await page.goto(server.url);
    await page.getByLabel('API token').fill('lbt_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('the token is not valid').waitFor();
    await page.getByLabel('API token').fill(server.plane.firstAdminToken ?? '');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Create your first project').waitFor();
    await shot('signed-in');
    await page.getByLabel('Project name').fill(project);
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'Backup Locations', exact: true }).waitFor();
    await page.getByText('No backup locations yet').waitFor();
  });

  test('add a MinIO location with its CA: a wrong key is named, the right one validates', async () => {
    await page.getByRole('button', { name: 'Add New Backup Location' }).click();
    const wizard = page.getByRole('dialog', { name: 'Add New Backup Location' });
    await wizard.getByLabel('MinIO').check();
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByLabel('Name', { exact: true }).fill('minio');
    await wizard.getByLabel('Endpoint').fill(env.s3.endpoint);
    await wizard.getByLabel('Region').fill(env.s3.region);
    await wizard.getByLabel('Bucket').fill(env.s3.bucket);
    await wizard.getByLabel('Prefix').fill(locationPrefix);
    await wizard.getByLabel('CA certificate (PEM)').fill(readFileSync(env.s3.caCert, 'utf8'));
    await wizard.getByLabel('Access key ID').fill(env.s3.accessKeyId);
    await wizard.getByLabel('Secret access key').fill('not-the-secret');
    await wizard.getByRole('button', { name: 'Validate' }).click();
    await wizard.getByText('the secret key does not match the access key').waitFor();
    await shot('location-wrong-key');
    await wizard.getByLabel('Secret access key').fill(env.s3.secretAccessKey);
    await wizard.getByRole('button', { name: 'Validate' }).click();
    await wizard.getByText(/Validated: wrote a probe object/).waitFor();
    await shot('location-validated');
    await wizard.getByRole('button', { name: 'Create' }).click();
    await wizard.waitFor({ state: 'hidden' });
    const row = page.getByRole('row', { name: /minio/ });
    await row.getByText('Valid', { exact: true }).waitFor();
    await shot('location-created');
  });

  test('register the two test-bed clusters', async () => {
    await page.getByRole('link', { name: 'Clusters' }).click();
    await page.getByText('No clusters yet').waitFor();
    for (const [name, cluster] of [
      ['prod', env.clusters[0]],
      ['staging', env.clusters[1]],
    ] as const) {
      assert.ok(cluster);
      await page.getByRole('button', { name: 'Register Cluster' }).click();
      const dialog = page.getByRole('dialog', { name: 'Register Cluster' });
      await dialog.getByLabel('Name').fill(name);
      await dialog.getByLabel('Kubeconfig', { exact: true }).fill(kubeconfigText(cluster));
      await dialog.getByRole('button', { name: 'Register' }).click();
      await dialog.getByText('Healthy').waitFor();
      await dialog.getByRole('button', { name: 'Done' }).click();
    }
    await page
      .getByRole('row', { name: /staging/ })
      .getByText('Healthy')
      .waitFor();
    await shot('clusters');
  });

  let backupName = '';
  test('back up the first cluster and watch it complete', async () => {
    await page.getByRole('link', { name: 'prod' }).click();
    await page.getByRole('tab', { name: 'Backups' }).click();
    await page.getByText('No backups yet').waitFor();
    await page.getByRole('button', { name: 'Create Backup' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create Backup' });
    backupName = uniqueName('first');
    await dialog.getByLabel('Backup name').fill(backupName);
    await dialog.getByLabel('Location').selectOption('minio');
    await dialog.getByLabel(ns).check();
    await shot('create-backup');
    await dialog.getByRole('button', { name: 'Create Backup' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const row = page.getByRole('row', { name: new RegExp(backupName) });
    await row.getByText('Completed').waitFor({ timeout: 60_000 });
    await shot('backup-completed');
  });

  test('restore it into the second cluster with a namespace mapping, after the plan', async () => {
    const target = `${ns}-copy`;
    await page.getByRole('tab', { name: 'Restores' }).click();
    await page
      .getByRole('row', { name: new RegExp(backupName) })
      .getByRole('button', { name: 'Restore' })
      .click();
    const wizard = page.getByRole('dialog', { name: 'Restore Backup' });
    await wizard.getByLabel('Target cluster').selectOption({ label: 'staging' });
    await wizard.getByLabel(`Restore namespace ${ns} as`).fill(target);
    await wizard.getByRole('button', { name: 'Review plan' }).click();
    await wizard.getByRole('row', { name: new RegExp(`create.*${target}.*web-settings`) }).waitFor();
    await wizard.getByText('will be created').first().waitFor();
    await shot('restore-plan');
    assert.equal(
      (
        await kubectl(env, env.clusters[1] ?? assert.fail(), ['get', 'ns', target, '--ignore-not-found'])
      ).trim(),
      '',
    );
    await wizard.getByRole('button', { name: 'Restore', exact: true }).click();
    await page.getByRole('heading', { name: /^Restore / }).waitFor();
    await page
      .getByRole('status')
      .getByText(/^Completed/)
      .waitFor({ timeout: 60_000 });
    await page
      .getByRole('row', { name: /web-settings/ })
      .getByText('created')
      .waitFor();
    // Each object by its kind, as the plan names it.
    await page
      .getByRole('row', { name: /web-settings/ })
      .getByRole('cell', { name: 'ConfigMap', exact: true })
      .waitFor();
    await shot('restore-completed');
    const [, b] = env.clusters;
    assert.ok(b);
    const theme = await kubectl(env, b, [
      'get',
      'configmap',
      'web-settings',
      '-n',
      target,
      '-o',
      'jsonpath={.data.theme}',
    ]);
    assert.equal(theme, 'dark');
  });

  test('schedule backups every two weeks, see the next runs; a location in use cannot be deleted', async () => {
    await page.getByRole('link', { name: 'Clusters', exact: true }).click();
    await page.getByRole('link', { name: 'prod' }).click();
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Schedule Backups' }).waitFor();
    await page.getByLabel('Backup prefix').fill('fortnightly');
    await page.getByLabel('Schedule', { exact: true }).selectOption({ label: 'Every two weeks at midnight' });
    const runs = page.getByRole('region', { name: 'Next runs' }).getByRole('listitem');
    // The preview follows the choice (debounced): wait until it shows 14-day steps, local midnights.
    const days = async () => {
      const texts = await runs.allTextContents();
      const times = texts.map((text) => Date.parse(text.replace(/\s/g, ' ')));
      return { texts, steps: times.slice(1).map((t, k) => Math.round((t - (times[k] ?? 0)) / 86_400_000)) };
    };
    const preview = await eventually('a two-weekly preview', async () => {
      const found = await days();
      return found.texts.length === 5 && found.steps.every((step) => step === 14) ? found : undefined;
    });
    for (const text of preview.texts) assert.match(text, /12:00\s?AM/);
    await shot('schedule');
    await page.getByRole('button', { name: 'Save Schedule' }).click();
    await page.getByText(/Schedule saved\. Next run:/).waitFor();
    await page.getByRole('link', { name: 'Project Settings' }).click();
    const row = page.getByRole('row', { name: /minio/ });
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.getByRole('button', { name: 'Yes, delete' }).click();
    await row.getByText(/used by the backup policies of cluster prod/).waitFor();
    await shot('location-delete-refused');
  });

  test("a decoy folder in the bucket shows in its location's row; backups open by id", async () => {
    // Another writer's folder whose description names the backup taken above: sync refuses it.
    const store = openObjectStore(parseLocation(minioLocationUrl(env, locationPrefix)), {
      s3Credentials: minioCredentials(env),
    });
    const decoy = uniqueName('decoy');
    try {
      await writeRawBackup(store, decoy, { description: backupDocument(backupName) });
    } finally {
      await store.close();
    }
    await server.plane.syncLocations();
    await page.reload();
    const row = page.getByRole('row', { name: /minio/ });
    await row.getByText('1 folder of this location could not be read as a backup').waitFor();
    await row.getByText(new RegExp(`backups/${decoy}/.*"${backupName}"`)).waitFor();
    await shot('location-sync-problem');
    await page.getByRole('link', { name: 'Clusters', exact: true }).click();
    await page.getByRole('link', { name: 'prod' }).click();
    await page.getByRole('tab', { name: 'Backups' }).click();
    await page.getByRole('link', { name: backupName }).click();
    await page.getByRole('heading', { name: backupName }).waitFor();
    assert.match(page.url(), /#\/p\/platform\/backups\/[0-9a-f]{8}-[0-9a-f]{4}-/, 'the link carries the id');
  });

  test('the keyboard alone signs in, moves between screens and opens and closes a dialog', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const keys = await context.newPage();
    await keys.goto(server.url);
    await keys.getByLabel('API token').focus();
    await keys.keyboard.type(server.plane.firstAdminToken ?? '');
    await keys.keyboard.press('Enter');
    await keys.getByRole('heading', { name: 'Clusters', exact: true }).waitFor();
    // Tab through the header to "Project Settings" and follow it.
    for (let i = 0; i < 12; i++) {
      await keys.keyboard.press('Tab');
      const focused = await keys.locator(':focus').textContent();
      if (focused === 'Project Settings') break;
    }
    await keys.keyboard.press('Enter');
    await keys.getByRole('heading', { name: 'Backup Locations', exact: true }).waitFor();
    await keys.getByRole('button', { name: 'Add New Backup Location' }).focus();
    await keys.keyboard.press('Enter');
    const wizard = keys.getByRole('dialog', { name: 'Add New Backup Location' });
    await wizard.waitFor();
    assert.equal(await wizard.locator(':focus').count(), 1, 'focus moved into the dialog');
    await shot('keyboard-dialog', keys);
    await keys.keyboard.press('Escape');
    await wizard.waitFor({ state: 'hidden' });
    await context.close();
  });

  test('a viewer sees no button that would start a backup or a restore', async () => {
    const ctx = server.plane.ctx;
    const [admin] = await ctx.db.query<{ id: string; name: string; created_at: Date }>(
      "select * from users where name = 'admin'",
    );
    assert.ok(admin);
    const caller = {
      user: { id: admin.id, name: admin.name, isAdmin: true, createdAt: admin.created_at },
      tokenId: '',
    };
    const viewer = await createUser(ctx, caller, { name: 'vera', isAdmin: false });
    await setMember(ctx, caller, project, 'vera', 'viewer');
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const other = await context.newPage();
    await other.goto(server.url);
    await other.getByLabel('API token').fill(viewer.token);
    await other.getByRole('button', { name: 'Sign in' }).click();
    await other.getByRole('heading', { name: 'Clusters' }).waitFor();
    await other.getByRole('link', { name: 'prod' }).click();
    await other.getByRole('tab', { name: 'Restores' }).click();
    await other
      .getByRole('row', { name: new RegExp(backupName) })
      .first()
      .waitFor();
    assert.equal(await other.getByRole('button', { name: 'Restore' }).count(), 0);
    await other.getByRole('tab', { name: 'Backups' }).click();
    // The first of them: a backup whose name starts with this one's may be listed too.
    await other
      .getByRole('row', { name: new RegExp(backupName) })
      .first()
      .waitFor();
    assert.equal(await other.getByRole('button', { name: 'Create Backup' }).count(), 0);
    await shot('viewer', other);
    await context.close();
  });
});
