/**
 * `npm run bench -- mover [--mib N]`: Lifeboat's volume repository against restic on the same data, in the
 * same run, both on the test bed's MinIO (each under a prefix of its own). The data: a random file of N MiB
 * (default 200) and 2,000 small text files. Measured: the first backup (MiB/s), a second backup after 5% of
 * the data changed (seconds, and bytes uploaded as the bucket's listing counts them), the restore of the
 * second snapshot (MiB/s, twice each, interleaved), and the bytes stored; then the ratios Lifeboat/restic.
 * The two tools take turns going first (restores A-B-B-A, Lifeboat first unless LIFEBOAT_BENCH_FIRST=restic);
 * the summary also gives each tool's first restore alone, its coldest. Lifeboat runs in this process through
 * its library (what the mover pod runs), with the heap tuned as the mover pod tunes it
 * (tuneHeapForVolumeData); restic is Debian's package, installed when missing. Everything is removed at the
 * end.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { tuneHeapForVolumeData } from '../src/cli/runtime.ts';
import { type ObjectStore, openObjectStore, parseLocation } from '../src/storage/index.ts';
import { backupDirectory, openRepository, restoreSnapshot } from '../src/volumes/index.ts';
import { minioCredentials, minioLocationUrl, type TestbedEnv } from '../test/testbed/testbed.ts';
import {
  bucketBytes,
  changeFivePercent,
  emptyStore,
  ensureRestic,
  fileSha256,
  Restic,
  smallFiles,
  writeDataSet,
} from './mover-tools.ts';

const MiB = 1024 * 1024;
const tools = ['lifeboat', 'restic'] as const;
const label = { lifeboat: 'Lifeboat', restic: 'restic' } as const;
type Tool = (typeof tools)[number];

const load = () =>
  `load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

/** What one tool did in one step. */
interface Step {
  seconds: number;
  /** CPU seconds (user + system) the tool spent. */
  cpu: number;
  /** Bytes the bucket gained. */
  uploaded: number;
}

type Results = Record<Tool, { first?: Step; incremental?: Step; restores: Step[]; stored?: number }>;

/** Times `work` (which answers its CPU seconds), with the bytes the bucket under `store` gained meanwhile. */
async function measured(store: ObjectStore, work: () => Promise<number>): Promise<Step> {
  const before = await bucketBytes(store);
  const started = performance.now();
  const cpu = await work();
  const seconds = (performance.now() - started) / 1000;
  const after = await bucketBytes(store);
  return { seconds, cpu, uploaded: after.bytes - before.bytes };
}

/** Runs `work` in this process and answers the CPU seconds the process spent meanwhile. */
async function ownCpu(work: () => Promise<void>): Promise<number> {
  const before = process.cpuUsage();
  await work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

export async function benchMover(
  env: TestbedEnv,
  sizeMib: number,
  print: (line: string) => void,
): Promise<void> {
  tuneHeapForVolumeData();
  const resticVersion = await ensureRestic(print);
  const stamp = Date.now().toString(36);
  const base = `bench-mover-${stamp}`;
  const work = await mkdtemp(join(tmpdir(), 'lb-bench-mover-'));
  const source = join(work, 'data');
  const open = (sub: string) =>
    openObjectStore(parseLocation(minioLocationUrl(env, `${base}/${sub}`)), {
      s3Credentials: minioCredentials(env),
    });
  const stores: Record<Tool, ObjectStore> = { lifeboat: open('lifeboat'), restic: open('restic') };
  const secret = randomBytes(32).toString('hex');
  const restic = new Restic(env, `${base}/restic`, secret, join(work, 'restic-cache'));
  const results: Results = { lifeboat: { restores: [] }, restic: { restores: [] } };
  const snapshots: Record<Tool, string[]> = { lifeboat: [], restic: [] };

  try {
    print(
      `mover benchmark: ${resticVersion}; Lifeboat's volume repository; both on MinIO ${env.s3.endpoint}`,
    );
    const bytes = await writeDataSet(source, sizeMib);
    print(
      `data: ${sizeMib} MiB random file + ${smallFiles} small text files = ${mib(bytes)} in ${source}; ${load()}`,
    );
    await restic.init();
    await openRepository(stores.lifeboat, secret, { create: true });

    const backup: Record<Tool, (parent?: string) => Promise<Step>> = {
      lifeboat: (parent) =>
        measured(stores.lifeboat, () =>
          ownCpu(async () => {
            const repo = await openRepository(stores.lifeboat, secret);
            const result = await backupDirectory(repo, source, {
              tags: { bench: 'mover' },
              ...(parent ? { parent } : {}),
            });
            snapshots.lifeboat.push(result.snapshotId);
          }),
        ),
      restic: () =>
        measured(stores.restic, async () => {
          snapshots.restic.push((await restic.backup(source)).snapshot_id);
          return restic.cpuSeconds;
        }),
    };
    for (const tool of tools) {
      results[tool].first = await backup[tool]();
      print(`  first backup, ${label[tool]}: ${describe(results[tool].first, bytes)}; ${load()}`);
    }

    const changed = await changeFivePercent(source, sizeMib);
    print(`changed ${mib(changed)} (${((changed / bytes) * 100).toFixed(1)}% of the data)`);
    for (const tool of [...tools].reverse()) {
      results[tool].incremental = await backup[tool](snapshots[tool][0]);
      print(`  incremental backup, ${label[tool]}: ${describe(results[tool].incremental, bytes)}; ${load()}`);
    }

    const expected = await fileSha256(join(source, 'big.bin'));
    const restoredBig: Record<Tool, (target: string) => string> = {
      lifeboat: (target) => join(target, 'big.bin'),
      // restic restores the backed-up path below the target.
      restic: (target) => join(target, source, 'big.bin'),
    };
    const restore: Record<Tool, (target: string) => Promise<Step>> = {
      lifeboat: (target) =>
        measured(stores.lifeboat, () =>
          ownCpu(async () => {
            const repo = await openRepository(stores.lifeboat, secret);
            const result = await restoreSnapshot(repo, snapshots.lifeboat[1] as string, target);
            if (result.problems.length)
              throw new Error(
                `Lifeboat's restore reported problems: ${JSON.stringify(result.problems.slice(0, 3))}`,
              );
          }),
        ),
      restic: (target) =>
        measured(stores.restic, async () => {
          await restic.restore(snapshots.restic[1] as string, target);
          return restic.cpuSeconds;
        }),
    };
    // Restored trees stay until the end: ext4 without a journal skips inodes freed in the last seconds when it
    // allocates new ones, reading each one's block, so a restore right after 2,000 files were deleted spent
    // most of its CPU in the file system (measured: 1.5-2 s of 4.5). A mover restores into a fresh volume.
    // A-B-B-A. Lifeboat goes first unless LIFEBOAT_BENCH_FIRST=restic: a process's first restore is its
    // coldest (what a mover pod, which restores once, gets), so compare first restores over runs of both orders.
    const order = process.env.LIFEBOAT_BENCH_FIRST === 'restic' ? [...tools].reverse() : [...tools];
    for (const [round, tool] of [...order, ...[...order].reverse()].entries()) {
      const target = join(work, `restore-${round}-${tool}`);
      const step = await restore[tool](target);
      if ((await fileSha256(restoredBig[tool](target))) !== expected)
        throw new Error(`${label[tool]} restored a different big.bin`);
      results[tool].restores.push(step);
      print(`  restore, ${label[tool]}: ${describe(step, bytes)}, big.bin checked; ${load()}`);
    }

    for (const tool of tools) results[tool].stored = (await bucketBytes(stores[tool])).bytes;
    printSummary(results, bytes, print);
  } finally {
    for (const store of Object.values(stores)) {
      await emptyStore(store).catch((error: unknown) =>
        print(`could not empty ${store.description}: ${(error as Error).message}`),
      );
      await store.close();
    }
    await rm(work, { recursive: true, force: true });
  }
}

function describe(step: Step, bytes: number): string {
  const rate = (bytes / MiB / step.seconds).toFixed(1);
  const uploaded = step.uploaded > 0 ? `, ${mib(step.uploaded)} uploaded` : '';
  return `${step.seconds.toFixed(2)} s (${rate} MiB/s), CPU ${step.cpu.toFixed(2)} s${uploaded}`;
}

interface Row {
  what: string;
  lifeboat: number;
  restic: number;
  unit: string;
  /** Which way is better: Lifeboat's aim (issue 14) is at least restic's speed, at most its bytes. */
  better: 'higher' | 'lower';
}

function printSummary(results: Results, bytes: number, print: (line: string) => void): void {
  const mean = (steps: Step[], pick: (step: Step) => number) =>
    steps.reduce((sum, step) => sum + pick(step), 0) / Math.max(1, steps.length);
  const rate = (seconds: number) => bytes / MiB / seconds;
  const row = (what: string, pick: (tool: Tool) => number, unit: string, better: Row['better']): Row => ({
    what,
    lifeboat: pick('lifeboat'),
    restic: pick('restic'),
    unit,
    better,
  });
  const r = results;
  const rows: Row[] = [
    row('first backup', (t) => rate(r[t].first?.seconds ?? 0), 'MiB/s', 'higher'),
    row('  CPU', (t) => r[t].first?.cpu ?? 0, 's', 'lower'),
    row('  uploaded', (t) => (r[t].first?.uploaded ?? 0) / MiB, 'MiB', 'lower'),
    row('incremental (5%)', (t) => r[t].incremental?.seconds ?? 0, 's', 'lower'),
    row('  CPU', (t) => r[t].incremental?.cpu ?? 0, 's', 'lower'),
    row('  uploaded', (t) => (r[t].incremental?.uploaded ?? 0) / MiB, 'MiB', 'lower'),
    row('restore (mean of 2)', (t) => rate(mean(r[t].restores, (s) => s.seconds)), 'MiB/s', 'higher'),
    row('  CPU', (t) => mean(r[t].restores, (s) => s.cpu), 's', 'lower'),
    row('  first of the 2 alone', (t) => rate(r[t].restores[0]?.seconds ?? 0), 'MiB/s', 'higher'),
    row('stored (both snapshots)', (t) => (r[t].stored ?? 0) / MiB, 'MiB', 'lower'),
  ];
  const width = Math.max(...rows.map((each) => each.what.length)) + 2;
  const cell = (value: number, unit: string) => `${value.toFixed(unit === 's' ? 2 : 1)} ${unit}`.padStart(14);
  print('');
  print(`${''.padEnd(width)}${'Lifeboat'.padStart(14)}${'restic'.padStart(14)}   Lifeboat/restic`);
  for (const each of rows) {
    const ratio = each.restic > 0 ? each.lifeboat / each.restic : Number.NaN;
    const met = each.better === 'higher' ? ratio >= 1 : ratio <= 1;
    const note = Number.isNaN(ratio) ? '' : met ? '' : `  (restic ${each.better})`;
    print(
      `${each.what.padEnd(width)}${cell(each.lifeboat, each.unit)}${cell(each.restic, each.unit)}   ${ratio.toFixed(2)}${note}`,
    );
  }
  const seconds = (tool: Tool) => r[tool].restores.map((s) => s.seconds.toFixed(2)).join(', ');
  print(`restore seconds: Lifeboat ${seconds('lifeboat')}; restic ${seconds('restic')}; ${load()}`);
}
