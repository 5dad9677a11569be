/**
 * The restore engine against backups another writer of the bucket made hostile, on a real cluster and a
 * real MinIO: a body spoofing its path, tampered data and an extra binding the index does not list, objects
 * that are not objects, a 1 GiB entry, two namespaces mapped onto one, and RBAC the plan must show. Each bad
 * object fails alone, named; nothing the plan did not show is created; verify names the same problems.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BackupMetadataError, itemPath } from '../../src/archive/index.ts';
import type { KubeClient } from '../../src/kube/index.ts';
import {
  type BackupVerification,
  missingIndexProblem,
  noIndexWarning,
  planRestore,
  RestoreInputError,
  type RestorePlan,
  runRestore,
  verifyBackup,
} from '../../src/restore/index.ts';
import { type ObjectStore, openObjectStore, parseLocation } from '../../src/storage/index.ts';
import { lifeboat } from '../support/cli.ts';
import { kubeconfigText, minioLocationBody, startTestPlane } from '../support/control.ts';
import {
  backupDocument,
  clusterRoleBinding,
  configMap,
  deeplyNested,
  type IndexItem,
  indexFile,
  itemPaths,
  type Json,
  sha256,
  type TarFile,
  tarball,
  tarballBomb,
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

let env: TestbedEnv;
let cluster: ClusterEnv;
let kube: KubeClient;
let store: ObjectStore;
const prefix = uniqueName('hostile');
/** Short enough for cluster-wide names: the test's tar builder takes paths of at most 100 bytes. */
const tag = `${(Date.now() % 36 ** 4).toString(36)}${Math.floor(Math.random() * 36 ** 2).toString(36)}`;
const createdNamespaces: string[] = [];
let restores = 0;

before(async () => {
  env = await useTestbed();
  cluster = env.clusters[1] as ClusterEnv;
  kube = await kubeClient(cluster);
  store = openObjectStore(parseLocation(minioLocationUrl(env, prefix)), {
    s3Credentials: minioCredentials(env),
  });
});

after(async () => {
  if (createdNamespaces.length)
    await kubectl(env, cluster, [
      'delete',
      'namespace',
      '--wait=false',
      '--ignore-not-found',
      ...createdNamespaces,
    ]);
  await Promise.all([kube?.close(), store?.close()]);
});

/** A namespace of this run (deleted at the end). */
function namespace(suffix: string): string {
  const ns = `${prefix}-${suffix}`;
  createdNamespaces.push(ns);
  return ns;
}

function restoreName(): string {
  restores += 1;
  return `${prefix}-r${restores}`;
}

const rbacGroup = 'rbac.authorization.k8s.io';
const crbResource = `clusterrolebindings.${rbacGroup}`;

/** One object as a backup stores it: where (its path's parts) and what (its body, or raw bytes). */
interface StoredObject {
  groupResource: string;
  namespace?: string;
  name: string;
  body: Json | string;
  /** The index entry's kind (default: the body's). */
  kind?: string;
}

function bytesOf(object: StoredObject): Buffer {
  return Buffer.from(typeof object.body === 'string' ? object.body : JSON.stringify(object.body));
}

function indexItem(object: StoredObject): IndexItem {
  const [resource = '', ...group] = object.groupResource.split('.');
  const data = bytesOf(object);
  const kind = object.kind ?? (typeof object.body === 'string' ? 'ConfigMap' : String(object.body.kind));
  const item: IndexItem = {
    group: group.join('.'),
    version: 'v1',
    kind,
    resource,
    name: object.name,
    sha256: sha256(data),
    size: data.length,
  };
  if (object.namespace !== undefined) item.namespace = object.namespace;
  return item;
}

/**
 * The tarball files Lifeboat writes for `objects`: the version file, then each object at its two paths —
 * the preferred-version copy only where its path fits a plain tar header (the restore reads the plain one).
 */
function filesOf(objects: readonly StoredObject[]): TarFile[] {
  const files: TarFile[] = [{ name: 'metadata/version', data: '1.1.0\n' }];
  for (const object of objects)
    for (const path of itemPaths(object.groupResource, object.namespace, object.name))
      if (Buffer.byteLength(path) <= 100) files.push({ name: path, data: bytesOf(object) });
  return files;
}

/**
 * Writes backup `folder` as Lifeboat would for `indexed` (index and tarball agreeing), then as another writer
 * changed it: `extra` files appended to the tarball, `replace` swapping an entry's bytes, the index left out.
 */
async function writeBackup(
  folder: string,
  indexed: readonly StoredObject[],
  options: {
    extra?: TarFile[];
    replace?: Record<string, string>;
    noIndex?: boolean;
    /** Who the description says made the backup (default Lifeboat). */
    madeBy?: 'lifeboat' | 'velero';
    bomb?: { path: string; bytes: number };
  } = {},
): Promise<void> {
  const files = [...filesOf(indexed), ...(options.extra ?? [])].map((file) =>
    options.replace?.[file.name] !== undefined
      ? { ...file, data: options.replace[file.name] as string }
      : file,
  );
  await writeRawBackup(store, folder, {
    description: backupDocument(folder, { madeBy: options.madeBy ?? 'lifeboat' }),
    tarball: options.bomb ? tarballBomb(options.bomb.path, options.bomb.bytes, files) : tarball(files),
    ...(options.noIndex ? {} : { index: indexFile(folder, indexed.map(indexItem)) }),
  });
}

/** Whether the target cluster has an object (kubectl get, by resource and name). */
async function exists(args: string[]): Promise<boolean> {
  try {
    await kubectl(env, cluster, ['get', ...args, '-o', 'name']);
    return true;
  } catch (error) {
    if (/NotFound|not found/.test(String((error as { stderr?: string }).stderr ?? error))) return false;
    throw error;
  }
}

/** Peak RSS growth (bytes) over `work`, sampled every 10 ms. */
async function peakRssGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const start = process.memoryUsage().rss;
  let peak = start;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, growth: peak - start };
  } finally {
    clearInterval(sampler);
  }
}

const mib = 2 ** 20;

describe('a body that is not the object its path names', () => {
  for (const variant of ['with an index rewritten to match', 'without an index'] as const) {
    test(`is refused by the plan and the restore, named, and nothing is created (${variant})`, async () => {
      const v = variant === 'without an index' ? 'v' : '';
      const ns = namespace(`spoof${v}`);
      const shown = `harmless-readonly-view-${tag}${v}`;
      const pwned = `pwned-${tag}${v}`;
      const folder = `${ns}-b`;
      // The attacker's entry: a harmless name in the path, a cluster-admin binding for everyone in the body.
      const spoof: StoredObject = {
        groupResource: crbResource,
        name: shown,
        body: clusterRoleBinding(pwned),
      };
      const good: StoredObject = {
        groupResource: 'configmaps',
        namespace: ns,
        name: 'good',
        body: configMap(ns, 'good'),
      };
      await writeBackup(
        folder,
        [good, spoof],
        variant === 'without an index' ? { noIndex: true, madeBy: 'velero' } : {},
      );
      const spoofPath = itemPath(crbResource, undefined, shown);

      const plan = await planRestore({ name: restoreName(), backupName: folder, store, kube });
      const planned = plan.items.find((item) => item.groupResource === crbResource);
      assert.equal(planned?.action, 'refuse');
      assert.equal(planned?.name, shown);
      assert.equal(
        planned?.reason,
        `${spoofPath} is not the object its path names (metadata.name is "${pwned}", not "${shown}"): not restored`,
      );
      assert.ok(!plan.items.some((item) => item.name === pwned));
      assert.equal(plan.counts.refuse, 1);
      assert.equal(plan.counts.create, 1);

      const outcome = await runRestore({ name: restoreName(), backupName: folder, store, kube });
      assert.equal(outcome.phase, 'PartiallyFailed');
      const failed = outcome.items.filter((item) => item.action === 'failed');
      assert.deepEqual(
        failed.map((item) => [item.name, item.detail]),
        [[shown, planned?.reason]],
      );
      assert.ok(JSON.stringify(outcome.errors).includes(spoofPath));
      assert.equal(outcome.counts.created, 1);
      assert.equal(await exists(['clusterrolebinding', pwned]), false, 'the spoofed binding was created');
      assert.equal(await exists(['clusterrolebinding', shown]), false);
      assert.equal(await exists(['configmap', 'good', '-n', ns]), true);
      if (variant === 'without an index') {
        assert.deepEqual(plan.warnings, [noIndexWarning]);
        assert.ok(JSON.stringify(outcome.warnings).includes(noIndexWarning));
      }
    });
  }
});

describe("objects that differ from the backup's content index", () => {
  let ns: string;
  let folder: string;
  let clean: string;
  let tamperedPath: string;
  let extraPath: string;
  const extraName = () => `extra-admin-${tag}`;
  before(async () => {
    ns = namespace('tamper');
    folder = `${ns}-b`;
    clean = `${ns}-clean`;
    const objects: StoredObject[] = [
      {
        groupResource: 'configmaps',
        namespace: ns,
        name: 'one',
        body: configMap(ns, 'one', { greeting: 'hello' }),
      },
      {
        groupResource: 'configmaps',
        namespace: ns,
        name: 'two',
        body: configMap(ns, 'two', { greeting: 'hi' }),
      },
    ];
    [tamperedPath] = itemPaths('configmaps', ns, 'one') as [string];
    [extraPath] = itemPaths(crbResource, undefined, extraName()) as [string];
    await writeBackup(folder, objects, {
      // One byte changed in a stored object, the index left as it was; a binding the index does not list.
      replace: { [tamperedPath]: JSON.stringify(configMap(ns, 'one', { greeting: 'jello' })) },
      extra: [{ name: extraPath, data: JSON.stringify(clusterRoleBinding(extraName())) }],
    });
    await writeBackup(clean, objects);
  });

  test('are refused by the plan and the restore, named; the rest is restored', async () => {
    const checksum = `${tamperedPath} does not match its checksum in the backup's content index: it was changed after the backup was made, so it is not restored`;
    const unlisted = `${extraPath} is not in the backup's content index: it was added after the backup was made, so it is not restored`;
    const plan = await planRestore({ name: restoreName(), backupName: folder, store, kube });
    const refused = plan.items.filter((item) => item.action === 'refuse').map((item) => item.reason);
    assert.deepEqual(refused.sort(), [checksum, unlisted].sort());
    const outcome = await runRestore({ name: restoreName(), backupName: folder, store, kube });
    assert.equal(outcome.phase, 'PartiallyFailed');
    const failed = outcome.items.filter((item) => item.action === 'failed').map((item) => item.detail);
    assert.deepEqual(failed.sort(), [checksum, unlisted].sort());
    assert.equal(await exists(['configmap', 'two', '-n', ns]), true);
    assert.equal(await exists(['configmap', 'one', '-n', ns]), false);
    assert.equal(await exists(['clusterrolebinding', extraName()]), false);
  });

  test('are named by verify (engine and CLI, exit 1); a clean backup verifies clean (exit 0)', async () => {
    const result = await verifyBackup(store, folder);
    assert.equal(result.indexed, true);
    assert.equal(result.indexedObjects, 2);
    assert.deepEqual(result.problems.map((p) => p.path).sort(), [extraPath, tamperedPath].sort());
    assert.equal(result.problemCount, 2);
    const cleanResult = await verifyBackup(store, clean);
    assert.deepEqual([cleanResult.problemCount, cleanResult.checkedEntries], [0, 4]);

    const location = minioLocationUrl(env, prefix);
    const keys = { AWS_ACCESS_KEY_ID: env.s3.accessKeyId, AWS_SECRET_ACCESS_KEY: env.s3.secretAccessKey };
    const cli = await lifeboat(['backup', 'verify', folder, '--location', location], keys);
    assert.equal(cli.code, 1, cli.stderr);
    assert.match(cli.stdout, /5 object entries checked against a content index of 2 objects; 2 problems/);
    assert.ok(cli.stdout.includes(tamperedPath) && cli.stdout.includes(extraPath), cli.stdout);
    const cleanCli = await lifeboat(['backup', 'verify', clean, '--location', location, '-o', 'json'], keys);
    assert.equal(cleanCli.code, 0, cleanCli.stderr);
    assert.deepEqual(JSON.parse(cleanCli.stdout).problems, []);
  });

  test('a backup without an index restores with a warning; verify says integrity could not be checked', async () => {
    const velero = `${ns}-velero`;
    await writeBackup(
      velero,
      [{ groupResource: 'configmaps', namespace: ns, name: 'three', body: configMap(ns, 'three') }],
      { noIndex: true, madeBy: 'velero' },
    );
    const outcome = await runRestore({ name: restoreName(), backupName: velero, store, kube });
    assert.equal(outcome.phase, 'Completed');
    assert.deepEqual(outcome.warnings.velero, [noIndexWarning]);
    const result = await verifyBackup(store, velero);
    assert.deepEqual([result.indexed, result.problemCount, result.warnings], [false, 0, [noIndexWarning]]);
  });
});

describe('a Lifeboat backup whose content index was removed', () => {
  test('is not restored (a removed index must not turn the checks off); verify names the missing index', async () => {
    const ns = namespace('noindex');
    const folder = `${ns}-b`;
    await writeBackup(
      folder,
      [{ groupResource: 'configmaps', namespace: ns, name: 'four', body: configMap(ns, 'four') }],
      { noIndex: true, madeBy: 'lifeboat' },
    );
    const sentence = missingIndexProblem(folder);
    await assert.rejects(planRestore({ name: restoreName(), backupName: folder, store, kube }), {
      message: sentence,
    });
    await assert.rejects(runRestore({ name: restoreName(), backupName: folder, store, kube }), {
      message: sentence,
    });
    assert.equal(await exists(['configmap', 'four', '-n', ns]), false);
    const result = await verifyBackup(store, folder);
    assert.deepEqual(
      result.problems.map((p) => p.problem),
      [sentence],
    );
  });
});

describe('objects that are not objects', () => {
  test('each fails alone, named with its path and reason; the restore goes on (PartiallyFailed)', async () => {
    const ns = namespace('malformed');
    const folder = `${ns}-b`;
    const bad = (name: string, body: string, where = ns): StoredObject => ({
      groupResource: 'configmaps',
      namespace: where,
      name,
      body,
    });
    // An index that vouches for them: the reasons below are the objects' own, not their checksums.
    await writeBackup(folder, [
      bad('not-json', '{"apiVersion": "v1", "kind": '),
      bad('null', 'null'),
      bad('array', '[1, 2, 3]'),
      bad('deep', deeplyNested(200_000)),
      bad('x', JSON.stringify(configMap('Bad_Namespace', 'x')), 'Bad_Namespace'),
      { groupResource: 'configmaps', namespace: ns, name: 'good', body: configMap(ns, 'good') },
    ]);
    const path = (name: string, where = ns) => itemPath('configmaps', where, name);
    const expected = [
      `${path('not-json')} is not valid JSON: not restored`,
      `${path('null')} holds null, not a Kubernetes object: not restored`,
      `${path('array')} holds a JSON array, not a Kubernetes object: not restored`,
      `${path('deep')} nests more than 512 levels deep (the most accepted): not restored`,
      `${path('x', 'Bad_Namespace')} is in namespace "Bad_Namespace", which is not a valid namespace name (at most 63 lower-case letters, digits and '-'): not restored`,
    ].sort();
    const plan = await planRestore({ name: restoreName(), backupName: folder, store, kube });
    assert.deepEqual(
      plan.items
        .filter((item) => item.action === 'refuse')
        .map((item) => item.reason)
        .sort(),
      expected,
    );
    const outcome = await runRestore({ name: restoreName(), backupName: folder, store, kube });
    assert.equal(outcome.phase, 'PartiallyFailed');
    assert.deepEqual(
      outcome.items
        .filter((item) => item.action === 'failed')
        .map((item) => item.detail)
        .sort(),
      expected,
    );
    assert.equal(await exists(['configmap', 'good', '-n', ns]), true);
  });
});

describe('a 1 GiB entry in an otherwise good backup', () => {
  test('fails that one object, named; plan and restore stay within 150 MiB of RSS growth', async () => {
    const ns = namespace('bomb');
    const folder = `${ns}-b`;
    const good = Array.from(
      { length: 20 },
      (_, i): StoredObject => ({
        groupResource: 'configmaps',
        namespace: ns,
        name: `good-${i}`,
        body: configMap(ns, `good-${i}`, { value: 'x'.repeat(200) }),
      }),
    );
    const bombPath = itemPath('configmaps', ns, 'huge');
    await writeBackup(folder, good, { bomb: { path: bombPath, bytes: 2 ** 30 } });
    const reason = `${bombPath} is 1024 MiB, over the 8 MiB limit of one object: not restored`;

    const planned = await peakRssGrowth(() =>
      planRestore({ name: restoreName(), backupName: folder, store, kube }),
    );
    assert.deepEqual(
      planned.result.items.filter((item) => item.action === 'refuse').map((item) => item.reason),
      [reason],
    );
    assert.equal(planned.result.counts.create, 20);
    const restored = await peakRssGrowth(() =>
      runRestore({ name: restoreName(), backupName: folder, store, kube }),
    );
    assert.equal(restored.result.phase, 'PartiallyFailed');
    assert.deepEqual(
      restored.result.items.filter((item) => item.action === 'failed').map((item) => item.detail),
      [reason],
    );
    assert.equal(restored.result.counts.created, 20);
    process.stderr.write(
      `# 1 GiB entry: peak RSS growth ${(planned.growth / mib).toFixed(0)} MiB (dry run), ${(restored.growth / mib).toFixed(0)} MiB (restore)\n`,
    );
    assert.ok(planned.growth < 150 * mib, `dry run grew RSS by ${(planned.growth / mib).toFixed(0)} MiB`);
    assert.ok(restored.growth < 150 * mib, `restore grew RSS by ${(restored.growth / mib).toFixed(0)} MiB`);
  });
});

describe('two source namespaces onto one target namespace', () => {
  test('are refused at input, naming both, before the backup is read', async () => {
    await assert.rejects(
      runRestore({
        name: restoreName(),
        backupName: `${prefix}-no-such-backup`,
        store,
        kube,
        namespaceMappings: { alpha: 'merged', beta: 'merged' },
      }),
      (error: unknown) =>
        error instanceof RestoreInputError &&
        error.message.startsWith(
          'namespaces "alpha" and "beta" would both be restored into namespace "merged"',
        ),
    );
  });

  test('a mapping onto a namespace the backup also holds is refused too, and nothing is created', async () => {
    const [a, b] = [namespace('src-a'), namespace('src-b')];
    const folder = `${prefix}-two-ns`;
    await writeBackup(folder, [
      { groupResource: 'configmaps', namespace: a, name: 'same', body: configMap(a, 'same') },
      { groupResource: 'configmaps', namespace: b, name: 'same', body: configMap(b, 'same') },
    ]);
    for (const run of [planRestore, runRestore])
      await assert.rejects(
        run({ name: restoreName(), backupName: folder, store, kube, namespaceMappings: { [a]: b } }),
        (error: unknown) =>
          error instanceof RestoreInputError &&
          error.message.includes(`namespaces "${a}" and "${b}" would both be restored into namespace "${b}"`),
      );
    assert.equal(await exists(['namespace', b]), false);
  });
});

describe('RBAC in the plan', () => {
  test('every binding shows its role and subjects; broad groups, cluster-admin and wildcard roles are flagged', async () => {
    const ns = namespace('rbac');
    const folder = `${ns}-b`;
    const open = `open-${tag}`;
    const star = `star-${tag}`;
    await writeBackup(folder, [
      { groupResource: crbResource, name: open, body: clusterRoleBinding(open) },
      {
        groupResource: `rolebindings.${rbacGroup}`,
        namespace: ns,
        name: 'reader',
        body: {
          ...clusterRoleBinding('reader', 'view', [{ kind: 'ServiceAccount', name: 'app', namespace: ns }]),
          kind: 'RoleBinding',
          metadata: { name: 'reader', namespace: ns },
        },
      },
      {
        groupResource: `clusterroles.${rbacGroup}`,
        name: star,
        body: {
          apiVersion: `${rbacGroup}/v1`,
          kind: 'ClusterRole',
          metadata: { name: star },
          rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
        },
      },
    ]);
    const plan = await planRestore({ name: restoreName(), backupName: folder, store, kube });
    const grants = Object.fromEntries(plan.items.map((item) => [item.name, item.grants]));
    assert.deepEqual(grants[open], {
      role: 'ClusterRole cluster-admin',
      subjects: ['Group system:authenticated'],
      flags: [
        'grants cluster-admin: every right on every object',
        'binds the broad group system:authenticated',
      ],
    });
    assert.deepEqual(grants.reader, {
      role: 'ClusterRole view',
      subjects: [`ServiceAccount ${ns}/app`],
      flags: [],
    });
    assert.deepEqual(grants[star], {
      rules: ['verbs * on resources * in groups *'],
      flags: ['has wildcard rules'],
    });

    const cli = await lifeboat(
      [
        'restore',
        'create',
        '--dry-run',
        '--from-backup',
        folder,
        '--location',
        minioLocationUrl(env, prefix),
        '--kubeconfig',
        cluster.kubeconfig,
      ],
      { AWS_ACCESS_KEY_ID: env.s3.accessKeyId, AWS_SECRET_ACCESS_KEY: env.s3.secretAccessKey },
    );
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /Rights granted by RBAC objects \(2 flagged with !/);
    const openLine = cli.stdout.split('\n').find((line) => line.includes(open) && line.startsWith('!'));
    assert.ok(openLine, cli.stdout);
    assert.match(openLine, /ClusterRole cluster-admin to Group system:authenticated/);
    assert.match(openLine, /binds the broad group system:authenticated/);
  });
});

describe('through the API', () => {
  test('POST .../backups/{backup}/verify names the problems; the plan answer shows refusals and grants', async () => {
    const ns = namespace('api');
    const [tampered, clean, spoofed] = [`${ns}-t`, `${ns}-c`, `${ns}-s`];
    const one: StoredObject = {
      groupResource: 'configmaps',
      namespace: ns,
      name: 'one',
      body: configMap(ns, 'one'),
    };
    const [onePath] = itemPaths('configmaps', ns, 'one') as [string];
    await writeBackup(tampered, [one], {
      replace: { [onePath]: JSON.stringify(configMap(ns, 'one', { x: 'y' })) },
    });
    await writeBackup(clean, [one]);
    const shown = `harmless-readonly-view-${tag}a`;
    const open = `open-${tag}a`;
    await writeBackup(spoofed, [
      { groupResource: crbResource, name: shown, body: clusterRoleBinding(`pwned-${tag}a`) },
      { groupResource: crbResource, name: open, body: clusterRoleBinding(open) },
    ]);
    const plane = await startTestPlane('embedded');
    try {
      const call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
        plane.api.call<T>(method, path, plane.adminToken, body);
      const project = `${ns}-p`;
      assert.equal((await call('POST', '/projects', { name: project })).status, 201);
      const location = await call(
        'POST',
        `/projects/${project}/locations`,
        minioLocationBody(env, 'minio', prefix),
      );
      assert.equal(location.status, 201, location.text);
      const sync = await call<{ added: string[] }>('POST', `/projects/${project}/locations/minio/sync`);
      assert.ok(
        [tampered, clean, spoofed].every((name) => sync.body.added.includes(name)),
        sync.text,
      );

      const verified = await call<BackupVerification>(
        'POST',
        `/projects/${project}/backups/${tampered}/verify`,
      );
      assert.equal(verified.status, 200, verified.text);
      assert.deepEqual(
        verified.body.problems.map((p) => p.path),
        [onePath],
      );
      assert.match(verified.body.problems[0]?.problem ?? '', /does not match its checksum/);
      const cleanVerified = await call<BackupVerification>(
        'POST',
        `/projects/${project}/backups/${clean}/verify`,
      );
      assert.deepEqual([cleanVerified.status, cleanVerified.body.problemCount], [200, 0]);

      const added = await call('POST', `/projects/${project}/clusters`, {
        name: 'target',
        kubeconfig: kubeconfigText(cluster),
      });
      assert.equal(added.status, 201, added.text);
      const plan = await call<RestorePlan>('POST', `/projects/${project}/restores/plan`, {
        backup: spoofed,
        targetCluster: 'target',
      });
      assert.equal(plan.status, 200, plan.text);
      const byName = new Map(plan.body.items.map((item) => [item.name, item]));
      assert.equal(byName.get(shown)?.action, 'refuse');
      assert.match(byName.get(shown)?.reason ?? '', /metadata.name is "pwned-/);
      assert.deepEqual(byName.get(open)?.grants?.flags, [
        'grants cluster-admin: every right on every object',
        'binds the broad group system:authenticated',
      ]);
    } finally {
      await plane.close();
    }
  });
});

describe('a tarball cut short', () => {
  test('fails the restore as a whole with the file named; verify names it as a problem', async () => {
    const ns = namespace('cut');
    const folder = `${ns}-b`;
    const whole = tarball(
      filesOf([{ groupResource: 'configmaps', namespace: ns, name: 'c', body: configMap(ns, 'c') }]),
    );
    await writeRawBackup(store, folder, {
      description: backupDocument(folder, { madeBy: 'velero' }),
      tarball: whole.subarray(0, Math.floor(whole.length / 2)),
    });
    const key = `backups/${folder}/${folder}.tar.gz`;
    await assert.rejects(
      runRestore({ name: restoreName(), backupName: folder, store, kube }),
      (error: unknown) =>
        error instanceof BackupMetadataError &&
        error.message.startsWith(`${key} is not a gzipped tarball Lifeboat can read (`),
    );
    const result = await verifyBackup(store, folder);
    assert.deepEqual(
      result.problems.map((p) => p.path),
      [key],
    );
    assert.match(
      result.problems[0]?.problem ?? '',
      /it was cut short or altered; the objects after that point were not checked$/,
    );
  });
});
