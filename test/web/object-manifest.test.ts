/**
 * An object of a backup opened from its contents in real Chromium, against a control plane, a test-bed
 * cluster and MinIO: the stored manifest as YAML; the same object changed in the cluster, then compared with
 * live — the changed line shown as only in the backup and only live, the metadata noise left out and said so;
 * a Secret's keys without its values. Screenshots go to test-results/console/.
 *
 * The console is served from LIFEBOAT_WEB_DIR when set (a private `vite build --outDir`), else web/dist.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { backupEnded, namespaceWithConfigMap } from '../support/console.ts';
import { consoleSuite } from '../support/console-suite.ts';
import { apply, kubectl, patchConfigMapData, uniqueName } from '../support/kube.ts';

describe('an object of a backup in the console: its manifest, and what changed since', () => {
  const suite = consoleSuite({ name: 'object-manifest', page: { width: 1366 } });
  const { p, project, call, shot } = suite;
  let backupId = '';
  const ns = uniqueName('shop');
  const password = 'hunter2-in-the-console';
  suite.deleteNamespaces('prod', ns);

  const dialog = () => suite.page.getByRole('dialog');
  /** Opens the backup's page, the namespace in its contents, and the object `name` of kind `kind`. */
  const openObject = async (kind: string, name: string) => {
    // A fresh load (the token stays in the page's storage): nothing left open by an earlier test.
    await suite.page.goto('about:blank');
    await suite.open(`/p/${project}/backups/${backupId}`);
    await suite.page.getByRole('heading', { name: 'Contents' }).waitFor();
    await suite.page.locator('.tree summary').filter({ hasText: ns }).click();
    const ofKind = suite.page.locator('.tree details details').filter({ hasText: `${kind} (` });
    await ofKind.locator('summary').click();
    await ofKind.getByRole('button', { name }).click();
    await dialog()
      .getByRole('heading', { name: `${kind} ${ns}/${name}` })
      .waitFor();
  };

  before(async () => {
    const cluster = suite.cluster('prod');
    await namespaceWithConfigMap(suite.env, cluster, ns, 'settings', { color: 'teal', size: 'large' });
    await apply(suite.env, cluster, [
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'db', namespace: ns },
        stringData: { password },
      },
    ]);
    const started = await call<{ id: string }>('POST', `${p}/clusters/prod/backups`, {
      location: 'minio',
      namespaces: [ns],
    });
    assert.equal(started.status, 202, started.text);
    backupId = started.body.id;
    const ended = await backupEnded(call, project, backupId, 'the backup to finish');
    assert.equal(ended.phase, 'Completed', JSON.stringify(ended));
  });

  test('the stored manifest as YAML, then the live change as a diff without the metadata noise', async () => {
    await openObject('ConfigMap', 'settings');
    const stored = dialog().getByRole('region', { name: 'Stored manifest' });
    await stored.getByText('color: teal').waitFor();
    const yaml = String(await stored.textContent());
    assert.match(yaml, /^apiVersion: v1$/m);
    assert.match(yaml, /^kind: ConfigMap$/m);
    assert.match(yaml, /^data:\n {2}color: teal\n {2}size: large$/m);
    assert.match(yaml, new RegExp(`namespace: ${ns}`));
    await dialog().getByText(`resources/configmaps/namespaces/${ns}/settings.json`).waitFor();
    await shot('stored');

    // Someone changes the object after the backup.
    await patchConfigMapData(suite.env, suite.cluster('prod'), ns, 'settings', { color: 'navy' });
    await dialog().getByRole('tab', { name: 'Compare with live' }).click();
    const diff = dialog().getByRole('region', { name: 'Differences with the live object' });
    await diff.locator('.removed', { hasText: 'color: teal' }).waitFor();
    await diff.locator('.added', { hasText: 'color: navy' }).waitFor();
    await dialog().getByText('1 line only in the backup, 1 line only live.').waitFor();
    const shown = String(await diff.textContent());
    for (const noise of ['resourceVersion', 'uid:', 'managedFields', 'creationTimestamp'])
      assert.ok(!shown.includes(noise), `${noise} is left out of the comparison`);
    await dialog()
      .getByText(
        /Left out of the comparison: metadata\.resourceVersion, metadata\.uid, metadata\.managedFields/,
      )
      .waitFor();
    await shot('diff');

    // Back as it was: nothing to show; then gone from the cluster: said so.
    await patchConfigMapData(suite.env, suite.cluster('prod'), ns, 'settings', { color: 'teal' });
    await dialog().getByRole('button', { name: 'Compare again' }).click();
    await dialog().getByText('No differences: the live object is as the backup stores it.').waitFor();
    await kubectl(suite.env, suite.cluster('prod'), ['delete', 'configmap', 'settings', '-n', ns]);
    await dialog().getByRole('button', { name: 'Compare again' }).click();
    await dialog()
      .getByText(/Not in the cluster: cluster "prod" has no configmaps .*: it was deleted/)
      .waitFor();
    await dialog().getByRole('button', { name: 'Close' }).click();
    assert.equal(await dialog().count(), 0);
  });

  test('a Secret opens with its keys and without its values', async () => {
    await openObject('Secret', 'db');
    await dialog().getByText('A Secret: its keys are shown, its values never are.').waitFor();
    const stored = dialog().getByRole('region', { name: 'Stored manifest' });
    await stored.getByText('password: (redacted)').waitFor();
    const text = String(await suite.page.content());
    assert.ok(!text.includes(password), 'the value is not on the page');
    assert.ok(!text.includes(Buffer.from(password).toString('base64')), 'nor its base64');
    await shot('secret');
  });
});
