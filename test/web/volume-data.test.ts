/**
 * Copying volume data (the data mover, issue 14) in the console, in real Chromium against a control plane that
 * runs mover pods with the test bed's Lifeboat image, cluster a (a node with CSI storage) and MinIO: the
 * location form saves "copy volume data here by default" and the URL pods reach the store at (MinIO's pod
 * address), and shows both when reopened; the backup dialog's copy box is off and disabled until disks are
 * included, then follows the location's default, and the request carries an explicit choice (the "keep the
 * CSI snapshots too" box under it follows the copy and is sent when checked); the backup's
 * page shows its volume's copy (claim, phase, bytes) from the real mover; the schedule form saves the choice.
 * Screenshots go to test-results/console/volume-data-*.png.
 *
 * The console is served from LIFEBOAT_WEB_DIR when set (a private `vite build --outDir`), else web/dist.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { type RunningServer, serve } from '../../src/api/index.ts';
import type { BackupView, LocationView, PolicyView } from '../../src/api/types.ts';
import {
  apiCaller,
  backupEnded,
  createProjectWithMinio,
  type Json,
  openConsole,
  registerCluster,
  screenshots,
  shotsDir,
} from '../support/console.ts';
import { testMasterKey } from '../support/control.ts';
import { eventually, kubectl, uniqueName } from '../support/kube.ts';
import { type NodeCluster, nodeCluster, writeClaim } from '../support/volumes.ts';
import { type TestbedEnv, useTestbedWithNodes } from '../testbed/index.ts';

describe('copying volume data, in the console', () => {
  let env: TestbedEnv;
  let cluster: NodeCluster;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const dataDir = mkdtempSync(join(tmpdir(), 'lifeboat-volume-data-'));
  const project = 'movers';
  const ns = uniqueName('vdata');
  const backups: string[] = [];
  const call = apiCaller(() => server);
  const shot = screenshots(() => page, 'volume-data-');
  const podEndpoint = () => env.s3.podEndpoint ?? assert.fail('the test bed names no MinIO address for pods');

  before(async () => {
    env = await useTestbedWithNodes();
    cluster = nodeCluster(env);
    await kubectl(env, cluster, ['create', 'namespace', ns]);
    await writeClaim(env, cluster, ns, { 'notes.txt': 'copied by the mover\n'.repeat(4096) });
    const webDir = process.env.LIFEBOAT_WEB_DIR;
    // The console tests' server (startConsoleServer), with mover pods running the test bed's own image.
    mkdirSync(shotsDir, { recursive: true });
    server = await serve({
      port: 0,
      dataDir,
      ...(webDir ? { webDir } : {}),
      env: {
        LIFEBOAT_MASTER_KEY: testMasterKey,
        LIFEBOAT_PRIVATE_TARGETS: 'allow',
        LIFEBOAT_MOVER_IMAGE: env.images?.lifeboat ?? assert.fail('the test bed has no images'),
      },
      log: pino({ level: process.env.LIFEBOAT_TEST_LOG ?? 'silent' }),
      jobs: { pollMs: 200 },
      loops: { scheduler: 0, expiry: 0, sync: 0, health: 0 },
    });
    await createProjectWithMinio(call, env, project, uniqueName('volume-data-web'));
    await registerCluster(call, project, 'prod', cluster);
    ({ browser, page } = await openConsole(env, server));
  });

  after(async () => {
    await browser?.close();
    if (server) {
      // Deleting the backups deletes their snapshots (and forgets their copies in the repository).
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
    if (env && cluster) await kubectl(env, cluster, ['delete', 'namespace', ns, '--wait=false']);
  });

  test('the location form saves the copy default and the URL pods reach the store at', async () => {
    await page.goto(`${server.url}/#/p/${project}/settings`);
    const row = page.getByRole('row', { name: /minio/ });
    await row.getByRole('button', { name: 'Edit' }).click();
    const wizard = page.getByRole('dialog', { name: 'Edit Backup Location' });
    const copyHere = wizard.getByLabel('Copy volume data here by default');
    assert.equal(await copyHere.isChecked(), false);
    await copyHere.check();
    await wizard.getByLabel('URL from the clusters').fill(podEndpoint());
    await shot('location-form', page);
    await wizard.getByRole('button', { name: 'Save' }).click();
    await wizard.waitFor({ state: 'hidden' });
    await row.getByText('Copies volume data by default').waitFor();

    const [saved] = (await call<LocationView[]>('GET', `/projects/${project}/locations`)).body;
    assert.equal(saved?.config.copyVolumeData, true);
    assert.equal(saved?.config.moverEndpoint, podEndpoint());

    // Reopened, the form shows both as saved.
    await page.reload();
    await row.getByRole('button', { name: 'Edit' }).click();
    assert.equal(await wizard.getByLabel('Copy volume data here by default').isChecked(), true);
    assert.equal(await wizard.getByLabel('URL from the clusters').inputValue(), podEndpoint());
    await wizard.getByRole('button', { name: 'Cancel' }).click();
    await wizard.waitFor({ state: 'hidden' });
  });

  test("the backup dialog's copy box needs disks, follows the location and sends the choice", async () => {
    await page.goto(`${server.url}/#/p/${project}/clusters/prod?tab=backups`);
    await page.getByRole('button', { name: 'Create Backup' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create Backup' });
    const copy = dialog.getByLabel('Copy volume data with the backup');
    assert.equal(await copy.isDisabled(), true, 'off until disks are included');
    const keep = dialog.getByLabel('Keep the CSI snapshots too');
    assert.equal(await keep.isDisabled(), true, 'keeping needs the copy');
    assert.equal(await copy.isChecked(), false);
    await dialog.getByText(/Needs “Include all disks”/).waitFor();

    await dialog.getByLabel('Include all disks').check();
    assert.equal(await copy.isEnabled(), true);
    assert.equal(await copy.isChecked(), true, "the location's default (set above) is to copy");
    await dialog.getByText(/Default from location minio: copy\./).waitFor();
    await copy.uncheck();
    await dialog.getByText(/Chosen here \(location minio would copy\)/).waitFor();
    await dialog.getByRole('button', { name: 'Use the location’s default' }).click();
    assert.equal(await copy.isChecked(), true);
    await dialog.getByText(/Default from location minio: copy\./).waitFor();
    // Off, then on again: an explicit choice, sent as such.
    await copy.uncheck();
    await copy.check();
    // Keeping the snapshots too follows the copy box: disabled while the data is not copied.
    assert.equal(await keep.isEnabled(), true);
    assert.equal(await keep.isChecked(), false, "the location's default is to delete them");
    await copy.uncheck();
    assert.equal(await keep.isDisabled(), true);
    await copy.check();
    await keep.check();

    await dialog.getByLabel('Backup name').fill(uniqueName('moved'));
    await dialog.getByLabel(ns).check();
    await shot('backup-dialog', page);
    const sent = page.waitForRequest(
      (request) => request.method() === 'POST' && request.url().endsWith('/clusters/prod/backups'),
    );
    await dialog.getByRole('button', { name: 'Create Backup' }).click();
    const request = await sent;
    const body = request.postDataJSON() as Json;
    assert.equal(body.includeDisks, true);
    assert.equal(body.copyVolumeData, true);
    assert.equal(body.keepVolumeSnapshots, true);
    const answer = await request.response();
    assert.equal(answer?.status(), 202, await answer?.text());
    const created = (await answer?.json()) as BackupView;
    backups.push(created.id);
    assert.equal(created.options.copyVolumeData, true);
    assert.equal(created.options.keepVolumeSnapshots, true);

    // The backup's page while it runs: the volume's row appears once the mover starts.
    await page.goto(`${server.url}/#/p/${project}/backups/${created.id}`);
    const section = page.getByRole('region', { name: 'Volume data' });
    await section.waitFor({ timeout: 180_000 });

    const ended = await backupEnded<BackupView>(call, project, created.id, 'the backup with its data copied');
    assert.equal(ended.phase, 'Completed', JSON.stringify(ended));
    const [volume] = ended.volumeCopies;
    assert.equal(ended.volumeCopies.length, 1, JSON.stringify(ended.volumeCopies));
    assert.deepEqual([volume?.namespace, volume?.pvc, volume?.phase], [ns, 'data', 'Completed']);
    assert.ok((volume?.bytesTotal ?? 0) > 0 && volume?.bytesUploaded !== undefined, JSON.stringify(volume));

    const row = section.getByRole('row', { name: new RegExp(`${ns}/data`) });
    await row.getByText('Completed', { exact: true }).waitFor();
    const bar = row.getByRole('progressbar');
    assert.equal(await bar.getAttribute('aria-valuenow'), '100');
    assert.match(String(await bar.textContent()), /^\d+(\.\d)? (B|KiB|MiB) of \d+(\.\d)? (B|KiB|MiB)$/);
    await row.getByText(/uploaded \(new data after deduplication\)/).waitFor();
    await page.getByText('Data copied to the location (asked for)').waitFor();
    await shot('backup-completed', page);
  });

  test('the schedule form saves an explicit choice, and says it', async () => {
    await page.goto(`${server.url}/#/p/${project}/clusters/prod?tab=settings`);
    await page.getByRole('heading', { name: 'Schedule Backups' }).waitFor();
    const copy = page.getByLabel('Copy volume data with the backup');
    assert.equal(await copy.isDisabled(), true);
    await page.getByLabel('Include all disks').check();
    assert.equal(await copy.isChecked(), true, "the location's default");
    await copy.uncheck();
    assert.equal(
      await page.getByLabel('Keep the CSI snapshots too').isDisabled(),
      true,
      'no copy, nothing to keep',
    );
    await page.getByRole('button', { name: 'Save Schedule' }).click();
    await page.getByText(/Schedule saved/).waitFor();
    const policy = (await call<PolicyView>('GET', `/projects/${project}/clusters/prod/policy`)).body;
    assert.deepEqual([policy.includeDisks, policy.copyVolumeData], [true, false]);
    await page.reload();
    await page.getByText('Snapshotted, data not copied').waitFor();
    assert.equal(await page.getByLabel('Copy volume data with the backup').isChecked(), false);
    await shot('schedule', page);
  });
});
