/**
 * `npm run bench -- velero --objects N`: Velero and Lifeboat side by side in one run, on the test bed's
 * Velero (`up --velero`) and MinIO. One namespace of N objects in cluster a is backed up and restored into
 * cluster b (under a namespace of its own, deleted again before the next round) by each tool, interleaved:
 * Velero at its defaults, Lifeboat, Velero with raised client limits, Lifeboat — Velero as servers of the
 * benchmark's own beside each cluster (velero-server.ts), sharing the test bed's location. Then the physical limits in the same run: the API server's create ceiling (a bare client posting
 * the same objects, 32/64/128 in flight) and the bare paged LISTs of the namespace. Everything it creates —
 * namespaces, backups and restores in the bucket, its Velero servers — is removed at the end.
 */
import {
  backupResources,
  collectionPath,
  discoverResources,
  HttpKubeClient,
  loadConnection,
} from '../src/kube/index.ts';
import { openObjectStore, parseLocation } from '../src/storage/index.ts';
import { minioCredentials, minioLocationUrl, type TestbedEnv } from '../test/testbed/testbed.ts';
import { createCeiling, pagedLists } from './bare-client.ts';
import { benchObjects, fillCluster, waitForSettled } from './cluster-fill.ts';
import { engineSeconds as between, lifeboatCli as lifeboat, loadAverage, median } from './lifeboat-cli.ts';
import { OwnVelero } from './velero-server.ts';
import { kubectl, VeleroOf, type VeleroTestbed } from './velero-tools.ts';

/** Velero's client limits in the second Velero round (its defaults: --client-qps 20, --client-burst 30). */
const raisedLimits = ['--client-qps=1000', '--client-burst=2000'];
const ceilingInFlight = [32, 64, 128];

const load = loadAverage;

interface Timed {
  tool: string;
  backupSeconds: number;
  restoreSeconds: number;
  /** Lifeboat's own time inside the CLI process (from its start and completion timestamps). */
  engine?: { backup: number; restore: number };
  note: string;
}

export async function benchVelero(
  env: TestbedEnv,
  objects: number,
  print: (line: string) => void,
): Promise<void> {
  const [a, b] = env.clusters;
  if (!a || !b) throw new Error('the Velero benchmark needs a test bed with two clusters');
  if (!env.velero)
    throw new Error(
      'the Velero benchmark needs Velero beside the test bed: start it with `npm run testbed -- up --velero`',
    );
  const venv: VeleroTestbed = { ...env, velero: env.velero };
  const stamp = Date.now().toString(36);
  const prefix = `bv-${stamp}`;
  const defaultNamespace = (index: number) => env.velero?.clusters[index]?.namespace ?? 'velero';
  const location = minioLocationUrl(env, `bench-velero-${stamp}`);
  const cleanups: { what: string; run: () => Promise<unknown> }[] = [];
  const owned: OwnVelero[] = [];
  const interrupted = () => {
    void Promise.allSettled(owned.map((o) => o.stop())).then(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  const sourceKube = new HttpKubeClient(await loadConnection({ file: a.kubeconfig }), { maxInFlight: 32 });
  const targetConnection = await loadConnection({ file: b.kubeconfig });
  cleanups.push({ what: 'the client', run: () => sourceKube.close() });
  try {
    print(
      `velero benchmark: ${objects} objects (ConfigMaps and Secrets of ~1 KiB, Deployments) in one namespace; ${load()}`,
    );
    cleanups.push({
      what: 'the source namespace',
      run: () =>
        kubectl(env, a, ['delete', 'namespace', `${prefix}-000`, '--ignore-not-found', '--timeout=300s']),
    });
    const [source] = await fillCluster(sourceKube, objects, prefix, print, { namespaces: 1 });
    if (!source) throw new Error('no namespace was filled');
    await waitForSettled(sourceKube, print);

    // The test bed's own Velero servers (each syncs the benchmark's backups from the shared location).
    const testbedVelero = (index: number, cluster: typeof a) =>
      new VeleroOf(venv, cluster, defaultNamespace(index));
    const clearTarget = async (namespace: string) => {
      await kubectl(env, b, ['delete', 'namespace', namespace, '--ignore-not-found', '--timeout=300s']);
    };
    const rounds: Timed[] = [];

    const veleroRound = async (round: number, from: VeleroOf, to: VeleroOf, label: string) => {
      const backup = `${prefix}-velero-${round}`;
      const restore = `${backup}-restore`;
      const target = `${prefix}-v${round}`;
      cleanups.push({ what: `namespace ${target}`, run: () => clearTarget(target) });
      // Last (clean-ups run in reverse): the backup's files, then the copies of it anywhere (handed over, or
      // synced by another Velero on the same location within its minute).
      cleanups.push({
        what: `the copies of Velero backup ${backup}`,
        run: async () => {
          for (const velero of [to, testbedVelero(0, a), testbedVelero(1, b)]) await velero.forget(backup);
        },
      });
      cleanups.push({ what: `Velero backup ${backup}`, run: () => from.deleteBackup(backup) });
      cleanups.push({ what: `Velero restore ${restore}`, run: () => to.deleteRestore(restore) });
      print(`\n${label}: ${load()}`);
      const made = await from.backup(backup, source);
      print(
        `  backup ${made.status.phase}: ${made.status.progress?.itemsBackedUp} items in ${made.seconds.toFixed(2)} s`,
      );
      await from.handOver(backup, to);
      print(`  ${load()}`);
      const restored = await to.restore(restore, backup, { from: source, to: target });
      print(
        `  restore ${restored.status.phase}: ${restored.status.progress?.itemsRestored} items in ${restored.seconds.toFixed(2)} s (${restored.status.warnings ?? 0} warnings, ${restored.status.errors ?? 0} errors)`,
      );
      rounds.push({
        tool: label,
        backupSeconds: made.seconds,
        restoreSeconds: restored.seconds,
        note: `${made.status.phase}/${restored.status.phase}`,
      });
      // Taken away at once (untimed), so that the next round restores into a cluster as empty as this one did.
      await to.deleteRestore(restore);
      await clearTarget(target);
    };

    const lists: number[] = [];
    const lifeboatRound = async (round: number) => {
      const backup = `${prefix}-lifeboat-${round}`;
      const target = `${prefix}-l${round}`;
      cleanups.push({ what: `namespace ${target}`, run: () => clearTarget(target) });
      print(`\nLifeboat (CLI): ${load()}`);
      const made = await lifeboat(env, [
        'backup',
        'create',
        backup,
        '--location',
        location,
        '--kubeconfig',
        a.kubeconfig,
        '--include-namespaces',
        source,
      ]);
      print(
        `  backup ${made.out.phase}: ${made.out.itemsBackedUp} items in ${made.seconds.toFixed(2)} s (engine ${between(made.out).toFixed(2)} s${made.cpuSeconds === undefined ? '' : `, CPU ${made.cpuSeconds.toFixed(2)} s`})`,
      );
      print(`  ${load()}`);
      const restored = await lifeboat(env, [
        'restore',
        'create',
        `${backup}-restore`,
        '--from-backup',
        backup,
        '--location',
        location,
        '--kubeconfig',
        b.kubeconfig,
        '--namespace-mappings',
        `${source}:${target}`,
      ]);
      const counts = restored.out.counts as Record<string, number>;
      print(
        `  restore ${restored.out.phase}: ${counts.created} created, ${counts.skipped} skipped, ${counts.failed} failed in ${restored.seconds.toFixed(2)} s (engine ${between(restored.out).toFixed(2)} s)`,
      );
      rounds.push({
        tool: 'Lifeboat (CLI)',
        backupSeconds: made.seconds,
        restoreSeconds: restored.seconds,
        engine: { backup: between(made.out), restore: between(restored.out) },
        note: `${made.out.phase}/${restored.out.phase}`,
      });
      await clearTarget(target);
      // The bare paged LISTs of what this backup listed, right after it.
      const resources = backupResources(await discoverResources(sourceKube)).filter((r) => r.namespaced);
      const paths = ['/api/v1/namespaces', ...resources.map((r) => collectionPath(r, source))];
      const listed = await pagedLists(await loadConnection({ file: a.kubeconfig }), paths, 6);
      lists.push(listed.seconds);
      print(
        `  bare paged LISTs of the namespace (${paths.length} collections, 6 at once): ${listed.pages} pages, ${(listed.bytes / 2 ** 20).toFixed(1)} MiB in ${listed.seconds.toFixed(2)} s${listed.failed.length ? `; refused: ${listed.failed.join(', ')}` : ''}`,
      );
    };

    cleanups.push({
      what: "Lifeboat's backups and restores in the bucket",
      run: async () => {
        const store = openObjectStore(parseLocation(location), { s3Credentials: minioCredentials(env) });
        const keys: string[] = [];
        for await (const object of store.list('')) keys.push(object.key);
        if (keys.length > 0) await store.delete(keys);
        await store.close();
      },
    });

    // Velero servers of the benchmark's own, at Velero's defaults and then with raised client limits: the test
    // bed's are shared with other suites, whose backups would queue ahead of these.
    const ownNamespace = `${prefix}-velero`;
    print(
      `\nstarting Velero servers of the benchmark's own (namespace ${ownNamespace}) at Velero's defaults`,
    );
    for (const cluster of [a, b]) {
      const own = new OwnVelero(venv, cluster, ownNamespace);
      owned.push(own);
      cleanups.push({ what: `the benchmark's Velero in cluster ${cluster.name}`, run: () => own.remove() });
      await own.prepare();
      await own.start([]);
    }
    const [ownA, ownB] = owned as [OwnVelero, OwnVelero];
    await veleroRound(1, ownA.velero, ownB.velero, 'Velero (defaults)');
    await lifeboatRound(2);
    print(`\nrestarting them with ${raisedLimits.join(' ')}`);
    for (const own of owned) {
      await own.stop();
      await own.start(raisedLimits);
    }
    await veleroRound(3, ownA.velero, ownB.velero, `Velero (${raisedLimits.join(' ')})`);
    await lifeboatRound(4);

    // The API server's create ceiling: the same objects, posted bare.
    const ceilings: { inFlight: number; seconds: number }[] = [];
    for (const inFlight of ceilingInFlight) {
      const namespace = `${prefix}-c${inFlight}`;
      cleanups.push({ what: `namespace ${namespace}`, run: () => clearTarget(namespace) });
      print(`\nbare creates, ${inFlight} in flight: ${load()}`);
      const seconds = await createCeiling(
        targetConnection,
        [namespace],
        benchObjects(objects, [namespace]),
        inFlight,
      );
      ceilings.push({ inFlight, seconds });
      print(`  ${objects} objects in ${seconds.toFixed(2)} s = ${Math.round(objects / seconds)} objects/s`);
      await clearTarget(namespace);
    }

    summary(print, objects, rounds, ceilings, lists);
    print(`\n${load()}`);
  } finally {
    process.removeListener('SIGINT', interrupted);
    process.removeListener('SIGTERM', interrupted);
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup.run();
      } catch (error) {
        print(`clean-up of ${cleanup.what} failed: ${(error as Error).message}`);
      }
    }
  }
}

function summary(
  print: (line: string) => void,
  objects: number,
  rounds: Timed[],
  ceilings: { inFlight: number; seconds: number }[],
  lists: number[],
): void {
  const rate = (seconds: number) => Math.round(objects / seconds);
  print(
    `\nsummary (${objects} objects; objects/s counts the namespace's objects, whatever else each tool takes)`,
  );
  const width = Math.max(...rounds.map((r) => r.tool.length));
  print(`  ${'tool'.padEnd(width)} backup s  obj/s   restore s  obj/s   phases`);
  for (const r of rounds)
    print(
      `  ${r.tool.padEnd(width)} ${r.backupSeconds.toFixed(2).padStart(8)} ${String(rate(r.backupSeconds)).padStart(6)} ${r.restoreSeconds.toFixed(2).padStart(11)} ${String(rate(r.restoreSeconds)).padStart(6)}   ${r.note}`,
    );
  const lifeboat = rounds.filter((r) => r.engine);
  const lbBackup = median(lifeboat.map((r) => r.backupSeconds));
  const lbRestore = median(lifeboat.map((r) => r.restoreSeconds));
  for (const v of rounds.filter((r) => !r.engine))
    print(
      `  ${v.tool} / Lifeboat: backup ${(v.backupSeconds / lbBackup).toFixed(1)}x the time, restore ${(v.restoreSeconds / lbRestore).toFixed(1)}x`,
    );
  const best = ceilings.reduce((x, y) => (y.seconds < x.seconds ? y : x));
  const engineRestore = median(lifeboat.map((r) => r.engine?.restore ?? 0));
  print(
    `  create ceiling (bare client): ${ceilings.map((c) => `${rate(c.seconds)}/s at ${c.inFlight}`).join(', ')}; Lifeboat's restore ${rate(lbRestore)}/s = ${Math.round((100 * best.seconds) / lbRestore)} % of the best (engine alone ${Math.round((100 * best.seconds) / engineRestore)} %)`,
  );
  const engineBackup = median(lifeboat.map((r) => r.engine?.backup ?? 0));
  const list = median(lists);
  print(
    `  bare paged LISTs ${list.toFixed(2)} s; Lifeboat's backup ${(lbBackup / list).toFixed(1)}x that (engine alone ${(engineBackup / list).toFixed(1)}x)`,
  );
}
