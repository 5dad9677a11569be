/**
 * The catalog (list, describe, logs, contents) and the restore's entry against backup folders another
 * writer of the bucket left: decoys, copies, impossible descriptions, gzip bombs. On MinIO and on file://:
 * a backup is known by its folder, one bad backup fails alone, and no file is read past its limit — with
 * memory and event-loop delay measured while the bombs are read.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  ArchiveLimitError,
  BackupMetadataError,
  maxIndexBytes,
  maxLogBytes,
} from '../../src/archive/index.ts';
import {
  deleteBackup,
  describeBackup,
  listBackups,
  readBackupDescription,
  readBackupLogs,
  readRestoreLogs,
} from '../../src/backup/index.ts';
import type { KubeClient } from '../../src/kube/index.ts';
import { planRestore, runRestore } from '../../src/restore/index.ts';
import { type ObjectStore, openObjectStore, parseLocation, StorageError } from '../../src/storage/index.ts';
import { lifeboat } from '../support/cli.ts';
import {
  backupDocument,
  configMap,
  gzipBomb,
  type Json,
  repeatBomb,
  tarball,
  writeRawBackup,
} from '../support/hostile.ts';
import { kubeClient, kubectl, uniqueName } from '../support/kube.ts';
import {
  type ClusterEnv,
  minioCredentials,
  minioLocationUrl,
  type TestbedEnv,
  useTestbed,
} from '../testbed/index.ts';

const MiB = 2 ** 20;
/**
 * Stated limits while one bomb is read: memory growth, and how long the event loop may be held beyond what
 * the machine's load alone causes when idle (measured just before).
 */
const limits = { rss: 150 * MiB, delayMs: 250 };
/**
 * An index bomb of well-formed entries is parsed up to the index limit (64 MiB, some 350k entries) before it
 * is refused: what reading a real index that large costs (its garbage collections included), bounded by the
 * limit, not by the bomb.
 */
const fullIndexLimits = { rss: 300 * MiB, delayMs: 500 };
/** A gzip bomb of 3 MiB on the wire: 3 GiB of zeros once inflated. */
const bombBytes = 3 * 2 ** 30;
/** A log line of 45 bytes: 16 MiB is not a whole number of them. */
const logLine = 'time="2026-12-02T00:00:00Z" level=info msg=x\n';

/** The decoy's sentence: what `describe`, `list` and restore say of folder `decoy`. */
const decoySentence =
  'backups/decoy/velero-backup.json describes a backup named "genuine": a backup\'s name is its folder, so this description was copied or altered — Lifeboat will not read, restore or delete it as "decoy"; delete the folder or put it back under its own name';

let env: TestbedEnv;
let cluster: ClusterEnv;
let kube: KubeClient;
const decoyNamespace = uniqueName('decoy');

before(async () => {
  env = await useTestbed();
  cluster = env.clusters[0] as ClusterEnv;
  kube = await kubeClient(cluster);
});

after(async () => {
  await kube?.close();
  await kubectl(env, cluster, ['delete', 'namespace', decoyNamespace, '--ignore-not-found', '--wait=false']);
});

/** A description of `name` changed by `change`. */
function described(name: string, change: (document: Json & { spec: Json; status: Json }) => void = () => {}) {
  const document = backupDocument(name) as Json & { spec: Json; status: Json };
  change(document);
  return document;
}

/** V8's full collection, without starting node with --expose-gc. */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Runs `work` while sampling RSS and the event loop's delay; what it returned (or threw) and the figures. */
async function measured<T>(work: () => Promise<T>) {
  // The garbage of what ran before is collected first, so neither its pause nor its memory is counted.
  collectGarbage();
  // How late timers fire with nothing to do: other processes share the cores, and that is not ours.
  const idle = monitorEventLoopDelay({ resolution: 10 });
  idle.enable();
  await new Promise((resolve) => setTimeout(resolve, 300));
  idle.disable();
  const base = process.memoryUsage().rss;
  let peak = base;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const started = performance.now();
  let outcome: { value: T } | { error: unknown };
  try {
    outcome = { value: await work() };
  } catch (error) {
    outcome = { error };
  }
  delay.disable();
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const figures = {
    rssGrowthMiB: Math.round((peak - base) / MiB),
    maxDelayMs: Math.round(delay.max / 1e6),
    idleDelayMs: Math.round(idle.max / 1e6),
    ms: Math.round(performance.now() - started),
    loadAverage: Number(loadavg()[0]?.toFixed(1)),
  };
  return { outcome, figures };
}

function assertWithinLimits(
  what: string,
  figures: { rssGrowthMiB: number; maxDelayMs: number; idleDelayMs: number },
  limit = limits,
) {
  process.stderr.write(`# ${what}: ${JSON.stringify(figures)}\n`);
  assert.ok(figures.rssGrowthMiB * MiB < limit.rss, `${what}: RSS grew ${figures.rssGrowthMiB} MiB`);
  assert.ok(
    figures.maxDelayMs < limit.delayMs + figures.idleDelayMs,
    `${what}: event loop held ${figures.maxDelayMs} ms (${figures.idleDelayMs} ms when idle)`,
  );
}

/** The same attacks on each kind of store. */
interface OpenedStore {
  store: ObjectStore;
  url: string;
  /** What the CLI needs in its environment to open `url`. */
  env: Record<string, string>;
  cleanup: () => Promise<void>;
}
const stores: { kind: string; open: () => Promise<OpenedStore> }[] = [
  {
    kind: 'file://',
    open: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'lifeboat-hostile-'));
      const url = `file://${dir}`;
      return {
        store: openObjectStore(parseLocation(url)),
        url,
        env: {},
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    kind: 'MinIO',
    open: async () => {
      const testbed = await useTestbed();
      const url = minioLocationUrl(testbed, uniqueName('hostile'));
      const credentials = minioCredentials(testbed);
      return {
        store: openObjectStore(parseLocation(url), { s3Credentials: credentials }),
        url,
        env: {
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        },
        cleanup: async () => {},
      };
    },
  },
];

for (const { kind, open } of stores) {
  describe(`hostile backup folders on ${kind}`, () => {
    let opened: OpenedStore | undefined;
    let store: ObjectStore;
    let url: string;
    let cliEnv: Record<string, string>;
    /** Folder → the reason `list` must give for it (a pattern), for the unreadable ones. */
    const unreadable: Record<string, RegExp> = {
      decoy: new RegExp(`^${decoySentence.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`),
      copy: /^backups\/copy\/velero-backup.json describes a backup named "genuine": a backup's name is its folder/,
      dotdot: /^backups\/dotdot\/velero-backup.json describes a backup named "..\/genuine"/,
      'x..y': /^backups\/"x..y"\/ is not a backup Lifeboat reads: "x..y" is not a valid backup name/,
      'bad-time':
        /^backups\/bad-time\/velero-backup.json is not a Velero Backup Lifeboat can read \(status.startTimestamp: not an RFC 3339 time\)/,
      'huge-ttl':
        /^backups\/huge-ttl\/velero-backup.json has a TTL of more than a century \("99999999999h"\)/,
      'not-json': /^backups\/not-json\/velero-backup.json is not JSON: Lifeboat will not read/,
      oversized:
        /^backups\/oversized\/velero-backup.json is larger than 1 MiB: Lifeboat never writes one that large/,
    };
    const readable = ['genuine', 'log-bomb', 'line-bomb', 'index-bomb', 'entries-bomb', 'results-bomb'];

    before(async () => {
      opened = await open();
      ({ store, url, env: cliEnv } = opened);
      const expired = (d: Json & { status: Json }) => {
        d.status.expiration = '2001-01-01T00:00:00Z';
      };
      const genuine = described('genuine');
      await Promise.all([
        writeRawBackup(store, 'genuine', {
          description: genuine,
          tarball: tarball([
            { name: 'metadata/version', data: '1.1.0\n' },
            {
              name: `resources/configmaps/namespaces/${decoyNamespace}/genuine.json`,
              data: JSON.stringify(configMap(decoyNamespace, 'genuine')),
            },
          ]),
        }),
        // A small decoy naming `genuine`, already expired, with an object of its own to restore.
        writeRawBackup(store, 'decoy', {
          description: described('genuine', expired),
          tarball: tarball([
            { name: 'metadata/version', data: '1.1.0\n' },
            {
              name: `resources/configmaps/namespaces/${decoyNamespace}/planted.json`,
              data: JSON.stringify(configMap(decoyNamespace, 'planted')),
            },
          ]),
        }),
        writeRawBackup(store, 'copy', { description: genuine }),
        writeRawBackup(store, 'dotdot', { description: described('../genuine') }),
        writeRawBackup(store, 'x..y', { description: described('x..y') }),
        writeRawBackup(store, 'bad-time', {
          description: described('bad-time', (d) => {
            d.status.startTimestamp = 'yesterday';
          }),
        }),
        writeRawBackup(store, 'huge-ttl', {
          description: described('huge-ttl', (d) => {
            d.spec.ttl = '99999999999h';
            delete d.status.expiration;
          }),
        }),
        writeRawBackup(store, 'not-json', { description: '{"kind":"Backup",' }),
        writeRawBackup(store, 'oversized', {
          description: JSON.stringify({ ...described('oversized'), pad: 'x'.repeat(2 * MiB) }),
        }),
        writeRawBackup(store, 'log-bomb', { description: described('log-bomb'), logs: gzipBomb(bombBytes) }),
        writeRawBackup(store, 'line-bomb', {
          description: described('line-bomb'),
          logs: repeatBomb(logLine, 2 ** 30),
        }),
        writeRawBackup(store, 'index-bomb', {
          description: described('index-bomb'),
          index: gzipBomb(bombBytes),
        }),
        writeRawBackup(store, 'entries-bomb', {
          description: described('entries-bomb'),
          // Well-formed entries all the way: only the size limit stops this one.
          index: repeatBomb(
            `${JSON.stringify({ group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespace: 'n', name: 'a', sha256: 'f'.repeat(64), size: 1 })},`,
            bombBytes,
            '{"lifeboatIndexVersion":1,"backup":"entries-bomb","items":[',
          ),
        }),
        writeRawBackup(store, 'results-bomb', {
          description: described('results-bomb'),
          results: gzipBomb(bombBytes),
        }),
        store.put('restores/log-bomb/restore-log-bomb-logs.gz', gzipBomb(bombBytes)),
      ]);
    });

    after(async () => {
      await opened?.store.close();
      await opened?.cleanup();
    });

    test('list shows every backup: the readable ones, and each unreadable one with its reason', async () => {
      const listed = await listBackups(store);
      assert.deepEqual(listed.map((b) => b.name).sort(), [...readable, ...Object.keys(unreadable)].sort());
      for (const name of readable) {
        const backup = listed.find((b) => b.name === name);
        assert.ok(backup && 'description' in backup, `${name} is readable`);
        assert.equal(backup.description.name, name);
      }
      for (const [name, reason] of Object.entries(unreadable)) {
        const backup = listed.find((b) => b.name === name);
        assert.ok(backup && 'error' in backup, `${name} is unreadable`);
        assert.match(backup.error, reason, name);
      }
    });

    test('describe and the restore refuse the decoy and the copy with the sentence; the genuine backup reads', async () => {
      await assert.rejects(describeBackup(store, 'decoy'), (error: unknown) => {
        assert.ok(error instanceof BackupMetadataError);
        assert.equal(error.message, decoySentence);
        return true;
      });
      await assert.rejects(readBackupDescription(store, 'copy'), BackupMetadataError);
      await assert.rejects(readBackupDescription(store, 'x..y'), /is not a valid backup name/);
      // Nor is a key built from such a name to read logs or delete.
      await assert.rejects(
        readBackupLogs(store, 'x..y'),
        /^BackupInputError: "x..y" is not a valid backup name/,
      );
      await assert.rejects(deleteBackup(store, '..'), /^BackupInputError: "\.\." is not a valid backup name/);
      assert.ok(await store.head('backups/x..y/velero-backup.json'), 'x..y is still there');
      assert.equal((await describeBackup(store, 'genuine')).description.name, 'genuine');

      const restore = { name: uniqueName('r'), backupName: 'decoy', store, kube };
      await assert.rejects(
        planRestore(restore),
        (error: unknown) => (error as Error).message === decoySentence,
      );
      await assert.rejects(
        runRestore(restore),
        (error: unknown) => (error as Error).message === decoySentence,
      );
      const planted = await kubectl(env, cluster, [
        'get',
        'namespace',
        decoyNamespace,
        '--ignore-not-found',
        '-o',
        'name',
      ]);
      assert.equal(planted.trim(), '', "nothing of the decoy's was restored");
    });

    test('lifeboat backup list shows all backups, as a table and as JSON; describe of the decoy fails with the sentence', async () => {
      const json = await lifeboat(['backup', 'list', '--location', url, '-o', 'json'], cliEnv);
      assert.equal(json.code, 0, json.stderr);
      const listed = JSON.parse(json.stdout) as { name: string; phase: string; error?: string }[];
      assert.deepEqual(listed.map((b) => b.name).sort(), [...readable, ...Object.keys(unreadable)].sort());
      assert.deepEqual(
        listed.find((b) => b.name === 'decoy'),
        { name: 'decoy', phase: 'Unreadable', error: decoySentence },
      );
      assert.equal(listed.find((b) => b.name === 'genuine')?.phase, 'Completed');

      const table = await lifeboat(['backup', 'list', '--location', url], cliEnv);
      assert.equal(table.code, 0, table.stderr);
      const lines = table.stdout.split('\n');
      assert.match(lines[0] ?? '', /^NAME +STATUS +ITEMS .* EXPIRES +PROBLEM$/);
      assert.match(
        lines.find((line) => line.startsWith('decoy ')) ?? '',
        /Unreadable .*describes a backup named "genuine"/,
      );
      assert.match(lines.find((line) => line.startsWith('genuine ')) ?? '', /^genuine +Completed /);

      const describeDecoy = await lifeboat(['backup', 'describe', 'decoy', '--location', url], cliEnv);
      assert.notEqual(describeDecoy.code, 0);
      assert.equal(describeDecoy.stderr, `error: ${decoySentence}\n`);
      assert.equal(describeDecoy.stdout, '');
    });

    test('a 3 MiB log bomb is served cut at the limit, with a last line saying so, in bounded memory and time', async () => {
      for (const [what, read] of [
        ['backup log bomb', () => readBackupLogs(store, 'log-bomb')],
        ['restore log bomb', () => readRestoreLogs(store, 'log-bomb')],
      ] as const) {
        const { outcome, figures } = await measured(read);
        assert.ok('value' in outcome, String((outcome as { error: unknown }).error));
        const text = outcome.value ?? '';
        const last = text.slice(text.lastIndexOf('\n', text.length - 2) + 1);
        assert.match(
          last,
          /^\[lifeboat\] this log was cut here: it is larger than 16 MiB once decompressed \(3(\.\d)? MiB compressed in the location\), and Lifeboat shows at most 16 MiB of a log\n$/,
        );
        assert.ok(text.length <= maxLogBytes + 1 + last.length, `${text.length} characters`);
        assertWithinLimits(`${kind} ${what}`, figures);
      }
    });

    test('a log of a billion bytes of lines is cut after its last whole line within the limit', async () => {
      const text = (await readBackupLogs(store, 'line-bomb')) ?? '';
      const marker = text.lastIndexOf('[lifeboat] this log was cut here');
      const served = text.slice(0, marker);
      assert.equal(served.length, Math.floor(maxLogBytes / logLine.length) * logLine.length);
      assert.ok(served.endsWith(`\n${logLine}`));
    });

    test('index and results bombs are refused by describe, naming the file and the limit, in bounded memory and time', async () => {
      const cases = [
        [
          'index bomb (zeros)',
          'index-bomb',
          true,
          /^backups\/index-bomb\/lifeboat-index.json.gz is malformed: /,
        ],
        [
          'index bomb (entries)',
          'entries-bomb',
          true,
          new RegExp(
            `^backups/entries-bomb/lifeboat-index.json.gz is larger than ${maxIndexBytes / MiB} MiB once decompressed`,
          ),
        ],
        [
          'results bomb',
          'results-bomb',
          false,
          /^backups\/results-bomb\/results-bomb-results.gz is larger than 16 MiB once decompressed/,
        ],
      ] as const;
      for (const [what, name, details, reason] of cases) {
        const { outcome, figures } = await measured(() => describeBackup(store, name, { details }));
        assert.ok('error' in outcome, `${what} was refused`);
        assert.ok(outcome.error instanceof BackupMetadataError, String(outcome.error));
        assert.match(outcome.error.message, reason);
        if (name !== 'index-bomb') assert.ok(outcome.error instanceof ArchiveLimitError);
        assertWithinLimits(`${kind} ${what}`, figures, name === 'entries-bomb' ? fullIndexLimits : limits);
      }
      // The rest of the location is unaffected.
      assert.equal((await describeBackup(store, 'log-bomb', { details: true })).description.name, 'log-bomb');
    });
  });
}

test("a storage error reading one backup's description makes that backup unreadable, not the listing", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-hostile-'));
  const real = openObjectStore(parseLocation(`file://${dir}`));
  try {
    await writeRawBackup(real, 'fine', { description: described('fine') });
    await writeRawBackup(real, 'flaky', { description: described('flaky') });
    // The one failure a real store cannot be made to produce on demand: the port, failing for one key.
    const failing = 'backups/flaky/velero-backup.json';
    const store: ObjectStore = {
      description: real.description,
      put: (key, body, options) => real.put(key, body, options),
      get: async (key) => {
        if (key === failing)
          throw new StorageError(`reading ${key} failed: connection reset`, {
            operation: 'get',
            retryable: true,
          });
        return real.get(key);
      },
      head: (key) => real.head(key),
      list: (prefix) => real.list(prefix),
      listPrefixes: (prefix) => real.listPrefixes(prefix),
      delete: (keys) => real.delete(keys),
      close: () => real.close(),
    };
    assert.deepEqual(
      (await listBackups(store)).map((b) => ('error' in b ? { name: b.name, error: b.error } : b.name)),
      ['fine', { name: 'flaky', error: 'reading backups/flaky/velero-backup.json failed: connection reset' }],
    );
  } finally {
    await real.close();
    await rm(dir, { recursive: true, force: true });
  }
});
