/**
 * A backup Velero made, found by sync, through the API and in real Chromium: hand-built in Velero's layout (no
 * Lifeboat content index, no size annotation) in the test bed's MinIO, it is recorded with its tarball's
 * size; its contents are listed from Velero's resource list, which the API and the console say; its unset
 * snapshotVolumes is Velero's default, told apart from an explicit false. Screenshots go to
 * test-results/console/.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { BackupView, ContentsView } from '../../src/api/types.ts';
import { consoleSuite } from '../support/console-suite.ts';
import { uniqueName } from '../support/kube.ts';
import { writeVeleroBackup } from '../support/velero-backup.ts';

describe('a backup Velero made, in the API and the console', () => {
  const suite = consoleSuite({ name: 'velero', clusters: {}, page: { width: 1366 } });
  const { project, call, shot } = suite;
  let tarballBytes = 0;
  const ns = uniqueName('vshop');
  const unset = uniqueName('velero-unset');
  const off = uniqueName('velero-off');
  const backups = new Map<string, BackupView>();

  before(async () => {
    const store = suite.store('minio');
    try {
      ({ tarballBytes } = await writeVeleroBackup(store, unset, ns));
      await writeVeleroBackup(store, off, ns, { snapshotVolumes: false });
    } finally {
      await store.close();
    }
    await suite.server.plane.syncLocations();
    const listed = await call<BackupView[]>('GET', `/projects/${project}/backups?location=minio`);
    for (const backup of listed.body) backups.set(backup.name, backup);
  });

  test("sync records it with its tarball's size and tells Velero's unset snapshotVolumes from false", () => {
    const found = backups.get(unset);
    assert.ok(found, [...backups.keys()].join(' '));
    assert.equal(found.phase, 'Completed');
    assert.equal(found.bytes, tarballBytes);
    assert.equal(found.options.includeDisks, false);
    assert.equal(found.options.includeDisksSource, 'velero-unset');
    assert.equal(backups.get(off)?.options.includeDisksSource, 'velero-set');
  });

  test('its contents come from the resource list, and the API says so', async () => {
    const id = backups.get(unset)?.id ?? '';
    const answer = await call<ContentsView>('GET', `/projects/${project}/backups/${id}/contents`);
    assert.equal(answer.status, 200, answer.text);
    const contents = answer.body;
    assert.deepEqual(
      [contents.source, contents.indexed, contents.warning, contents.totalItems],
      ['velero-resource-list', false, null, 4],
    );
    assert.deepEqual(contents.namespaces, [
      {
        namespace: null,
        kinds: [{ kind: 'Namespace', group: '', resource: 'namespaces', items: [ns] }],
      },
      {
        namespace: ns,
        kinds: [
          { kind: 'ConfigMap', group: '', resource: 'configmaps', items: ['settings'] },
          { kind: 'Deployment', group: 'apps', resource: 'deployments', items: ['web'] },
          { kind: 'Secret', group: '', resource: 'secrets', items: ['settings'] },
        ],
      },
    ]);
  });

  test('the backup page shows its size, Velero’s default disks and its contents, saying where they come from', async () => {
    const id = backups.get(unset)?.id ?? '';
    await suite.open(`/p/${project}/backups/${id}`);
    await suite.page.getByRole('heading', { name: 'Contents' }).waitFor();
    const stat = (label: string) =>
      suite.page.locator('.stat').filter({ has: suite.page.locator('.label', { hasText: label }) });
    const size = String(await stat('Size').locator('.value').textContent());
    assert.match(size, /\d/);
    assert.notEqual(size.trim(), '0 B');
    await stat('Cluster').getByText('not recorded (found in the bucket)').waitFor();
    await stat('Disks').getByText('Not set').waitFor();
    await stat('Disks').getByText("Velero's default: snapshots where a snapshotter is configured").waitFor();
    await suite.page.getByText(/Velero recorded no volumes/).waitFor();
    await suite.page
      .getByRole('note')
      .getByText(/Listed from Velero's resource list.*no per-object checksums/)
      .waitFor();
    await suite.page.getByText('4 objects in all.').waitFor();
    await suite.page.locator('.tree summary').filter({ hasText: ns }).click();
    await suite.page.getByText('Deployment (1)').waitFor();
    await suite.page.getByText('Secret (1)').waitFor();
    assert.equal(await suite.page.getByText(/not made by Lifeboat|no Lifeboat index/).count(), 0);
    await shot('backup');

    await suite.open(`/p/${project}/backups/${backups.get(off)?.id ?? ''}`);
    await suite.page.getByRole('heading', { name: 'Contents' }).waitFor();
    await stat('Disks').getByText('Not asked for').waitFor();
  });
});
