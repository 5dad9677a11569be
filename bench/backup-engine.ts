/**
 * `node [--cpu-prof] bench/backup-engine.ts [--objects N] [--rounds R] [--baseline DIR]`: the backup engine's
 * own CPU, without a cluster: an API server held in memory (this file, implementing the `KubeClient` port)
 * serves one namespace of N objects in pages of 500 — ConfigMaps and Secrets of about 1.3 KB shaped as a
 * real API server lists them (managed fields, uid, resource version) — and the backup goes to a `file://`
 * location under the system's temporary directory. Prints each round's wall time and the CPU of the main
 * thread and of the whole process per object, interleaving this checkout and, with --baseline, the engine
 * of another checkout. What the test bed's LISTs cost is in backup-lists.ts; this isolates the engine.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { KubeClient, KubeRequest, KubeResponse } from '../src/kube/index.ts';
import { openObjectStore, parseLocation } from '../src/storage/index.ts';
import { loadAverage, median } from './lifeboat-cli.ts';
import { listedConfigMap, listedSecret } from './listed-objects.ts';

const namespace = 'bench-engine';
const pageSize = 500;

const resources = [
  { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace' },
  { name: 'configmaps', singularName: 'configmap', namespaced: true, kind: 'ConfigMap' },
  { name: 'secrets', singularName: 'secret', namespaced: true, kind: 'Secret' },
].map((r) => ({ ...r, verbs: ['create', 'delete', 'get', 'list'] }));

/** An API server of one namespace of ConfigMaps and Secrets, every page built once and served from memory. */
class MemoryApiServer implements KubeClient {
  readonly server = 'https://memory.bench';
  private readonly pages = new Map<string, Buffer>();

  constructor(objects: number) {
    const lists: Record<string, string[]> = {
      configmaps: [],
      secrets: [],
      namespaces: [JSON.stringify({ metadata: { name: namespace, uid: randomUUID() }, spec: {} })],
    };
    for (let i = 0; i < objects; i++) {
      if (i % 10 < 5) lists.configmaps?.push(JSON.stringify(listedConfigMap(i, namespace)));
      else lists.secrets?.push(JSON.stringify(listedSecret(i, namespace)));
    }
    for (const [resource, items] of Object.entries(lists)) {
      const path =
        resource === 'namespaces' ? '/api/v1/namespaces' : `/api/v1/namespaces/${namespace}/${resource}`;
      for (let from = 0; from === 0 || from < items.length; from += pageSize) {
        const next = from + pageSize < items.length ? `"continue":"at-${from + pageSize}",` : '';
        const body = `{"kind":"List","apiVersion":"v1","metadata":{${next}"resourceVersion":"1"},"items":[${items.slice(from, from + pageSize).join(',')}]}`;
        this.pages.set(`${path}?${from}`, Buffer.from(body));
      }
    }
  }

  async request(request: KubeRequest): Promise<KubeResponse> {
    await new Promise((settle) => setImmediate(settle));
    const json = (value: unknown): KubeResponse => ({
      status: 200,
      body: Buffer.from(JSON.stringify(value)),
      contentType: 'application/json',
    });
    if (request.path === '/version') return json({ gitVersion: 'v1.34.0', major: '1', minor: '34' });
    if (request.path === '/api') return json({ kind: 'APIVersions', versions: ['v1'] });
    if (request.path === '/apis') return json({ kind: 'APIGroupList', groups: [] });
    if (request.path === '/api/v1') return json({ kind: 'APIResourceList', resources });
    const token = request.query?.continue;
    const body = this.pages.get(`${request.path}?${token ? Number(token.slice(3)) : 0}`);
    if (body) return { status: 200, body, contentType: 'application/json' };
    // Every other collection (the namespace's other types) is empty.
    return json({ kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] });
  }

  async close(): Promise<void> {}
}

type RunBackup = typeof import('../src/backup/index.ts')['runBackup'];

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { objects: { type: 'string' }, rounds: { type: 'string' }, baseline: { type: 'string' } },
  });
  const objects = Number(values.objects ?? 50_000);
  const rounds = Number(values.rounds ?? 3);
  const print = (line: string) => process.stdout.write(`${line}\n`);
  const engines: {
    label: string;
    runBackup: RunBackup;
    done: { seconds: number; main: number; cpu: number }[];
  }[] = [{ label: 'this checkout', runBackup: (await import('../src/backup/index.ts')).runBackup, done: [] }];
  if (values.baseline) {
    const module = (await import(resolve(values.baseline, 'src/backup/index.ts'))) as {
      runBackup: RunBackup;
    };
    engines.push({ label: `baseline ${values.baseline}`, runBackup: module.runBackup, done: [] });
  }
  const kube = new MemoryApiServer(objects);
  const root = await mkdtemp(join(tmpdir(), 'lifeboat-bench-engine-'));
  const store = openObjectStore(parseLocation(`file://${root}`));
  print(
    `backup engine against an API server in memory: ${objects} objects, ${rounds} rounds; ${loadAverage()}`,
  );
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const engine of engines) {
        const started = performance.now();
        const cpu = process.cpuUsage();
        const main = process.threadCpuUsage();
        const outcome = await engine.runBackup({
          name: `engine-${round}-${engines.indexOf(engine)}-${Date.now().toString(36)}`,
          kube,
          store,
          includeNamespaces: [namespace],
        });
        const used = process.cpuUsage(cpu);
        const mainUsed = process.threadCpuUsage(main);
        const result = {
          seconds: (performance.now() - started) / 1000,
          main: (mainUsed.user + mainUsed.system) / 1e6,
          cpu: (used.user + used.system) / 1e6,
        };
        engine.done.push(result);
        const { phase, itemsBackedUp, sizeBytes, completionTimestamp } = outcome.description;
        // What runs after the tarball (index, resource list, results, logs, description).
        const after = (Date.now() - (completionTimestamp?.getTime() ?? Date.now())) / 1000;
        print(
          `round ${round} ${engine.label}: ${phase}, ${itemsBackedUp} items, ${(sizeBytes / 2 ** 20).toFixed(1)} MiB in ${result.seconds.toFixed(2)} s (${after.toFixed(2)} s after completion); CPU main thread ${result.main.toFixed(2)} s, process ${result.cpu.toFixed(2)} s; ${loadAverage()}`,
        );
      }
    }
    print(`\nmedians of ${rounds} rounds, per object:`);
    for (const engine of engines) {
      const per = (values: number[]) => `${((median(values) / objects) * 1e6).toFixed(1)} µs`;
      print(
        `  ${engine.label}: wall ${per(engine.done.map((r) => r.seconds))}, main-thread CPU ${per(engine.done.map((r) => r.main))}, process CPU ${per(engine.done.map((r) => r.cpu))}`,
      );
    }
    print(`  ${loadAverage()}`);
    return 0;
  } finally {
    await store.close();
    await rm(root, { recursive: true, force: true });
  }
}

process.exitCode = await main();
