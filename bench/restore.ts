/**
 * `npm run bench -- restore --objects N`: fills cluster a (as the backup benchmark does), backs up its bench
 * namespaces to MinIO, then times the restore of that backup into cluster b, where they do not exist:
 * objects/s, wall time, peak RSS — against the API server's create ceiling measured in the same run (a bare
 * client creating as many namespaces and posting the same objects into them, 32/64/128 in flight, both timed
 * as the restore's are: bare-client.ts), rounds interleaved (LIFEBOAT_BENCH_ROUNDS, default 2;
 * LIFEBOAT_BENCH_PARALLELISM=32,64 restores once with each per round). The namespaces restored into cluster b
 * and the backup are removed again (a shared test bed's other namespaces are neither taken nor restored);
 * cluster a keeps its fill for the next run. `node bench/restore-memory.ts` measures the engine's memory alone, without a cluster.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { nodeFlags } from '../src/cli/runtime.ts';
import { HttpKubeClient, type KubeConnection, loadConnection } from '../src/kube/index.ts';
import { openObjectStore, parseLocation } from '../src/storage/index.ts';
import {
  minioCredentials,
  minioLocationUrl,
  type TestbedCluster,
  type TestbedEnv,
} from '../test/testbed/testbed.ts';
import { createCeiling } from './bare-client.ts';
import { benchObjects, fillCluster, waitForSettled } from './cluster-fill.ts';
import { loadAverage, median } from './lifeboat-cli.ts';

const run = promisify(execFile);

export async function benchRestore(
  env: TestbedEnv,
  objects: number,
  print: (line: string) => void,
): Promise<void> {
  const [source, target] = env.clusters;
  if (!source || !target) throw new Error('the restore benchmark needs a test bed with two clusters');
  const kube = new HttpKubeClient(await loadConnection({ file: source.kubeconfig }), { maxInFlight: 32 });
  print(
    `restore benchmark: ${objects} objects (ConfigMaps and Secrets of ~1 KiB, Deployments) in 100 namespaces`,
  );
  const namespaces = await fillCluster(kube, objects, 'bench', print);
  await waitForSettled(kube, print);
  await kube.close();
  const location = minioLocationUrl(env, 'bench-restore');
  const backupName = `bench-${Date.now()}`;
  const rounds = Number(process.env.LIFEBOAT_BENCH_ROUNDS ?? 2);
  const clear = (names: readonly string[]) =>
    run(env.kubectl, [
      `--kubeconfig=${target.kubeconfig}`,
      'delete',
      'namespace',
      ...names,
      '--ignore-not-found',
      '--timeout=600s',
    ]);
  const targetConnection = await loadConnection({ file: target.kubeconfig });
  // LIFEBOAT_BENCH_PARALLELISM=32,64: each round restores once with each (default: the engine's own).
  const parallelisms = (process.env.LIFEBOAT_BENCH_PARALLELISM ?? '')
    .split(',')
    .filter(Boolean)
    .map(Number) as (number | undefined)[];
  if (parallelisms.length === 0) parallelisms.push(undefined);
  const restores = new Map<number | undefined, number[]>();
  const ceilings = new Map<number, number[]>();
  try {
    await backUp(env, location, namespaces, backupName, print);
    for (let round = 1; round <= rounds; round++) {
      print(`\nround ${round}: ${loadAverage()}`);
      for (const parallelism of parallelisms) {
        const suffix = parallelism === undefined ? `r${round}` : `r${round}-p${parallelism}`;
        const rate = await timeRestore(
          env,
          location,
          backupName,
          `${backupName}-${suffix}`,
          print,
          parallelism,
        );
        restores.set(parallelism, [...(restores.get(parallelism) ?? []), rate]);
        await clear(namespaces);
      }
      for (const inFlight of [32, 64, 128]) {
        // As many namespaces as the restore creates, the same objects spread over them.
        const ceilingNamespaces = ceilingNamespacesOf(inFlight, namespaces.length);
        const cpuBefore = process.cpuUsage();
        const seconds = await createCeiling(
          targetConnection,
          ceilingNamespaces,
          benchObjects(objects, ceilingNamespaces),
          inFlight,
        );
        const cpu = process.cpuUsage(cpuBefore);
        ceilings.set(inFlight, [...(ceilings.get(inFlight) ?? []), objects / seconds]);
        print(
          `  bare creates, ${inFlight} in flight: ${objects} in ${seconds.toFixed(2)} s = ${Math.round(objects / seconds)} objects/s, client CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s; ${loadAverage()}`,
        );
        await clear(ceilingNamespaces);
      }
      // For comparison with the figures of sessions before 12: one namespace, made before the timing.
      const single = 'bench-ceiling-single';
      const singleSeconds = await createCeilingOneNamespace(targetConnection, single, objects);
      print(
        `  (bare creates into one namespace, 64 in flight, as measured before session 12: ${Math.round(objects / singleSeconds)} objects/s)`,
      );
      await clear([single]);
    }
    const best = Math.max(...[...ceilings.values()].map(median));
    print(
      `\nmedians of ${rounds} rounds: ceiling ${Math.round(best)} objects/s (best of ${[...ceilings].map(([n, v]) => `${n}: ${Math.round(median(v))}`).join(', ')})`,
    );
    for (const [parallelism, rates] of restores) {
      const engine = median(rates);
      print(
        `  lifeboat restore (engine${parallelism === undefined ? '' : `, ${parallelism} in flight`}) ${Math.round(engine)} objects/s = ${Math.round((100 * engine) / best)} % of the ceiling`,
      );
    }
  } finally {
    await clear([
      ...namespaces,
      'bench-ceiling-single',
      ...[32, 64, 128].flatMap((n) => ceilingNamespacesOf(n, namespaces.length)),
    ]);
    const store = openObjectStore(parseLocation(location), { s3Credentials: minioCredentials(env) });
    const keys: string[] = [];
    const prefixes = [`backups/${backupName}/`];
    for (let round = 1; round <= rounds; round++)
      for (const parallelism of parallelisms)
        prefixes.push(
          `restores/${backupName}-${parallelism === undefined ? `r${round}` : `r${round}-p${parallelism}`}/`,
        );
    for (const prefix of prefixes) for await (const object of store.list(prefix)) keys.push(object.key);
    if (keys.length > 0) await store.delete(keys);
    await store.close();
  }
}

/** Sessions up to 11's ceiling: the objects into one namespace created before the clock starts. */
async function createCeilingOneNamespace(
  connection: KubeConnection,
  namespace: string,
  objects: number,
): Promise<number> {
  await createCeiling(connection, [namespace], [], 64);
  return createCeiling(connection, [], benchObjects(objects, [namespace]), 64);
}

/** The namespaces the bare client creates and fills with `inFlight` requests at once. */
function ceilingNamespacesOf(inFlight: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `bench-ceiling-${inFlight}-${i}`);
}

function childEnv(env: TestbedEnv): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ACCESS_KEY_ID: env.s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: env.s3.secretAccessKey,
  };
}

async function backUp(
  env: TestbedEnv,
  location: string,
  namespaces: string[],
  backupName: string,
  print: (line: string) => void,
): Promise<void> {
  const [source] = env.clusters as [TestbedCluster, TestbedCluster];
  const backup = JSON.parse(
    (
      await run(
        process.execPath,
        [...nodeFlags, 'bench/backup-once.ts', source.kubeconfig, location, backupName, namespaces.join(',')],
        { env: childEnv(env), maxBuffer: 64 << 20 },
      )
    ).stdout,
  ) as { items: number; seconds: number };
  print(`  backed up ${backup.items} objects in ${backup.seconds.toFixed(2)} s`);
}

/** One restore in its own process; its objects created per second. */
async function timeRestore(
  env: TestbedEnv,
  location: string,
  backupName: string,
  restoreName: string,
  print: (line: string) => void,
  parallelism?: number,
): Promise<number> {
  const [, target] = env.clusters as [TestbedCluster, TestbedCluster];
  const child = await run(
    process.execPath,
    [
      ...nodeFlags,
      'bench/restore-once.ts',
      target.kubeconfig,
      location,
      backupName,
      restoreName,
      ...(parallelism === undefined ? [] : [String(parallelism)]),
    ],
    { env: childEnv(env), maxBuffer: 64 << 20 },
  );
  const result = JSON.parse(child.stdout) as {
    phase: string;
    counts: Record<string, number>;
    total: number;
    seconds: number;
    cpuSeconds: number;
    prepared?: { seconds: number; cpuSeconds: number };
    peakRssMiB: number;
  };
  const written = (result.counts.created ?? 0) + (result.counts.updated ?? 0);
  const prepared = result.prepared
    ? `; reading and checking ${result.prepared.seconds.toFixed(2)} s (CPU ${result.prepared.cpuSeconds.toFixed(2)} s)`
    : '';
  print(
    `  lifeboat restore${parallelism === undefined ? '' : ` (${parallelism} in flight)`} into an empty cluster: ${written} objects created in ${result.seconds.toFixed(2)} s = ${Math.round(written / result.seconds)} objects/s, CPU ${result.cpuSeconds.toFixed(2)} s${prepared} ` +
      `(${result.total} in the backup: ${result.counts.skipped} skipped as recreated by their owners or cluster-made, ${result.counts.unchanged} already there, ${result.counts.exists} differing, ${result.counts.failed} failed); peak RSS ${result.peakRssMiB.toFixed(0)} MiB; phase ${result.phase}; ${loadAverage()}`,
  );
  return written / result.seconds;
}
