/**
 * The console works under its Content-Security-Policy, in real Chromium: signing in, creating a project,
 * the location wizard, registering a test-bed cluster and its page raise no CSP violation. An inline script
 * added on purpose is blocked and reported, which shows the policy is enforced and violations are seen.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type RunningServer, serve } from '../../src/api/index.ts';
import { defaultWebDir } from '../../src/api/server.ts';
import { kubeconfigText, testMasterKey } from '../support/control.ts';
import { type TestbedEnv, useTestbed } from '../testbed/index.ts';

describe('the console under its Content-Security-Policy', () => {
  let env: TestbedEnv;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const dataDir = mkdtempSync(join(tmpdir(), 'lifeboat-csp-'));
  /** CSP violations the page reported, and console messages about the policy. */
  const violations: string[] = [];

  before(async () => {
    env = await useTestbed();
    server = await serve({
      port: 0,
      dataDir,
      webDir: defaultWebDir,
      env: { LIFEBOAT_MASTER_KEY: testMasterKey },
      log: pino({ level: process.env.LIFEBOAT_TEST_LOG ?? 'silent' }),
      loops: { scheduler: 0, expiry: 0, sync: 0, health: 0 },
    });
    browser = await chromium.launch({ executablePath: env.chromium, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    page.setDefaultTimeout(30_000);
    await page.exposeFunction('reportViolation', (text: string) => violations.push(text));
    // In the page (this project compiles without the DOM's types: the browser's code is given as text).
    await page.addInitScript({
      content: `document.addEventListener('securitypolicyviolation', (event) =>
        window.reportViolation(event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline code') +
          ' (' + event.sourceFile + ':' + event.lineNumber + ')'));`,
    });
    page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) violations.push(message.text());
    });
  });
  after(async () => {
    await browser?.close();
    await server?.close(5000);
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('sign in, create a project, open the location wizard, register a cluster: no violation', async () => {
    const index = await page.goto(server.url);
    const policy = index?.headers()['content-security-policy'] ?? '';
    assert.match(policy, /script-src 'self'/, 'the console is served with its policy');
    assert.match(policy, /frame-ancestors 'none'/);
    await page.getByLabel('API token').fill('lbt_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('the token is not valid').waitFor();
    await page.getByLabel('API token').fill(server.plane.firstAdminToken ?? '');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Create your first project').waitFor();
    await page.getByLabel('Project name').fill('csp');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByText('No backup locations yet').waitFor();
    await page.getByRole('button', { name: 'Add New Backup Location' }).click();
    const wizard = page.getByRole('dialog', { name: 'Add New Backup Location' });
    await wizard.getByLabel('MinIO').check();
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByLabel('Endpoint').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('link', { name: 'Clusters' }).click();
    await page.getByText('No clusters yet').waitFor();
    const [cluster] = env.clusters;
    assert.ok(cluster);
    await page.getByRole('button', { name: 'Register Cluster' }).click();
    const dialog = page.getByRole('dialog', { name: 'Register Cluster' });
    await dialog.getByLabel('Name').fill('prod');
    await dialog.getByLabel('Kubeconfig', { exact: true }).fill(kubeconfigText(cluster));
    await dialog.getByRole('button', { name: 'Register' }).click();
    await dialog.getByText('Healthy').waitFor();
    await dialog.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('row', { name: /prod/ }).getByRole('link').first().click();
    await page.getByRole('heading', { name: /prod/ }).first().waitFor();
    // The page's styles applied: the console's style sheet was not blocked.
    const styled = await page.evaluate<number>('document.styleSheets.length');
    assert.ok(styled > 0, 'the style sheet loaded');
    assert.deepEqual(violations, []);
  });

  test('an inline script is blocked and reported (the policy is enforced)', async () => {
    const ran = await page.evaluate<boolean>(`(() => {
      const script = document.createElement('script');
      script.textContent = 'window.inlineRan = true';
      document.body.append(script);
      return window.inlineRan === true;
    })()`);
    assert.equal(ran, false);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(
      violations.some((text) => /script-src/.test(text)),
      `violations seen: ${JSON.stringify(violations)}`,
    );
  });
});
