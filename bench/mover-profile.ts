/**
 * `node bench/mover-profile.ts [restore|backup] [--mib N] [--rounds N] [--profile FILE]`: times Lifeboat's
 * volume repository alone on the mover benchmark's data set (test bed's MinIO, LIFEBOAT_TESTBED_ENV), the
 * restore of one snapshot or the first backup, several rounds, and with --profile writes a CPU profile of
 * the last round (the main thread) and prints the functions with the most self time. Each round also prints
 * the CPU time of the process's threads by kind (main, the restore's writer thread, libuv's pool, V8's
 * helpers: mostly garbage collection), sampled from /proc every 50 ms so threads that end are counted, and
 * the process's peak RSS so far (the data set's backup included), and the main thread's garbage collections
 * (full and young). `--location file:///dir` runs on a local
 * directory instead of the test bed's MinIO (no TLS, no HTTP: the repository's own work, without the test
 * bed).
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openObjectStore, parseLocation } from '../src/storage/index.ts';
import { backupDirectory, openRepository, restoreSnapshot } from '../src/volumes/index.ts';
import { minioCredentials, minioLocationUrl, readEnv } from '../test/testbed/testbed.ts';
import { changeFivePercent, emptyStore, writeDataSet } from './mover-tools.ts';

/** The figures go to stdout, one line each. */
const print = (line: string) => process.stdout.write(`${line}\n`);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

function topSelfTime(profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }): string[] {
  const byNode = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + (byNode.get(node.id) ?? 0));
  }
  return [...byFunction.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 30)
    .map(([key, us]) => `${(us / 1000).toFixed(0).padStart(7)} ms  ${key}`);
}

/** CPU ms of each thread of this process so far (Linux): `tid:name` → ms. */
function threadCpu(into: Map<string, number>): void {
  let tasks: string[] = [];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return;
  }
  for (const tid of tasks) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      into.set(`${tid}:${name}`, (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      // The thread ended meanwhile: its last sample stands.
    }
  }
}

/** Samples threads' CPU while `work` runs; answers the CPU each kind of thread spent, in ms. */
async function byThread(work: () => Promise<void>): Promise<string> {
  const before = new Map<string, number>();
  threadCpu(before);
  const after = new Map(before);
  const timer = setInterval(() => threadCpu(after), 50);
  try {
    await work();
  } finally {
    clearInterval(timer);
    threadCpu(after);
  }
  const kinds = new Map<string, number>();
  for (const [thread, ms] of after) {
    const name = thread.slice(thread.indexOf(':') + 1);
    const kind = /^libuv/.test(name) ? 'libuv pool' : /^V8Worker/.test(name) ? 'V8 helpers' : name;
    kinds.set(kind, (kinds.get(kind) ?? 0) + ms - (before.get(thread) ?? 0));
  }
  return [...kinds]
    .filter(([, ms]) => ms > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, ms]) => `${kind} ${(ms / 1000).toFixed(2)}`)
    .join(', ');
}

/**
 * The main thread's garbage collections while `work` runs: full ones (mark-compact) and young ones, with their
 * pause time. Most of a collection's marking runs on V8's helper threads, so their count matters more than the
 * pause. The writer thread's own heap is not seen from here.
 */
async function collections(work: () => Promise<void>): Promise<string> {
  const counts = { full: 0, young: 0, ms: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) counts.full++;
      else counts.young++;
      counts.ms += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  try {
    await work();
  } finally {
    // Entries are delivered asynchronously: one more turn of the event loop lets the last ones in.
    await new Promise((resolve) => setImmediate(resolve));
    observer.disconnect();
  }
  return `${counts.full} full, ${counts.young} young (${counts.ms.toFixed(0)} ms of pauses)`;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    mib: { type: 'string' },
    rounds: { type: 'string' },
    profile: { type: 'string' },
    uploads: { type: 'string' },
    concurrency: { type: 'string' },
    location: { type: 'string' },
  },
});
const what = positionals[0] ?? 'restore';
/** --concurrency 4,8: rounds take the values in turn (interleaved, the fair comparison on a busy machine). */
const concurrencyOf = (round: number) => {
  const list = (values.concurrency ?? '').split(',').filter(Boolean).map(Number);
  return list.length > 0 ? list[round % list.length] : undefined;
};
const work = await mkdtemp(join(tmpdir(), 'lb-mover-profile-'));
const prefix = `bench-profile-${Date.now().toString(36)}`;
const env = values.location
  ? undefined
  : await readEnv(process.env.LIFEBOAT_TESTBED_ENV ?? '.testbed/env.json');
const openStore = (sub: string) =>
  env
    ? openObjectStore(parseLocation(minioLocationUrl(env, `${prefix}/${sub}`)), {
        s3Credentials: minioCredentials(env),
      })
    : openObjectStore(parseLocation(`${values.location}/${prefix}/${sub}`));
// A backup round writes into a fresh repository: into the same one, it would find every chunk stored.
const stores = [openStore('0')];
const store = stores[0] as ReturnType<typeof openStore>;
const secret = randomBytes(32).toString('hex');
try {
  const source = join(work, 'data');
  await writeDataSet(source, Number(values.mib ?? 200));
  await openRepository(store, secret, { create: true });
  const rounds = Number(values.rounds ?? 3);
  let snapshot = '';
  if (what !== 'backup')
    snapshot = (await backupDirectory(await openRepository(store, secret), source)).snapshotId;
  for (let round = 0; round < rounds; round++) {
    const session = values.profile && round === rounds - 1 ? new Session() : undefined;
    // An incremental round backs up after another 5% changed, its parent the round before.
    if (what === 'incremental') await changeFivePercent(source, Number(values.mib ?? 200));
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
    }
    const cpu = process.cpuUsage();
    const started = performance.now();
    let repo = await openRepository(store, secret);
    if (what === 'backup' && round > 0) {
      const fresh = openStore(String(round));
      stores.push(fresh);
      repo = await openRepository(fresh, secret, { create: true });
    }
    let threads = '';
    let gcs = '';
    if (what === 'restore') {
      const target = join(work, `restore-${round}`);
      threads = await byThread(async () => {
        gcs = await collections(async () => {
          const result = await restoreSnapshot(repo, snapshot, target, {
            ...(concurrencyOf(round) ? { concurrency: concurrencyOf(round) as number } : {}),
          });
          if (result.problems.length) throw new Error(JSON.stringify(result.problems.slice(0, 3)));
        });
      });
      // Kept until the end: a restore right after a delete measures ext4's search for free inodes (mover.ts).
    } else if (what === 'incremental') {
      snapshot = (await backupDirectory(repo, source, { parent: snapshot })).snapshotId;
    } else {
      await backupDirectory(repo, source, {
        ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}),
        ...(values.uploads ? { uploader: { uploads: Number(values.uploads) } } : {}),
      });
    }
    const used = process.cpuUsage(cpu);
    print(
      `${what} ${round}${concurrencyOf(round) ? ` (concurrency ${concurrencyOf(round)})` : ''}: ${((performance.now() - started) / 1000).toFixed(2)} s, CPU ${((used.user + used.system) / 1e6).toFixed(2)} s (user ${(used.user / 1e6).toFixed(2)}); load ${loadavg()[0]?.toFixed(2)}`,
    );
    if (threads)
      print(
        `  CPU s by thread: ${threads}; peak RSS so far ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB; main thread's collections: ${gcs}`,
      );
    if (session && values.profile) {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(values.profile, JSON.stringify(profile));
      for (const line of topSelfTime(profile as never)) print(line);
      session.disconnect();
    }
  }
} finally {
  for (const each of stores) {
    await emptyStore(each).catch(() => {});
    await each.close();
  }
  await rm(work, { recursive: true, force: true });
}
