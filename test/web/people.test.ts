/**
 * People in the console, in real Chromium against a real control plane: the People page of a project
 * (a user created with their first token shown once, a member added with the keyboard, a role changed, a
 * member removed, the last admin kept with a sentence saying why) and the Tokens page (a token created
 * with a name and an expiry, shown once, used by the `lifeboat` command, listed with its last use, revoked,
 * and then refused to the command). Screenshots go to test-results/console/.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { lifeboat } from '../support/cli.ts';
import { screenshots } from '../support/console.ts';
import { consoleSuite } from '../support/console-suite.ts';
import { uniqueName } from '../support/kube.ts';

describe('people and tokens in the console', () => {
  const suite = consoleSuite({
    name: 'people',
    locations: [],
    clusters: {},
    server: { jobs: false, privateTargets: false },
    page: { timezoneId: 'Europe/Berlin' },
  });
  const { project, api } = suite;
  const nina = uniqueName('nina');
  const omar = uniqueName('omar');
  let ninaToken = '';
  const shot = screenshots(() => suite.page);
  /** A row of the members table, by its text. */
  const members = (name: string | RegExp) =>
    suite.page.getByRole('table', { name: 'Members' }).getByRole('row', { name });

  before(async () => {
    await api('POST', '/users', { name: omar });
  });

  test('the People page: the creator is the last admin, and removing them is refused with why', async () => {
    await suite.page.getByRole('link', { name: 'People' }).click();
    await suite.page.getByRole('heading', { name: 'People' }).waitFor();
    const row = members(/admin/);
    await row.getByText('the last admin').waitFor();
    await row.getByRole('button', { name: 'Remove admin' }).click();
    const dialog = suite.page.getByRole('dialog', { name: 'Remove member' });
    await dialog.getByRole('button', { name: 'Remove member' }).click();
    await dialog
      .getByText(/"admin" is the last admin of project .* cannot be removed: make another member admin first/)
      .waitFor();
    await shot('people-last-admin');
    await suite.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await members(/admin/).count(), 1, 'still a member');
  });

  test('a user is created with a role; their first token is shown once and signs them in', async () => {
    await suite.page.getByRole('button', { name: 'New user' }).click();
    const dialog = suite.page.getByRole('dialog', { name: 'New user' });
    await dialog.getByLabel('User name').fill(nina);
    await dialog.getByRole('radio', { name: /^operator/ }).check();
    await dialog.getByRole('button', { name: 'Create user' }).click();
    const created = suite.page.getByRole('dialog', { name: 'User created' });
    ninaToken = await created.getByLabel('First token').inputValue();
    assert.match(ninaToken, /^lbt_/);
    await created.getByText('shown only this once').waitFor();
    await shot('people-user-created');
    await created.getByRole('button', { name: 'Done' }).click();
    await members(new RegExp(nina)).getByText('operator').waitFor();
    await suite.page
      .getByRole('table', { name: 'Lifeboat users' })
      .getByRole('row', { name: new RegExp(nina) })
      .waitFor();

    const context = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const other = await context.newPage();
    await other.goto(suite.server.url);
    await other.getByLabel('API token').fill(ninaToken);
    await other.getByRole('button', { name: 'Sign in' }).click();
    await other.getByText(`${nina} · operator`).waitFor();
    await other.getByRole('link', { name: 'People' }).click();
    await other.getByText('Ask an admin of this project to add members or change roles.').waitFor();
    assert.equal(
      await other.getByRole('button', { name: 'Add member' }).count(),
      0,
      'operators do not manage members',
    );
    assert.equal(await other.getByRole('button', { name: 'New user' }).count(), 0);
    await context.close();
  });

  test('with the keyboard: a member added, given another role, removed', async () => {
    const add = suite.page.getByRole('button', { name: 'Add member' });
    await add.focus();
    await suite.page.keyboard.press('Enter');
    const dialog = suite.page.getByRole('dialog', { name: 'Add member' });
    assert.equal(await dialog.locator(':focus').count(), 1, 'focus moved into the dialog');
    await dialog.getByLabel('User').focus();
    await suite.page.keyboard.type(omar);
    // Tab to the role radios (viewer is chosen), the arrow key moves to operator.
    await suite.page.keyboard.press('Tab');
    await suite.page.keyboard.press('ArrowDown');
    assert.equal(await dialog.getByRole('radio', { name: /^operator/ }).isChecked(), true);
    await suite.page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'hidden' });
    await members(new RegExp(omar)).getByText('operator').waitFor();

    await members(new RegExp(nina))
      .getByRole('button', { name: `Change the role of ${nina}` })
      .click();
    const change = suite.page.getByRole('dialog', { name: `Change the role of ${nina}` });
    await change.getByRole('radio', { name: /^admin/ }).check();
    await change.getByRole('button', { name: 'Save role' }).click();
    await change.waitFor({ state: 'hidden' });
    await members(new RegExp(nina)).getByText('admin', { exact: true }).waitFor();
    assert.equal(await suite.page.getByText('the last admin').count(), 0, 'two admins now');

    await members(new RegExp(omar))
      .getByRole('button', { name: `Remove ${omar}` })
      .click();
    await suite.page
      .getByRole('dialog', { name: 'Remove member' })
      .getByRole('button', { name: 'Remove member' })
      .click();
    await members(new RegExp(omar)).waitFor({ state: 'detached' });
    await shot('people');
  });

  test('a token created in the console, used by the CLI, revoked, and refused', async () => {
    await suite.page.getByRole('link', { name: 'Tokens' }).click();
    await suite.page.getByRole('heading', { name: 'API tokens' }).waitFor();
    await suite.page.getByRole('row', { name: /first sign-in \(this session\)/ }).waitFor();
    await suite.page.getByRole('button', { name: 'Create token' }).click();
    const dialog = suite.page.getByRole('dialog', { name: 'Create token' });
    await dialog.getByLabel('Name').fill('ci pipeline');
    assert.equal(
      await dialog.getByRole('radio', { name: '30 days' }).isChecked(),
      true,
      '30 days unless chosen',
    );
    await dialog.getByRole('radio', { name: '7 days' }).check();
    await dialog.getByRole('button', { name: 'Create token' }).click();
    const created = suite.page.getByRole('dialog', { name: 'Token created' });
    const value = await created.getByLabel('Token value').inputValue();
    assert.match(value, /^lbt_/);
    await created.getByText(/shown only this once\. It stops working on /).waitFor();
    await shot('tokens-created');
    await created.getByRole('button', { name: 'Done' }).click();
    const row = suite.page.getByRole('row', { name: /ci pipeline/ });
    await row.getByText('active').waitFor();
    await row.getByText('never').waitFor();
    assert.ok(!(await suite.page.content()).includes(value.slice(4)), 'the value is gone from the page');

    const cli = (args: string[]) =>
      lifeboat(args, { LIFEBOAT_SERVER: suite.server.url, LIFEBOAT_TOKEN: value, LIFEBOAT_PROJECT: project });
    const used = await cli(['member', 'list']);
    assert.equal(used.code, 0, used.stderr);
    assert.match(used.stdout, new RegExp(`${nina}\\s+admin`));
    await suite.page.reload();
    await row.getByText('active').waitFor();
    assert.equal(await row.getByText('never').count(), 0, 'its last use is shown');

    await row.getByRole('button', { name: 'Revoke ci pipeline' }).click();
    const revoke = suite.page.getByRole('dialog', { name: 'Revoke token' });
    await revoke.getByRole('button', { name: 'Revoke token' }).click();
    await revoke.waitFor({ state: 'hidden' });
    await row.getByText('revoked', { exact: true }).waitFor();
    assert.equal(await row.getByRole('button', { name: 'Revoke ci pipeline' }).count(), 0);
    await shot('tokens-revoked');

    const refused = await cli(['member', 'list']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /the token "ci pipeline" was revoked at /);
  });

  test('an expiry date is chosen on a calendar field; revoking the session’s own token signs out', async () => {
    const context = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const other = await context.newPage();
    await other.goto(suite.server.url);
    await other.getByLabel('API token').fill(ninaToken);
    await other.getByRole('button', { name: 'Sign in' }).click();
    await other.getByRole('link', { name: 'Tokens' }).click();
    await other.getByRole('button', { name: 'Create token' }).click();
    const dialog = other.getByRole('dialog', { name: 'Create token' });
    await dialog.getByLabel('Name').fill('release');
    await dialog.getByRole('radio', { name: 'On a date…' }).check();
    const submit = dialog.getByRole('button', { name: 'Create token' });
    assert.equal(await submit.isDisabled(), true, 'no date yet');
    await dialog.getByLabel('Expiry date').fill('2031-03-04');
    await submit.click();
    const created = other.getByRole('dialog', { name: 'Token created' });
    await created.getByText(/It stops working on Mar 4, 2031/).waitFor();
    await created.getByRole('button', { name: 'Done' }).click();

    const own = other.getByRole('row', { name: /first sign-in \(this session\)/ });
    await own.getByRole('button', { name: 'Revoke first sign-in' }).click();
    const revoke = other.getByRole('dialog', { name: 'Revoke token' });
    await revoke.getByText('This is the token you are signed in with').waitFor();
    await revoke.getByRole('button', { name: 'Revoke token' }).click();
    await other.getByLabel('API token').waitFor();
    await context.close();
  });
});
