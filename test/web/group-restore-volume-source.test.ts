/**
 * The volume source in the console's group restore dialog (real Chromium, a control plane, two test-bed
 * clusters): offered only when a chosen member's backup took disks, Auto by default, with the hint for the
 * choice; the choice goes with the group's plans and its restore, and each member restore records it.
 * Screenshots go to test-results/console/group-volume-source-*.png.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { type Json, namespaceWithConfigMap } from '../support/console.ts';
import { consoleSuite } from '../support/console-suite.ts';
import { eventually, uniqueName } from '../support/kube.ts';

describe('the volume source of a group restore in the console', () => {
  const suite = consoleSuite({ name: 'group-volume-source', clusters: { prod: 0, staging: 1 } });
  const { p, project } = suite;
  const ns = uniqueName('grp-vs');
  const members = ['prod', 'staging'] as const;
  for (const name of members) suite.deleteNamespaces(name, ns);

  const backUpGroup = async (workspace: string, includeDisks: boolean) => {
    await suite.api('POST', `${p}/workspaces`, { name: workspace, clusters: [...members], namespaces: [ns] });
    await suite.api('POST', `${p}/workspaces/${workspace}/backups`, {
      location: 'minio',
      name: uniqueName(workspace),
      includeDisks,
    });
    await eventually(
      `the backups of workspace ${workspace} to end`,
      async () => {
        const backups = (await suite.api('GET', `${p}/backups?workspace=${workspace}`)) as unknown as Json[];
        return backups.length === 2 && backups.every((x) => x.phase === 'Completed') ? backups : undefined;
      },
      180_000,
    );
  };
  const openDialog = async (workspace: string) => {
    await suite.open(`/p/${project}/workspaces/${workspace}`);
    await suite.page.getByRole('button', { name: 'Restore Group' }).click();
    return suite.page.getByRole('dialog', { name: 'Restore Backup Group' });
  };

  before(async () => {
    for (const name of members)
      await namespaceWithConfigMap(suite.env, suite.cluster(name), ns, 'settings', { from: name });
    await backUpGroup('plain', false);
    await backUpGroup('disks', true);
  });

  test('a group whose backups took no disks offers no volume source', async () => {
    const dialog = await openDialog('plain');
    await dialog.getByLabel('Existing resources').waitFor();
    assert.equal(await dialog.getByLabel('Volume source').count(), 0);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  test('a group with disks offers it; the choice goes with the plans and the restore, and each member records it', async () => {
    const { page } = suite;
    const dialog = await openDialog('disks');
    const source = dialog.getByLabel('Volume source');
    assert.equal(await source.inputValue(), 'auto', 'Auto by default');
    await source.selectOption({ label: 'Kept snapshots only' });
    await dialog.getByText(/^Never a copy: a claim whose snapshot the target cannot use fails/).waitFor();
    const bodyOf = (path: RegExp) =>
      page
        .waitForRequest(
          (request) => request.method() === 'POST' && path.test(new URL(request.url()).pathname),
        )
        .then((request) => request.postDataJSON() as Json);
    const planned = bodyOf(/\/backup-groups\/[^/]+\/restores\/plan$/);
    await dialog.getByLabel('Group restore name').fill('disks-back');
    await dialog.getByRole('button', { name: 'Review plans' }).click();
    assert.equal((await planned).volumeSource, 'snapshot');
    await suite.shot('plans');
    const started = bodyOf(/\/backup-groups\/[^/]+\/restores$/);
    await dialog.getByRole('button', { name: 'Restore Group' }).click();
    assert.equal((await started).volumeSource, 'snapshot');
    await page.getByRole('heading', { name: 'Group restore disks-back' }).waitFor();
    await page
      .getByRole('status')
      .getByText(/^Completed — 2 restores: 2 Completed$/)
      .waitFor({ timeout: 120_000 });
    const group = (await suite.api('GET', `${p}/group-restores/disks-back`)) as unknown as {
      members: { options: { volumeSource?: string } }[];
    };
    assert.deepEqual(
      group.members.map((member) => member.options.volumeSource),
      ['snapshot', 'snapshot'],
      JSON.stringify(group),
    );
  });
});
