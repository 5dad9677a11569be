/**
 * One behaviour of refused forms in the console (issue 15; real Chromium against a real control plane and a
 * test-bed cluster): the server's words for a field show next to it, and clear as soon as that field is
 * edited — in the cluster registration, the cluster rename, the workspace form and the project rename — with no
 * note below the form repeating them. Screenshots go to test-results/console/form-errors-*.png.
 *
 * The console is served from LIFEBOAT_WEB_DIR when set (a private `vite build --outDir`), else web/dist.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Locator } from 'playwright-core';
import { consoleSuite } from '../support/console-suite.ts';
import { kubeconfigText } from '../support/control.ts';

describe('refused fields in the console', () => {
  const suite = consoleSuite({ name: 'form-errors', locations: [] });
  const { project, shot } = suite;

  /** The error shown at the field labelled `label` inside `within`. */
  const errorAt = (within: Locator, label: string) =>
    within
      .locator('.field-invalid')
      .filter({ has: suite.page.getByLabel(label, { exact: true }) })
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

  test('registering a cluster: the name error clears when the name is edited', async () => {
    await suite.open(`/p/${project}/clusters`);
    await suite.page.getByRole('button', { name: 'Register Cluster' }).first().click();
    const dialog = suite.page.getByRole('dialog', { name: 'Register Cluster' });
    await dialog.getByLabel('Kubeconfig', { exact: true }).fill(kubeconfigText(suite.cluster('prod')));
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
    await suite.open(`/p/${project}/clusters/prod?tab=settings`);
    const card = suite.page.getByRole('region', { name: 'Name' });
    await refusedThenFixed(card, 'Cluster name', 'Rename', { bad: 'Not_A_Name', good: 'prod-2' });
  });

  test('a workspace: the name error clears when the name is edited', async () => {
    await suite.open(`/p/${project}/workspaces`);
    await suite.page.getByRole('button', { name: 'Create Workspace' }).first().click();
    const dialog = suite.page.getByRole('dialog', { name: 'Create Workspace' });
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
    await suite.open(`/p/${project}/settings`);
    const form = suite.page
      .locator('form')
      .filter({ has: suite.page.getByLabel('Project name', { exact: true }) });
    await refusedThenFixed(form, 'Project name', 'Rename Project', { bad: 'Not_A_Name', good: 'other' });
  });
});
