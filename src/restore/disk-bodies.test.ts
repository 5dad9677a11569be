/**
 * The restore's temporary file of object bodies, in process: a fake cluster (it implements the KubeClient
 * port: discovery and creates) and a file:// location holding a backup built byte by byte. The file is gone
 * after a restore that succeeds, one that fails, one cut short while reading and a dry run; a tampered
 * entry is still refused; and the objects wait on disk, not in memory.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { jsonAnswer, namespacesAndConfigMapsDiscovery, notFound } from '../../test/support/fake-kube.ts';
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
} from '../../test/support/hostile.ts';
import { openFilesUnder } from '../../test/support/open-files.ts';
import { type KubeClient, KubeConnectionError, type KubeRequest, type KubeResponse } from '../kube/index.ts';
import { type ObjectStore, openObjectStore, parseLocation } from '../storage/index.ts';
import { planRestore } from './plan.ts';
import { prepareRestore } from './prepare.ts';
import { runRestore } from './restore.ts';
import { TargetApi } from './target.ts';
import { verifyBackup } from './verify.ts';

/** A cluster that serves namespaces and ConfigMaps, accepts every create, and can lose its connection. */
class FakeCluster implements KubeClient {
  readonly server = 'https://fake.test';
  readonly created: string[] = [];
  /** Creates after which the connection is lost. */
  failAfter = Number.POSITIVE_INFINITY;

  async request(request: KubeRequest): Promise<KubeResponse> {
    const discovery = namespacesAndConfigMapsDiscovery(request.path);
    if (discovery) return discovery;
    if (request.method === 'POST' && request.query?.dryRun) return jsonAnswer({});
    if (request.method === 'POST') {
      if (this.created.length >= this.failAfter)
        throw new KubeConnectionError(this.server, 'connection reset', { retryable: true });
      const body = JSON.parse(String(request.body)) as { metadata: { name: string; namespace?: string } };
      this.created.push(`${body.metadata.namespace ?? ''}/${body.metadata.name}`);
      return jsonAnswer({}, 201);
    }
    throw notFound(request);
  }

  async close(): Promise<void> {}
}

let root: string;
let workDir: string;
let store: ObjectStore;

/**
 * A Lifeboat backup of `count` ConfigMaps of `bytes` each in namespace `ns`, its index listing each; `extra`
 * entries are appended to the tarball only.
 */
async function writeBackup(
  name: string,
  ns: string,
  count: number,
  bytes: number,
  tamper?: number,
  extra: TarFile[] = [],
) {
  const files: TarFile[] = [];
  const index: IndexItem[] = [];
  for (let i = 0; i < count; i++) {
    const body = JSON.stringify(configMap(ns, `cm-${i}`, { data: 'x'.repeat(bytes) }));
    const [plain] = itemPaths('configmaps', ns, `cm-${i}`);
    files.push({ name: plain as string, data: i === tamper ? body.replace('xxx', 'yyy') : body });
    const entry = { group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespace: ns };
    index.push({ ...entry, name: `cm-${i}`, sha256: sha256(body), size: Buffer.byteLength(body) });
  }
  await writeRawBackup(store, name, {
    description: backupDocument(name),
    tarball: tarball([...files, ...extra]),
    index: indexFile(name, index),
  });
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'disk-bodies-test-'));
  workDir = join(root, 'work');
  await import('node:fs/promises').then((fs) => fs.mkdir(workDir));
  store = openObjectStore(parseLocation(`file://${join(root, 'bucket')}`));
});

after(async () => {
  await store?.close();
  await rm(root, { recursive: true, force: true });
});

/** Nothing of the restore is left: no name in the work directory, no handle open on it. */
async function assertNothingLeft(): Promise<void> {
  assert.deepEqual(await readdir(workDir), []);
  assert.deepEqual(openFilesUnder(workDir), []);
}

test('a restore creates every object from its file, refuses a tampered one, and leaves nothing behind', async () => {
  await writeBackup('b-ok', 'shop', 300, 200, 7);
  const kube = new FakeCluster();
  const outcome = await runRestore({
    name: 'r-ok',
    backupName: 'b-ok',
    store,
    kube,
    workDir,
  });
  assert.equal(outcome.phase, 'PartiallyFailed');
  assert.equal(outcome.counts.created, 299);
  assert.equal(outcome.counts.failed, 1);
  const refused = outcome.items.find((item) => item.action === 'failed');
  assert.equal(refused?.name, 'cm-7');
  assert.match(refused?.detail ?? '', /does not match its checksum in the backup's content index/);
  assert.ok(!kube.created.includes('shop/cm-7'), 'the tampered object was sent');
  assert.ok(kube.created.includes('shop/cm-299'));
  await assertNothingLeft();
});

test('a path the tarball holds twice is refused, named, in the plan, the restore and verify alike (even an identical copy)', async () => {
  const ns = 'twice';
  const copy = (i: number) => ({
    name: itemPaths('configmaps', ns, `cm-${i}`)[0] as string,
    data: JSON.stringify(configMap(ns, `cm-${i}`, { data: 'x'.repeat(50) })),
  });
  // cm-2 again as it was (its checksum matches the index), cm-4 again altered.
  const altered = copy(4);
  await writeBackup('b-twice', ns, 6, 50, undefined, [
    copy(2),
    { ...altered, data: altered.data.replace('xxx', 'yyy') },
  ]);
  const plan = await planRestore({
    name: 'r-twice-plan',
    backupName: 'b-twice',
    store,
    kube: new FakeCluster(),
    workDir,
  });
  const refusedInPlan = plan.items.filter((item) => item.action === 'refuse').map((item) => item.name);
  assert.deepEqual(refusedInPlan.sort(), ['cm-2', 'cm-4']);
  const kube = new FakeCluster();
  const outcome = await runRestore({ name: 'r-twice', backupName: 'b-twice', store, kube, workDir });
  const failed = outcome.items.filter((item) => item.action === 'failed');
  assert.deepEqual(failed.map((item) => item.name).sort(), ['cm-2', 'cm-4']);
  for (const item of failed) {
    assert.match(item.detail ?? '', /is in the backup's tarball more than once/);
    assert.equal(item.kind, 'ConfigMap', 'the refused copy keeps the kind its index entry gave');
  }
  assert.deepEqual(kube.created.sort(), [`/${ns}`, `${ns}/cm-0`, `${ns}/cm-1`, `${ns}/cm-3`, `${ns}/cm-5`]);
  await assertNothingLeft();

  const verified = await verifyBackup(store, 'b-twice');
  const twice = [copy(2).name, altered.name];
  assert.deepEqual(
    verified.problems.map((problem) => problem.path),
    twice,
    JSON.stringify(verified.problems),
  );
  for (const problem of verified.problems) assert.match(problem.problem, /more than once/);
});

test('verify names what the index lists and the tarball lacks; a preferred-version copy alone is not missing', async () => {
  const ns = 'lacks';
  const files: TarFile[] = [];
  const index: IndexItem[] = [];
  for (let i = 0; i < 4; i++) {
    const body = JSON.stringify(configMap(ns, `cm-${i}`, { data: 'x'.repeat(50) }));
    const [plain, versioned] = itemPaths('configmaps', ns, `cm-${i}`) as [string, string];
    // cm-1 is gone from the tarball; cm-2 has only its preferred-version copy.
    if (i !== 1 && i !== 2) files.push({ name: plain, data: body });
    if (i !== 1) files.push({ name: versioned, data: body });
    const entry = { group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespace: ns };
    index.push({ ...entry, name: `cm-${i}`, sha256: sha256(body), size: Buffer.byteLength(body) });
  }
  await writeRawBackup(store, 'b-lacks', {
    description: backupDocument('b-lacks'),
    tarball: tarball(files),
    index: indexFile('b-lacks', index),
  });
  const verified = await verifyBackup(store, 'b-lacks');
  assert.deepEqual([verified.indexedObjects, verified.checkedEntries], [4, 5]);
  const gone = itemPaths('configmaps', ns, 'cm-1')[0];
  assert.deepEqual(verified.problems, [
    {
      path: gone,
      problem: `${gone} is listed in the backup's content index but missing from the tarball: it was removed after the backup was made`,
    },
  ]);
});

test('verify names an object over the size limit once, by its size, and not as missing', async () => {
  const ns = 'large';
  const body = JSON.stringify(configMap(ns, 'huge', { data: 'x'.repeat(9 * 2 ** 20) }));
  const [path] = itemPaths('configmaps', ns, 'huge') as [string];
  const entry = { group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespace: ns };
  await writeRawBackup(store, 'b-large', {
    description: backupDocument('b-large'),
    tarball: tarball([{ name: path, data: body }]),
    index: indexFile('b-large', [
      { ...entry, name: 'huge', sha256: sha256(body), size: Buffer.byteLength(body) },
    ]),
  });
  const verified = await verifyBackup(store, 'b-large');
  assert.deepEqual(
    verified.problems.map((problem) => [problem.path, problem.problem]),
    [[path, `${path} is 9.0 MiB, over the 8 MiB limit of one object: not restored`]],
  );
});

test('the file is open (and nameless) while the restore runs, and closed after a failed one', async () => {
  await writeBackup('b-fail', 'shop', 200, 100);
  const kube = new FakeCluster();
  kube.failAfter = 50;
  const seen: string[][] = [];
  const outcome = await runRestore({
    name: 'r-fail',
    backupName: 'b-fail',
    store,
    kube,
    workDir,
    parallelism: 4,
    onItem: () => {
      if (seen.length === 0) seen.push(openFilesUnder(workDir));
    },
  });
  assert.equal(outcome.phase, 'Failed');
  assert.match(outcome.failureReason ?? '', /connection reset/);
  assert.equal(seen[0]?.length, 1, 'the file was open during the restore');
  assert.match(seen[0]?.[0] ?? '', /\(deleted\)$/);
  await assertNothingLeft();
});

test('a tarball cut short fails the restore while reading, and the file is closed', async () => {
  await writeBackup('b-cut', 'shop', 200, 300);
  const full = await store.get('backups/b-cut/b-cut.tar.gz');
  const chunks: Buffer[] = [];
  for await (const chunk of full) chunks.push(chunk as Buffer);
  const whole = Buffer.concat(chunks);
  await store.put('backups/b-cut/b-cut.tar.gz', whole.subarray(0, Math.floor(whole.length / 2)));
  await assert.rejects(
    runRestore({ name: 'r-cut', backupName: 'b-cut', store, kube: new FakeCluster(), workDir }),
    /cut short or altered/,
  );
  await assertNothingLeft();
});

test('a dry run reads objects back from the file and closes it', async () => {
  await writeBackup('b-plan', 'shop', 50, 100, 3);
  const plan = await planRestore({
    name: 'r-plan',
    backupName: 'b-plan',
    store,
    kube: new FakeCluster(),
    workDir,
  });
  assert.equal(plan.counts.create, 49);
  assert.equal(plan.counts.refuse, 1);
  for (const item of plan.items)
    if (item.action === 'create') assert.match(item.serverVerdict ?? '', /^accepted/, JSON.stringify(item));
  await assertNothingLeft();
});

test('prepared objects wait on disk: memory holds names and places, not bodies', async (t) => {
  const count = 12_000;
  await writeBackup('b-many', 'bulk', count, 2000);
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const kube = new FakeCluster();
  const target = new TargetApi(kube);
  await target.refresh();
  gc();
  const before = process.memoryUsage().heapUsed;
  const started = performance.now();
  const prepared = await prepareRestore({ name: 'r-many', backupName: 'b-many', store, workDir }, target);
  t.diagnostic(`prepared ${count} objects in ${((performance.now() - started) / 1000).toFixed(2)} s`);
  try {
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    const creates = prepared.items.filter((item) => item.body);
    assert.equal(creates.length, count);
    assert.ok(prepared.items.every((item) => item.object === undefined));
    // 24 MB of bodies; a few hundred bytes of bookkeeping per object stay.
    t.diagnostic(`heap grew by ${(grown / 2 ** 20).toFixed(1)} MiB`);
    assert.ok(
      grown < 12 * 2 ** 20,
      `the heap grew by ${(grown / 2 ** 20).toFixed(1)} MiB for ${count} objects`,
    );
  } finally {
    await prepared.bodies.close();
  }
  await assertNothingLeft();
});
