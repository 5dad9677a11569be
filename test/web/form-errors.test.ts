/**
 * One behaviour of refused forms in the console (issue 15; real Chromium against a real control plane and a
 * test-bed cluster): the server's words for a field show next to it, and clear as soon as that field is
 * edited — in the cluster registration, the cluster rename, the workspace form and the project rename — with no
 * note below the form repeating them. Screenshots go to test-results/console/form-errors-*.png.
 *
 * The console is served from LIFEBOAT_WEB_DIR when set (a private `vite build --outDir`), else web/dist.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import type { RunningServer } from '../../src/api/index.ts';
import { okApiCaller, openConsole, screenshots, startConsoleServer } from '../support/console.ts';
import { kubeconfigText } from '../support/control.ts';
import { uniqueName } from '../support/kube.ts';
import { type ClusterEnv, type TestbedEnv, useTestbed } from '../testbed/index.ts';

describe('refused fields in the console', () => {
  let env: TestbedEnv;
  let a: ClusterEnv;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const dataDir = mkdtempSync(join(tmpdir(), 'lifeboat-console-form-errors-'));
  const project = uniqueName('forms');
  const p = `/projects/${project}`;
  const shot = screenshots(() => page, 'form-errors-');
  const api = okApiCaller(() => server);

  /** The error shown at the field labelled `label` inside `within`. */
  const errorAt = (within: Locator, label: string) =>
    within
      .locator('.field-invalid')
      .filter({ has: page.getByLabel(label, { exact: true }) })
      .getByRole('alert');

  /** Types a bad value into `label`, submits, sees its error; types a good one and sees it gone with no note. */
  const refusedThenFixed = async (
    within: Locator,
    label: string,
    submit: string,
    values: { bad: string; good: string },
    screenshot?: string,
  ) => {
    const input = within.getByLabel(label, { exact: true });
    await input.fill(values.bad);
    await within.getByRole('button', { name: submit, exact: true }).click();
    const error = errorAt(within, label);
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /lower-case letters/);
    if (screenshot) await shot(screenshot);
    await input.fill(values.good);
    await error.waitFor({ state: 'detached' });
    assert.equal(await within.getByRole('alert').count(), 0, `no error left once ${label} is fixed`);
  };

  before(async () => {
    env = await useTestbed();
    a = env.clusters[0] ?? assert.fail('the test bed has a cluster');
    server = await startConsoleServer(dataDir, { webDirFromEnv: true });
    await api('POST', '/projects', { name: project });
    await api('POST', `${p}/clusters`, { name: 'prod', kubeconfig: kubeconfigText(a) });
    ({ browser, page } = await openConsole(env, server, { width: 1440 }));
  });
  after(async () => {
    await browser?.close();
    await server?.close(5000);
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('registering a cluster: the name error clears when the name is edited', async () => {
    await page.goto(`${server.url}/#/p/${project}/clusters`);
    await page.getByRole('button', { name: 'Register Cluster' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Register Cluster' });
    await dialog.getByLabel('Kubeconfig', { exact: true }).fill(kubeconfigText(a));
    await refusedThenFixed(
      dialog,
      'Name',
      'Register',
      { bad: 'Not_A_Name', good: 'staging' },
      'register-cluster',
    );
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  test('renaming a cluster: the name error clears when the name is edited', async () => {
    await page.goto(`${server.url}/#/p/${project}/clusters/prod?tab=settings`);
    const card = page.getByRole('region', { name: 'Name' });
    await refusedThenFixed(card, 'Cluster name', 'Rename', { bad: 'Not_A_Name', good: 'prod-2' });
  });

  test('a workspace: the name error clears when the name is edited', async () => {
    await page.goto(`${server.url}/#/p/${project}/workspaces`);
    await page.getByRole('button', { name: 'Create Workspace' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Create Workspace' });
    await dialog.getByRole('checkbox', { name: 'prod' }).check();
    await refusedThenFixed(
      dialog,
      'Name',
      'Create Workspace',
      { bad: 'Not_A_Name', good: 'team' },
      'workspace',
    );
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  test('renaming the project: the name error clears when the name is edited', async () => {
    await page.goto(`${server.url}/#/p/${project}/settings`);
    const form = page.locator('form').filter({ has: page.getByLabel('Project name', { exact: true }) });
    await refusedThenFixed(form, 'Project name', 'Rename Project', { bad: 'Not_A_Name', good: 'other' });
  });
});
