/**
 * `npm run bench -- control --objects N [--store embedded|postgres]`: the same fill as the restore benchmark,
 * then a backup and a restore into the empty second cluster run as jobs of a control plane (in this
 * process), driven through its HTTP API. Prints wall times, objects/s, the largest gap between two progress
 * updates seen by a client polling the API every 100 ms, the items saved for the restore and peak RSS — the
 * cost of the control plane (jobs, per-item progress in the database) over the bare engine.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createApi } from '../src/api/index.ts';
import { startControlPlane } from '../src/control/index.ts';
import { HttpKubeClient, loadConnection } from '../src/kube/index.ts';
import { createDatabase, dropDatabase, type TestbedEnv } from '../test/testbed/index.ts';
import { fillCluster, waitForSettled } from './cluster-fill.ts';

type Json = Record<string, unknown>;

export async function benchControl(
  env: TestbedEnv,
  objects: number,
  store: 'embedded' | 'postgres',
  print: (line: string) => void,
): Promise<void> {
  const [source, target] = env.clusters;
  if (!source || !target) throw new Error('the control-plane benchmark needs a test bed with two clusters');
  const kube = new HttpKubeClient(await loadConnection({ file: source.kubeconfig }), { maxInFlight: 32 });
  print(`control-plane benchmark: ${objects} objects, ${store} store`);
  await fillCluster(kube, objects, 'bench', print);
  await waitForSettled(kube, print);
  await kube.close();

  const dataDir = mkdtempSync(join(tmpdir(), 'lifeboat-bench-'));
  const dbName = `lifeboat_bench_${Date.now()}`;
  const databaseUrl = store === 'postgres' ? (await createDatabase(dbName)).url : undefined;
  let peakRss = process.memoryUsage().rss;
  const rssTimer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 100);
  const plane = await startControlPlane({
    dataDir,
    ...(databaseUrl ? { databaseUrl } : {}),
    // The test bed's stores are on 127.0.0.1.
    env: { ...process.env, LIFEBOAT_PRIVATE_TARGETS: 'allow' },
    log: pino({ level: 'warn' }),
    jobs: { pollMs: 100 },
    loops: { scheduler: 0, expiry: 0, sync: 0, health: 0 },
  });
  const app = createApi(plane.ctx);
  const token = plane.firstAdminToken ?? '';
  const call = async (method: string, path: string, body?: unknown): Promise<Json> => {
    const response = await app.request(`/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer = (await response.json()) as Json;
    if (response.status >= 400) throw new Error(`${method} ${path}: ${JSON.stringify(answer)}`);
    return answer;
  };
  /**
   * Polls every 100 ms until the job ends. Returns when progress first moved and the largest gap between
   * two progress changes after that (the time before the first object is done — reading the backup — has
   * nothing new to show).
   */
  const follow = async (
    path: string,
  ): Promise<{ answer: Json; seconds: number; firstMs: number; maxGapMs: number }> => {
    const start = Date.now();
    let last = '';
    let lastChange = 0;
    let firstMs = 0;
    let maxGapMs = 0;
    for (;;) {
      const answer = await call('GET', path);
      const progress = JSON.stringify(answer.progress);
      const moved = Number((answer.progress as Json).itemsDone) > 0;
      if (answer.phase === 'InProgress' && moved && progress !== last) {
        if (lastChange === 0) firstMs = Date.now() - start;
        else maxGapMs = Math.max(maxGapMs, Date.now() - lastChange);
        last = progress;
        lastChange = Date.now();
      }
      if (answer.phase === 'Completed' || answer.phase === 'PartiallyFailed' || answer.phase === 'Failed')
        return { answer, seconds: (Date.now() - start) / 1000, firstMs, maxGapMs };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  try {
    await call('POST', '/projects', { name: 'bench' });
    await call('POST', '/projects/bench/clusters', {
      name: 'a',
      kubeconfig: readFileSync(source.kubeconfig, 'utf8'),
    });
    await call('POST', '/projects/bench/clusters', {
      name: 'b',
      kubeconfig: readFileSync(target.kubeconfig, 'utf8'),
    });
    await call('POST', '/projects/bench/locations', {
      provider: 'minio',
      name: 'minio',
      endpoint: env.s3.endpoint,
      region: env.s3.region,
      bucket: env.s3.bucket,
      prefix: `bench-control-${Date.now()}`,
      caCert: readFileSync(env.s3.caCert, 'utf8'),
      accessKeyId: env.s3.accessKeyId,
      secretAccessKey: env.s3.secretAccessKey,
    });
    await call('POST', '/projects/bench/clusters/a/backups', { name: 'bench', location: 'minio' });
    const backup = await follow('/projects/bench/backups/bench');
    const items = Number((backup.answer.progress as Json).itemsDone);
    print(
      `  backup through the API: ${backup.answer.phase}, ${items} objects in ${backup.seconds.toFixed(2)} s = ${Math.round(items / backup.seconds)} objects/s (from request to Completed, as a client polling every 100 ms sees it); first progress after ${backup.firstMs} ms, then updates at most ${backup.maxGapMs} ms apart`,
    );
    await call('POST', '/projects/bench/restores', { name: 'bench-r', backup: 'bench', targetCluster: 'b' });
    const restore = await follow('/projects/bench/restores/bench-r');
    const counts = restore.answer.counts as Record<string, number>;
    const written = (counts.created ?? 0) + (counts.updated ?? 0);
    const saved = await plane.ctx.db.query<{ n: number }>('select count(*)::int as n from restore_items');
    print(
      `  restore through the API into the empty cluster: ${restore.answer.phase}, ${written} objects created in ${restore.seconds.toFixed(2)} s = ${Math.round(written / restore.seconds)} objects/s; ${saved[0]?.n} item results saved; first object done after ${restore.firstMs} ms, then progress updates at most ${restore.maxGapMs} ms apart`,
    );
    print(
      `  peak RSS of the process (control plane + engine + benchmark client): ${(peakRss / 2 ** 20).toFixed(0)} MiB`,
    );
  } finally {
    clearInterval(rssTimer);
    await plane.stop(5000);
    if (databaseUrl) await dropDatabase(dbName);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
