/**
 * `node bench/backup-lists.ts [--objects N] [--rounds R] [--keep] [--baseline DIR]`: Lifeboat's backup of one
 * namespace against its physical limit, the bare paged LISTs of the same collections (bare-client.ts),
 * interleaved R rounds (LISTs, then the backup by the CLI as a user runs it) on the test bed in
 * LIFEBOAT_TESTBED_ENV. With --baseline, the CLI of another checkout (an earlier version, its own
 * node_modules or a link to these) backs up too in each round, after this one. Prints each round and the
 * backup's time as a ratio of the LISTs (whole CLI, and the engine alone), with the load average. The
 * namespace of N objects (`bench-lists-<N>-000` in the first cluster) is kept with --keep so that a second
 * run needs no fill; the backups are deleted from the bucket at the end.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  backupResources,
  collectionPath,
  discoverResources,
  HttpKubeClient,
  loadConnection,
} from '../src/kube/index.ts';
import { openObjectStore, parseLocation } from '../src/storage/index.ts';
import { minioCredentials, minioLocationUrl, readEnv } from '../test/testbed/testbed.ts';
import { pagedLists } from './bare-client.ts';
import { fillCluster, waitForSettled } from './cluster-fill.ts';
import { engineSeconds, lifeboatCli, loadAverage, median } from './lifeboat-cli.ts';

const usage = 'usage: node bench/backup-lists.ts [--objects N] [--rounds R] [--keep] [--baseline DIR]';

/** One backup of a round, against the LISTs of the same round. */
interface Timing {
  lists: number;
  cli: number;
  engine: number;
  cpu?: number;
}

const range = (values: number[]) =>
  `${median(values).toFixed(2)} (${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)})`;

function summarise(print: (line: string) => void, label: string, done: Timing[]): void {
  print(`  ${label}:`);
  print(`    backup, CLI ${range(done.map((r) => r.cli))} s, engine ${range(done.map((r) => r.engine))} s`);
  // The process's start (node, the modules, the kubeconfig) and what follows the completion timestamp.
  print(`    CLI outside the engine ${range(done.map((r) => r.cli - r.engine))} s`);
  if (done.every((r) => r.cpu !== undefined)) print(`    backup CPU ${range(done.map((r) => r.cpu ?? 0))} s`);
  print(
    `    backup / LISTs of the same round: CLI ${range(done.map((r) => r.cli / r.lists))}x, engine ${range(done.map((r) => r.engine / r.lists))}x (aim: at most 1.5x)`,
  );
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      objects: { type: 'string' },
      rounds: { type: 'string' },
      keep: { type: 'boolean' },
      baseline: { type: 'string' },
    },
  });
  const objects = Number(values.objects ?? 10_000);
  const rounds = Number(values.rounds ?? 3);
  if (!Number.isInteger(objects) || objects < 1 || !Number.isInteger(rounds) || rounds < 1) {
    process.stderr.write(`--objects and --rounds must be positive whole numbers\n${usage}\n`);
    return 2;
  }
  const envFile = process.env.LIFEBOAT_TESTBED_ENV;
  if (!envFile) {
    process.stderr.write(`set LIFEBOAT_TESTBED_ENV to a running test bed's env.json\n${usage}\n`);
    return 2;
  }
  const print = (line: string) => process.stdout.write(`${line}\n`);
  const env = await readEnv(envFile);
  const cluster = env.clusters[0];
  if (!cluster) throw new Error('the test bed has no cluster');
  const connection = await loadConnection({ file: cluster.kubeconfig });
  const kube = new HttpKubeClient(connection, { maxInFlight: 32 });
  const location = minioLocationUrl(env, `bench-lists-${Date.now().toString(36)}`);
  const prefix = `bench-lists-${objects}`;
  try {
    print(
      `backup against bare paged LISTs: ${objects} objects in one namespace, ${rounds} rounds; ${loadAverage()}`,
    );
    const [namespace] = await fillCluster(kube, objects, prefix, print, { namespaces: 1 });
    if (!namespace) throw new Error('no namespace was filled');
    await waitForSettled(kube, print);
    // The collections the backup lists: the namespaces, and each namespaced type inside the namespace.
    const resources = backupResources(await discoverResources(kube)).filter((r) => r.namespaced);
    const paths = ['/api/v1/namespaces', ...resources.map((r) => collectionPath(r, namespace))];

    const tools: { label: string; root?: string; done: Timing[] }[] = [{ label: 'this checkout', done: [] }];
    if (values.baseline)
      tools.push({ label: `baseline ${values.baseline}`, root: resolve(values.baseline), done: [] });
    const lists: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      print(`\nround ${round}: ${loadAverage()}`);
      const listed = await pagedLists(connection, paths, 6);
      lists.push(listed.seconds);
      print(
        `  bare paged LISTs (${paths.length} collections, 6 at once): ${listed.pages} pages, ${(listed.bytes / 2 ** 20).toFixed(1)} MiB in ${listed.seconds.toFixed(2)} s`,
      );
      for (const tool of tools) {
        const args = [
          'backup',
          'create',
          `${prefix}-${round}-${Date.now().toString(36)}`,
          '--location',
          location,
          '--kubeconfig',
          cluster.kubeconfig,
          '--include-namespaces',
          namespace,
        ];
        const made = await lifeboatCli(env, args, tool.root);
        const engine = engineSeconds(made.out);
        print(
          `  ${tool.label}: backup ${made.out.phase}: ${made.out.itemsBackedUp} items in ${made.seconds.toFixed(2)} s (engine ${engine.toFixed(2)} s${made.cpuSeconds === undefined ? '' : `, CPU ${made.cpuSeconds.toFixed(2)} s, peak RSS ${made.peakRssMiB?.toFixed(0)} MiB`}) = ${(made.seconds / listed.seconds).toFixed(2)}x the LISTs (engine ${(engine / listed.seconds).toFixed(2)}x); ${loadAverage()}`,
        );
        tool.done.push({
          lists: listed.seconds,
          cli: made.seconds,
          engine,
          ...(made.cpuSeconds === undefined ? {} : { cpu: made.cpuSeconds }),
        });
      }
    }
    print(`\nsummary, median (range) of ${rounds} rounds: ${objects} objects`);
    print(`  bare paged LISTs ${range(lists)} s`);
    for (const tool of tools) summarise(print, tool.label, tool.done);
    print(`  ${loadAverage()}`);
    return 0;
  } finally {
    const store = openObjectStore(parseLocation(location), { s3Credentials: minioCredentials(env) });
    const keys: string[] = [];
    for await (const object of store.list('')) keys.push(object.key);
    if (keys.length > 0) await store.delete(keys);
    await store.close();
    if (!values.keep)
      await kube.request({ method: 'DELETE', path: `/api/v1/namespaces/${prefix}-000` }).catch(() => {});
    await kube.close();
  }
}

process.exitCode = await main();
