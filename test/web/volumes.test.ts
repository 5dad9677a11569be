/**
 * The backup page's volumes in real Chromium, against a control plane and a test-bed cluster with a node and
 * the CSI hostpath driver: a backup with disks of a pod's PVC lists the volume (PVC, size, snapshotted with
 * the driver); a backup with disks of a namespace whose only volume is not CSI says plainly that nothing was
 * snapshotted, and why. Screenshots go to test-results/console/.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../src/api/index.ts';
import {
  apiCaller,
  backupEnded,
  createProjectWithMinio,
  type Json,
  openConsole,
  registerCluster,
  screenshots,
  startConsoleServer,
} from '../support/console.ts';
import { eventually, kubectl, uniqueName } from '../support/kube.ts';
import { hostPathClaim, type NodeCluster, nodeCluster, writeClaim } from '../support/volumes.ts';
import { type TestbedEnv, useTestbedWithNodes } from '../testbed/index.ts';

describe('the backup page lists its volumes', () => {
  let env: TestbedEnv;
  let cluster: NodeCluster;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const dataDir = mkdtempSync(join(tmpdir(), 'lifeboat-volumes-'));
  const project = 'volumes';
  const withCsi = uniqueName('csi');
  const withoutCsi = uniqueName('nocsi');
  const localPv = uniqueName('local-pv');
  const backups: string[] = [];

  const call = apiCaller(() => server);
  const shot = screenshots(() => page);
  /** A backup with disks of `namespace`, once it has finished. */
  const backUp = async (namespace: string) => {
    const started = await call<{ id: string }>('POST', `/projects/${project}/clusters/prod/backups`, {
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
    env = await useTestbedWithNodes();
    cluster = nodeCluster(env);
    for (const ns of [withCsi, withoutCsi]) await kubectl(env, cluster, ['create', 'namespace', ns]);
    // A pod's claim of the CSI class (the default); the other namespace's only claim is bound to a hostPath PV.
    await hostPathClaim(env, cluster, withoutCsi, 'logs', localPv);
    await writeClaim(env, cluster, withCsi, { file: 'console' });
    server = await startConsoleServer(dataDir);
    await createProjectWithMinio(call, env, project, uniqueName('volumes-web'));
    await registerCluster(call, project, 'prod', cluster);
    ({ browser, page } = await openConsole(env, server));
  });

  after(async () => {
    await browser?.close();
    if (server) {
      // Deleting the backups deletes their snapshots from the driver's storage.
      for (const id of backups) await call('DELETE', `/projects/${project}/backups/${id}`);
      await eventually(
        'the backups to be deleted',
        async () =>
          (await call<Json[]>('GET', `/projects/${project}/backups`)).body.length === 0 ? true : undefined,
        180_000,
      ).catch(() => undefined);
      await server.close(5000);
    }
    rmSync(dataDir, { recursive: true, force: true });
    if (env && cluster) {
      for (const ns of [withCsi, withoutCsi])
        await kubectl(env, cluster, ['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
      await kubectl(env, cluster, ['delete', 'pv', localPv, '--wait=false', '--ignore-not-found']);
    }
  });

  test('a backup with disks lists its volume: PVC, size, snapshotted with the driver', async () => {
    const backup = await backUp(withCsi);
    assert.notEqual(backup.phase, 'Failed', JSON.stringify(backup));
    await page.goto(`${server.url}/#/p/${project}/backups/${backup.id}`);
    await page.getByRole('heading', { name: 'Volumes' }).waitFor();
    const row = page.getByRole('table', { name: 'Volumes' }).getByRole('row', { name: /data/ });
    await row.getByText('Snapshotted').waitFor();
    await row.getByText(cluster.node.csiDriver).waitFor();
    assert.match(
      String(await row.textContent()),
      new RegExp(`${withCsi}[\\s\\S]*data[\\s\\S]*\\d+(\\.\\d)? MiB`),
    );
    assert.equal(await page.getByRole('note').count(), 0, 'nothing to warn about');
    await shot('volumes-snapshotted');
  });

  test('a backup with disks and no CSI volume says so plainly, with the reason', async () => {
    const backup = await backUp(withoutCsi);
    await page.goto(`${server.url}/#/p/${project}/backups/${backup.id}`);
    await page
      .getByRole('note')
      .getByText(/Disks were asked for, but no volume was snapshotted.*only its objects were backed up/)
      .waitFor();
    const row = page.getByRole('table', { name: 'Volumes' }).getByRole('row', { name: /logs/ });
    await row.getByText('Not snapshotted').waitFor();
    await row.getByText(/not a CSI volume/).waitFor();
    await shot('volumes-no-csi');
  });
});
