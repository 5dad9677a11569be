/**
 * The backup page's volumes in real Chromium, against a control plane and a test-bed cluster with a node and
 * the CSI hostpath driver: a backup with disks of a pod's PVC lists the volume (PVC, size, snapshotted with
 * the driver); a backup with disks of a namespace whose only volume is not CSI says plainly that nothing was
 * snapshotted, and why. Screenshots go to test-results/console/.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type RunningServer, serve } from '../../src/api/index.ts';
import { kubeconfigText, minioLocationBody, testMasterKey } from '../support/control.ts';
import { eventually, kubectl, uniqueName } from '../support/kube.ts';
import { hostPathClaim, type NodeCluster, nodeCluster, writeClaim } from '../support/volumes.ts';
import { type TestbedEnv, useTestbedWithNodes } from '../testbed/index.ts';

type Json = Record<string, unknown>;
const shots = join('test-results', 'console');

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

  const call = async <T = Json>(method: string, path: string, body?: unknown) => {
    const response = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${server.plane.firstAdminToken ?? ''}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, text, body: (text ? JSON.parse(text) : {}) as T };
  };
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
    return eventually(
      `backup of ${namespace} to finish`,
      async () => {
        const view = (
          await call<{ id: string; phase: string }>('GET', `/projects/${project}/backups/${started.body.id}`)
        ).body;
        return ['Completed', 'PartiallyFailed', 'Failed'].includes(view.phase) ? view : undefined;
      },
      180_000,
    );
  };

  before(async () => {
    env = await useTestbedWithNodes();
    cluster = nodeCluster(env);
    mkdirSync(shots, { recursive: true });
    for (const ns of [withCsi, withoutCsi]) await kubectl(env, cluster, ['create', 'namespace', ns]);
    // A pod's claim of the CSI class (the default); the other namespace's only claim is bound to a hostPath PV.
    await hostPathClaim(env, cluster, withoutCsi, 'logs', localPv);
    await writeClaim(env, cluster, withCsi, { file: 'console' });
    server = await serve({
      port: 0,
      dataDir,
      env: { LIFEBOAT_MASTER_KEY: testMasterKey, LIFEBOAT_PRIVATE_TARGETS: 'allow' },
      log: pino({ level: process.env.LIFEBOAT_TEST_LOG ?? 'silent' }),
      jobs: { pollMs: 200 },
      loops: { scheduler: 0, expiry: 0, sync: 0, health: 0 },
    });
    assert.equal((await call('POST', '/projects', { name: project })).status, 201);
    const location = await call('POST', `/projects/${project}/locations`, {
      ...minioLocationBody(env, 'minio', uniqueName('volumes-web')),
    });
    assert.equal(location.status, 201, location.text);
    const registered = await call<{ health: string }>('POST', `/projects/${project}/clusters`, {
      name: 'prod',
      kubeconfig: kubeconfigText(cluster),
    });
    assert.equal(registered.body.health, 'Healthy', registered.text);
    browser = await chromium.launch({ executablePath: env.chromium, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    page.setDefaultTimeout(30_000);
    await page.goto(server.url);
    await page.getByLabel('API token').fill(server.plane.firstAdminToken ?? '');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Clusters', exact: true }).waitFor();
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
    await page.screenshot({ path: join(shots, 'volumes-snapshotted.png'), fullPage: true });
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
    await page.screenshot({ path: join(shots, 'volumes-no-csi.png'), fullPage: true });
  });
});
