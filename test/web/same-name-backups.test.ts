/**
 * Two backups of one name in two locations of one project, in the console (issue 15; real Chromium against a
 * real control plane, a test-bed cluster and MinIO): a namespace's ConfigMap is backed up into location east
 * as "teal", changed, and backed up under the same name into location west as "plum". The cluster's Backups
 * tab lists both, told apart by their location, each linking to its own page by id; each restores itself (a
 * real restore into a namespace of its own, holding that backup's colour); each deletes only itself (the
 * other's row, page and files stay). Screenshots go to test-results/console/same-name-*.png.
 *
 * The console is served from LIFEBOAT_WEB_DIR when set (a private `vite build --outDir`), else web/dist.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { backupEnded, namespaceWithConfigMap } from '../support/console.ts';
import { consoleSuite } from '../support/console-suite.ts';
import { configMapValue, eventually, patchConfigMapData, uniqueName } from '../support/kube.ts';

describe('two backups of one name in two locations', () => {
  const suite = consoleSuite({ name: 'same-name', locations: ['east', 'west'] });
  const { p, project } = suite;
  const ns = uniqueName('twins');
  const name = uniqueName('nightly');
  const colours = { east: 'teal', west: 'plum' } as const;
  type Place = keyof typeof colours;
  const locations = Object.keys(colours) as Place[];
  const ids: Partial<Record<Place, string>> = {};
  const idOf = (location: Place) => ids[location] ?? assert.fail(`no backup in ${location}`);
  const copyOf = (location: Place) => `${ns}-${location}`;
  suite.deleteNamespaces('prod', ns, ...locations.map(copyOf));

  /** The keys of backup `name`'s folder in `location`. */
  const filesIn = async (location: Place): Promise<string[]> => {
    const store = suite.store(location);
    try {
      const keys: string[] = [];
      for await (const object of store.list(`backups/${name}/`)) keys.push(object.key);
      return keys;
    } finally {
      await store.close();
    }
  };
  /** The row of the cluster's Backups tab for the backup of `name` in `location`. */
  const rowOf = (location: Place) =>
    suite.page
      .getByRole('row')
      .filter({ hasText: name })
      .filter({ has: suite.page.getByRole('cell', { name: location, exact: true }) });

  before(async () => {
    const prod = suite.cluster('prod');
    await namespaceWithConfigMap(suite.env, prod, ns, 'settings', { colour: colours.east });
    for (const location of locations) {
      await patchConfigMapData(suite.env, prod, ns, 'settings', { colour: colours[location] });
      const started = await suite.api('POST', `${p}/clusters/prod/backups`, {
        name,
        location,
        namespaces: [ns],
      });
      const ended = await backupEnded(suite.call, project, String(started.id), `the backup in ${location}`);
      assert.equal(ended.phase, 'Completed');
      ids[location] = String(started.id);
    }
    assert.notEqual(ids.east, ids.west);
  });

  test("the cluster's Backups tab lists both by location, each opening its own page by id", async () => {
    const { page } = suite;
    await suite.open(`/p/${project}/clusters/prod?tab=backups`);
    await rowOf('east').waitFor();
    assert.equal(await page.getByRole('row').filter({ hasText: name }).count(), 2, 'both are listed');
    await suite.shot('list');
    for (const location of locations) {
      await suite.open(`/p/${project}/clusters/prod?tab=backups`);
      await rowOf(location).getByRole('link', { name, exact: true }).click();
      await page.getByRole('heading', { name, exact: true }).waitFor();
      assert.ok(page.url().endsWith(`/backups/${idOf(location)}`), `${page.url()} is ${location}'s by id`);
      const stat = page.locator('.stat').filter({ hasText: /^Location/ });
      assert.equal(await stat.locator('.value').textContent(), location);
      await suite.shot(`page-${location}`);
    }
  });

  test('each restores itself: its own objects, into a namespace of its own', async () => {
    const { page } = suite;
    for (const location of locations) {
      await suite.open(`/p/${project}/backups/${idOf(location)}`);
      await page.getByRole('button', { name: 'Restore', exact: true }).click();
      const wizard = page.getByRole('dialog', { name: 'Restore Backup' });
      await wizard.getByLabel('Restore name', { exact: true }).fill(`${name}-${location}`);
      await wizard.getByLabel(`Restore namespace ${ns} as`).fill(copyOf(location));
      await wizard.getByRole('button', { name: 'Review plan' }).click();
      await wizard.getByRole('row', { name: new RegExp(`create.*${copyOf(location)}.*settings`) }).waitFor();
      await suite.shot(`plan-${location}`);
      await wizard.getByRole('button', { name: 'Restore', exact: true }).click();
      await page.getByRole('heading', { name: `Restore ${name}-${location}` }).waitFor();
      await page
        .getByRole('status')
        .getByText(/^Completed/)
        .waitFor({ timeout: 120_000 });
      const backupLink = page
        .locator('.stat')
        .filter({ hasText: /^Backup/ })
        .getByRole('link');
      assert.ok(
        (await backupLink.getAttribute('href'))?.endsWith(`/backups/${idOf(location)}`),
        `the restore of ${location}'s backup links to it by id`,
      );
      await suite.shot(`restored-${location}`);
      const colour = await configMapValue(
        suite.env,
        suite.cluster('prod'),
        copyOf(location),
        'settings',
        'colour',
      );
      assert.equal(colour, colours[location], `the restore of ${location}'s backup holds its colour`);
    }
  });

  test('each deletes only itself', async () => {
    const { page } = suite;
    for (const [gone, kept] of [
      ['east', 'west'],
      ['west', undefined],
    ] as const) {
      await suite.open(`/p/${project}/backups/${idOf(gone)}`);
      await page.getByRole('button', { name: 'Delete', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: 'Delete backup' });
      await dialog
        .locator('strong')
        .filter({ hasText: new RegExp(`^${gone}$`) })
        .waitFor();
      await suite.shot(`delete-${gone}`);
      await dialog.getByRole('button', { name: 'Delete backup' }).click();
      await page.getByRole('tab', { name: 'Backups', selected: true }).waitFor();
      await eventually(`${gone}'s backup to go`, async () =>
        (await suite.call('GET', `${p}/backups/${idOf(gone)}`)).status === 404 ? true : undefined,
      );
      assert.deepEqual(await filesIn(gone), [], `${gone}'s files are deleted`);
      if (!kept) continue;
      const other = await suite.call<{ phase: string }>('GET', `${p}/backups/${idOf(kept)}`);
      assert.equal(other.body.phase, 'Completed', `${kept}'s backup is untouched: ${other.text}`);
      assert.ok((await filesIn(kept)).length > 0, `${kept}'s files stay`);
      await suite.open(`/p/${project}/clusters/prod?tab=backups`);
      await rowOf(kept).waitFor();
      // The list shows it Deleting until it is gone, then refreshes.
      await rowOf(gone).waitFor({ state: 'detached' });
      assert.equal(await page.getByRole('row').filter({ hasText: name }).count(), 1);
      await suite.shot(`after-delete-${gone}`);
      await suite.open(`/p/${project}/backups/${idOf(kept)}`);
      await page.getByRole('heading', { name, exact: true }).waitFor();
    }
  });
});
