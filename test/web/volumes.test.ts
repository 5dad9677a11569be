/**
 * The backup page's volumes in real Chromium, against a control plane and a test-bed cluster with a node and
 * the CSI hostpath driver: a backup with disks of a pod's PVC lists the volume (PVC, size, snapshotted with
 * the driver); a backup with disks of a namespace whose only volume is not CSI says plainly that nothing was
 * snapshotted, and why. Screenshots go to test-results/console/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { backupEnded, type Json } from '../support/console.ts';
import { consoleSuite } from '../support/console-suite.ts';
import { eventually, kubectl, uniqueName } from '../support/kube.ts';
import { hostPathClaim, type NodeCluster, nodeCluster, writeClaim } from '../support/volumes.ts';
import { useTestbedWithNodes } from '../testbed/index.ts';

describe('the backup page lists its volumes', () => {
  const suite = consoleSuite({ name: 'volumes', testbed: useTestbedWithNodes, page: { width: 1366 } });
  const { p, project, call, shot } = suite;
  let cluster: NodeCluster | undefined;
  const withCsi = uniqueName('csi');
  const withoutCsi = uniqueName('nocsi');
  const localPv = uniqueName('local-pv');
  const backups: string[] = [];
  suite.deleteNamespaces('prod', withCsi, withoutCsi);

  /** A backup with disks of `namespace`, once it has finished. */
  const backUp = async (namespace: string) => {
    const started = await call<{ id: string }>('POST', `${p}/clusters/prod/backups`, {
      name: uniqueName('disks'),
      location: 'minio',
      namespaces: [namespace],
      includeDisks: true,
    });
    assert.equal(started.status, 202, started.text);
    backups.push(started.body.id);
    return backupEnded<{ id: string; phase: string }>(
      call,
      project,
      started.body.id,
      `backup of ${namespace} to finish`,
    );
  };

  before(async () => {
    cluster = nodeCluster(suite.env);
    for (const ns of [withCsi, withoutCsi]) await kubectl(suite.env, cluster, ['create', 'namespace', ns]);
    // A pod's claim of the CSI class (the default); the other namespace's only claim is bound to a hostPath PV.
    await hostPathClaim(suite.env, cluster, withoutCsi, 'logs', localPv);
    await writeClaim(suite.env, cluster, withCsi, { file: 'console' });
  });
  suite.beforeClose(async () => {
    // Deleting the backups deletes their snapshots from the driver's storage.
    for (const id of backups) await call('DELETE', `${p}/backups/${id}`);
    await eventually(
      'the backups to be deleted',
      async () => ((await call<Json[]>('GET', `${p}/backups`)).body.length === 0 ? true : undefined),
      180_000,
    ).catch(() => undefined);
  });
  after(async () => {
    if (cluster)
      await kubectl(suite.env, cluster, ['delete', 'pv', localPv, '--wait=false', '--ignore-not-found']);
  });

  test('a backup with disks lists its volume: PVC, size, snapshotted with the driver', async () => {
    const backup = await backUp(withCsi);
    assert.notEqual(backup.phase, 'Failed', JSON.stringify(backup));
    await suite.open(`/p/${project}/backups/${backup.id}`);
    await suite.page.getByRole('heading', { name: 'Volumes' }).waitFor();
    const row = suite.page.getByRole('table', { name: 'Volumes' }).getByRole('row', { name: /data/ });
    await row.getByText('Snapshotted').waitFor();
    await row.getByText(nodeCluster(suite.env).node.csiDriver).waitFor();
    assert.match(
      String(await row.textContent()),
      new RegExp(`${withCsi}[\\s\\S]*data[\\s\\S]*\\d+(\\.\\d)? MiB`),
    );
    assert.equal(await suite.page.getByRole('note').count(), 0, 'nothing to warn about');
    await shot('snapshotted');
  });

  test('a backup with disks and no CSI volume says so plainly, with the reason', async () => {
    const backup = await backUp(withoutCsi);
    await suite.open(`/p/${project}/backups/${backup.id}`);
    await suite.page
      .getByRole('note')
      .getByText(/Disks were asked for, but no volume was snapshotted.*only its objects were backed up/)
      .waitFor();
    const row = suite.page.getByRole('table', { name: 'Volumes' }).getByRole('row', { name: /logs/ });
    await row.getByText('Not snapshotted').waitFor();
    await row.getByText(/not a CSI volume/).waitFor();
    await shot('no-csi');
  });
});
