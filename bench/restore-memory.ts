/**
 * Peak RSS of the restore engine by number of objects, without a cluster: a backup of N ConfigMaps of ~1 KiB
 * (with Lifeboat's content index) is written to a file:// location, then each restore runs in its own
 * process against an API server stand-in that accepts every create at once (it implements the KubeClient
 * port), so the figure is the engine's own memory and time: reading, checking, sanitizing, sending. Each
 * restore runs with the CLI's Node flags (src/cli/runtime.ts), as `lifeboat restore create` does.
 *   node bench/restore-memory.ts [N ...]          (default 10000 50000 100000; rounds interleaved)
 *   node bench/restore-memory.ts --rounds 3 10000 50000
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { nodeFlags } from '../src/cli/runtime.ts';
import type { KubeClient, KubeRequest, KubeResponse } from '../src/kube/index.ts';
import { runRestore } from '../src/restore/index.ts';
import { openObjectStore, parseLocation } from '../src/storage/index.ts';
import { jsonAnswer, namespacesAndConfigMapsDiscovery } from '../test/support/fake-kube.ts';
import {
  backupDocument,
  configMap,
  type IndexItem,
  indexFile,
  itemPaths,
  sha256,
  type TarFile,
  tarball,
  writeRawBackup,
} from '../test/support/hostile.ts';

const run = promisify(execFile);
const [mode, ...rest] = process.argv.slice(2);

/** Serves namespaces and ConfigMaps; every create succeeds. */
const acceptAll: KubeClient = {
  server: 'https://stand-in.test',
  async close() {},
  async request(request: KubeRequest): Promise<KubeResponse> {
    const discovery = namespacesAndConfigMapsDiscovery(request.path);
    if (discovery) return discovery;
    // A create answered after a macrotask, as a socket's answer would be.
    await new Promise((resolve) => setImmediate(resolve));
    return jsonAnswer({ metadata: {} }, 201);
  },
};

async function writeBackup(location: string, name: string, objects: number): Promise<void> {
  const store = openObjectStore(parseLocation(location));
  const files: TarFile[] = [];
  const index: IndexItem[] = [];
  for (let i = 0; i < objects; i++) {
    const ns = `bench-${i % 100}`;
    const body = JSON.stringify(configMap(ns, `cm-${i}`, { data: 'x'.repeat(900) }));
    for (const path of itemPaths('configmaps', ns, `cm-${i}`)) files.push({ name: path, data: body });
    index.push({
      ...{ group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespace: ns },
      ...{ name: `cm-${i}`, sha256: sha256(body), size: Buffer.byteLength(body) },
    });
  }
  await writeRawBackup(store, name, {
    description: backupDocument(name),
    tarball: tarball(files),
    index: indexFile(name, index),
  });
  await store.close();
}

async function restoreOnce(location: string, name: string): Promise<void> {
  const store = openObjectStore(parseLocation(location));
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const outcome = await runRestore({ name: `${name}-r`, backupName: name, store, kube: acceptAll });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  await store.close();
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(
    `${JSON.stringify({ phase: outcome.phase, created: outcome.counts.created, seconds, cpuSeconds, peakRssMiB })}\n`,
  );
}

async function main(): Promise<void> {
  let rounds = 1;
  const sizes: number[] = [];
  for (let i = 0; i < rest.length + 1; i++) {
    const arg = [mode, ...rest][i];
    if (arg === undefined) continue;
    if (arg === '--rounds') rounds = Number([mode, ...rest][++i]);
    else sizes.push(Number(arg));
  }
  if (sizes.length === 0) sizes.push(10_000, 50_000, 100_000);
  const root = await mkdtemp(join(tmpdir(), 'restore-memory-'));
  const location = `file://${join(root, 'bucket')}`;
  const print = (line: string) => process.stdout.write(`${line}\n`);
  try {
    for (const size of sizes)
      await run(process.execPath, [import.meta.filename, '--write', location, `b${size}`, String(size)], {
        maxBuffer: 1 << 20,
      });
    print(`restore engine memory (no cluster: creates answered at once), ${rounds} round(s) interleaved`);
    for (let round = 1; round <= rounds; round++) {
      for (const size of sizes) {
        const load = loadavg()
          .map((x) => x.toFixed(1))
          .join(' ');
        const { stdout } = await run(
          process.execPath,
          [...nodeFlags, import.meta.filename, '--restore', location, `b${size}`],
          { maxBuffer: 64 << 20 },
        );
        const result = JSON.parse(stdout) as {
          phase: string;
          created: number;
          seconds: number;
          cpuSeconds: number;
          peakRssMiB: number;
        };
        print(
          `  round ${round}, ${size} objects: ${result.created} created in ${result.seconds.toFixed(2)} s (${Math.round(result.created / result.seconds)}/s), CPU ${result.cpuSeconds.toFixed(2)} s (${Math.round((result.cpuSeconds / result.created) * 1e6)} µs per object), peak RSS ${result.peakRssMiB.toFixed(0)} MiB, ${result.phase}; load ${load}`,
        );
      }
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

if (mode === '--write') await writeBackup(rest[0] as string, rest[1] as string, Number(rest[2]));
else if (mode === '--restore') await restoreOnce(rest[0] as string, rest[1] as string);
else await main();
