/**
 * Backup locations against the real stores of the test bed: the ObjectStore contract and a backup-and-
 * restore round trip on file://, MinIO (TLS), fake-gcs-server and Azurite; validation and its sentences
 * for each kind of mistake; MinIO's STS AssumeRole for the role path.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { runBackup } from '../../src/backup/index.ts';
import type { KubeClient } from '../../src/kube/index.ts';
import { runRestore } from '../../src/restore/index.ts';
import {
  getBuffer,
  LocationError,
  type ObjectStore,
  openObjectStore,
  parseLocation,
  type StoreOptions,
  validateLocation,
  validationTarget,
} from '../../src/storage/index.ts';
import { lifeboat } from '../support/cli.ts';
import { apply, kubeClient, kubectl, uniqueName } from '../support/kube.ts';
import { createCa } from '../testbed/certs.ts';
import {
  type ClusterEnv,
  minioCredentials,
  minioLocationUrl,
  type TestbedEnv,
  useTestbed,
} from '../testbed/index.ts';

let env: TestbedEnv;
let source: ClusterEnv;
let target: ClusterEnv;
let sourceKube: KubeClient;
let targetKube: KubeClient;
const prefix = uniqueName('loc');
const ns = `${prefix}-app`;

interface StoreCase {
  name: string;
  url: () => string;
  options: () => StoreOptions;
}

function minioUrl(path: string, extra: Record<string, string> = {}): string {
  return minioLocationUrl(env, path, extra);
}

const minioKeys = (): StoreOptions => ({ s3Credentials: minioCredentials(env) });
let fileDir: string;

const cases: StoreCase[] = [
  { name: 'file', url: () => `file://${fileDir}`, options: () => ({}) },
  { name: 'minio', url: () => minioUrl(prefix), options: minioKeys },
  {
    name: 'gcs',
    url: () => `gs://${env.gcs.bucket}/${prefix}?endpoint=${encodeURIComponent(env.gcs.endpoint)}`,
    options: () => ({}),
  },
  {
    name: 'azure',
    url: () =>
      `azblob://${env.azure.account}/${env.azure.container}/${prefix}?endpoint=${encodeURIComponent(env.azure.endpoint)}`,
    options: () => ({ azureCredentials: { kind: 'sharedKey', accountKey: env.azure.accountKey } }),
  },
];

before(async () => {
  env = await useTestbed();
  source = env.clusters[0] as ClusterEnv;
  target = env.clusters[1] as ClusterEnv;
  sourceKube = await kubeClient(source);
  targetKube = await kubeClient(target);
  fileDir = await mkdtemp(join(tmpdir(), 'lifeboat-loc-'));
  await apply(env, source, [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: ns }, data: { k: 'v' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec', namespace: ns }, stringData: { p: 'w' } },
  ]);
});

after(async () => {
  await Promise.all([sourceKube?.close(), targetKube?.close()]);
});

for (const c of cases) {
  describe(`the ${c.name} location`, () => {
    let store: ObjectStore;
    before(() => {
      store = openObjectStore(parseLocation(c.url()), c.options());
    });
    after(() => store.close());

    test('keeps objects: put, streamed get, head, list, folders and delete', async () => {
      await store.put('backups/a/one.json', Buffer.from('{"one":1}'));
      await store.put(
        'backups/b/two.bin',
        Readable.from([Buffer.alloc(100_000, 7), Buffer.alloc(50_000, 8)]),
      );
      assert.equal((await getBuffer(store, 'backups/a/one.json')).toString(), '{"one":1}');
      assert.equal((await store.head('backups/b/two.bin'))?.size, 150_000);
      assert.equal(await store.head('backups/missing'), undefined);
      const listed = [];
      for await (const object of store.list('backups/')) listed.push(object.key);
      assert.deepEqual(listed.sort(), ['backups/a/one.json', 'backups/b/two.bin']);
      assert.deepEqual(await store.listPrefixes('backups/'), ['a', 'b']);
      await store.delete(['backups/a/one.json', 'backups/b/two.bin', 'backups/never-was']);
      assert.equal(await store.head('backups/a/one.json'), undefined);
      await assert.rejects(store.get('backups/a/one.json'), { name: 'ObjectNotFoundError' });
    });

    test('validates', async () => {
      const result = await validateLocation(store, validationTarget(parseLocation(c.url())));
      assert.deepEqual(result.problems, []);
      assert.deepEqual(result.checks, [
        'wrote a probe object',
        'read it back intact',
        'found it by listing',
        'deleted it',
      ]);
    });

    test('carries a backup and its restore into another cluster', async () => {
      const backupName = `${prefix}-${c.name}`;
      const backup = await runBackup({ name: backupName, kube: sourceKube, store, includeNamespaces: [ns] });
      assert.equal(backup.description.phase, 'Completed', JSON.stringify(backup.errors));
      const restored = await runRestore({
        name: `${backupName}-r`,
        backupName,
        store,
        kube: targetKube,
        namespaceMappings: { [ns]: `${ns}-${c.name}` },
      });
      assert.equal(restored.phase, 'Completed', JSON.stringify(restored.errors));
      const names = await kubectl(env, target, [
        'get',
        'configmaps,secrets',
        '-n',
        `${ns}-${c.name}`,
        '-o',
        'name',
      ]);
      assert.ok(names.includes('configmap/cfg') && names.includes('secret/sec'), names);
    });
  });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function problems(url: string, options: StoreOptions): Promise<string[]> {
  const location = parseLocation(url);
  const store = openObjectStore(location, options);
  try {
    return (await validateLocation(store, validationTarget(location))).problems;
  } finally {
    await store.close();
  }
}

describe('validation explains each mistake in its own words', () => {
  test('MinIO over TLS: refused without its CA and with another CA, and the fix is named', async () => {
    const withoutCa = await problems(minioUrl('v').replace(/&caCert=[^&]*/, ''), minioKeys());
    assert.match(
      withoutCa[0] ?? '',
      /certificate of https:\/\/127\.0\.0\.1:\d+ is not trusted .*CA certificate/,
    );
    const other = await createCa('some-other-ca');
    const otherFile = join(fileDir, 'other-ca.pem');
    await writeFile(otherFile, other.certPem);
    const wrongCa = await problems(minioUrl('v', { caCert: otherFile }), minioKeys());
    assert.match(wrongCa[0] ?? '', /not trusted/);
  });

  test('wrong keys, a missing bucket, an unreachable port, an invalid bucket name', async () => {
    const badSecret = await problems(minioUrl('v'), {
      s3Credentials: { accessKeyId: env.s3.accessKeyId, secretAccessKey: 'wrong-secret-123' },
    });
    assert.deepEqual(badSecret, ['the secret key does not match the access key: check the secret key']);
    const badKey = await problems(minioUrl('v'), {
      s3Credentials: { accessKeyId: 'nobody', secretAccessKey: 'wrong-secret-123' },
    });
    assert.deepEqual(badKey, ['the access key ID is not known to the store: check the access key']);
    const missing = await problems(
      minioUrl('v').replace(`s3://${env.s3.bucket}/`, 's3://no-such-bucket/'),
      minioKeys(),
    );
    assert.match(
      missing[0] ?? '',
      /bucket "no-such-bucket" does not exist at https:\/\/127\.0\.0\.1:\d+: create it/,
    );
    const port = await closedPort();
    const unreachable = await problems(
      `s3://${env.s3.bucket}/v?region=us-east-1&forcePathStyle=true&endpoint=https://127.0.0.1:${port}`,
      minioKeys(),
    );
    assert.match(
      unreachable[0] ?? '',
      new RegExp(`nothing answers at https://127.0.0.1:${port} \\(connection refused\\)`),
    );
    assert.throws(
      () => parseLocation('s3://My_Bucket/x'),
      (e: Error) =>
        e instanceof LocationError &&
        /not a valid S3 bucket name: it may contain only lower-case/.test(e.message),
    );
    assert.throws(() => parseLocation('s3://ab/x'), /must be 3 to 63 characters/);
    for (const message of [...badSecret, ...badKey]) assert.ok(!message.includes(env.s3.secretAccessKey));
    const wrongRegion = await problems(minioUrl('v', { region: 'eu-west-1' }), minioKeys());
    assert.deepEqual(wrongRegion, [
      `bucket "${env.s3.bucket}" is in region us-east-1, not eu-west-1: set the region to us-east-1`,
    ]);
  });

  test('GCS and Azure: a missing bucket or container, and a wrong account key', async () => {
    const gcs = await problems(
      `gs://no-such-bucket-${Date.now()}/x?endpoint=${encodeURIComponent(env.gcs.endpoint)}`,
      {},
    );
    assert.match(gcs[0] ?? '', /bucket "no-such-bucket-\d+" does not exist/);
    const azureUrl = (container: string) =>
      `azblob://${env.azure.account}/${container}/x?endpoint=${encodeURIComponent(env.azure.endpoint)}`;
    const noContainer = await problems(azureUrl('no-such-container'), {
      azureCredentials: { kind: 'sharedKey', accountKey: env.azure.accountKey },
    });
    assert.match(noContainer[0] ?? '', /container "no-such-container" does not exist/);
    const wrongKey = Buffer.alloc(64, 1).toString('base64');
    const badKey = await problems(azureUrl(env.azure.container), {
      azureCredentials: { kind: 'sharedKey', accountKey: wrongKey },
    });
    assert.match(badKey[0] ?? '', /storage account refused the (credentials|request): check the account key/);
    assert.ok(!badKey.join(' ').includes(wrongKey));
  });

  test('an IAM role assumed through STS (MinIO implements AssumeRole), and an unreachable STS endpoint', async () => {
    const role = {
      roleArn: 'arn:aws:iam::123456789012:role/lifeboat-backup',
      externalId: 'lifeboat-ext-42',
      stsEndpoint: env.s3.endpoint,
    };
    assert.deepEqual(await problems(minioUrl('sts', role), minioKeys()), []);
    const port = await closedPort();
    const down = await problems(
      minioUrl('sts', { ...role, stsEndpoint: `https://127.0.0.1:${port}` }),
      minioKeys(),
    );
    assert.ok(down.length > 0 && /connection refused/.test(down[0] ?? ''), JSON.stringify(down));
  });

  test('the command line validates a location and exits 1 with the sentences when it is not usable', async () => {
    const good = await lifeboat(['location', 'validate', minioUrl('cli')], {
      AWS_ACCESS_KEY_ID: env.s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: env.s3.secretAccessKey,
    });
    assert.equal(good.code, 0, good.stderr);
    assert.match(
      good.stdout,
      /is usable: wrote a probe object, read it back intact, found it by listing, deleted it/,
    );
    const bad = await lifeboat(['location', 'validate', minioUrl('cli'), '-o', 'json'], {
      AWS_ACCESS_KEY_ID: env.s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: 'nope-nope-nope',
    });
    assert.equal(bad.code, 1);
    assert.deepEqual(JSON.parse(bad.stdout).problems, [
      'the secret key does not match the access key: check the secret key',
    ]);
    const usage = await lifeboat(['location', 'validate', 'azblob://UPPER/container']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /not a valid Azure storage account name/);
  });
});

describe('large objects', () => {
  test('200 MB stream through multipart upload to MinIO and read back with the same SHA-256, memory flat', async () => {
    const store = openObjectStore(parseLocation(minioUrl(`${prefix}-large`)), minioKeys());
    const size = 200 * 1024 * 1024;
    const chunk = 1024 * 1024;
    // Pseudo-random content made on the fly, so the test itself holds no copy.
    function* source(): Generator<Buffer> {
      let state = 12345;
      for (let sent = 0; sent < size; sent += chunk) {
        const block = Buffer.allocUnsafe(chunk);
        for (let i = 0; i < chunk; i += 4) {
          state = (state * 1103515245 + 12345) >>> 0;
          block.writeUInt32LE(state, i);
        }
        yield block;
      }
    }
    const hash = (await import('node:crypto')).createHash;
    const expected = hash('sha256');
    // Memory held, not garbage awaiting collection: collect before each sample.
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    let peak = 0;
    const baseline = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      gc();
      peak = Math.max(peak, process.memoryUsage().rss - baseline);
    }, 50);
    try {
      const body = Readable.from(
        (function* () {
          for (const block of source()) {
            expected.update(block);
            yield block;
          }
        })(),
      );
      await store.put('big/object.bin', body);
      assert.equal((await store.head('big/object.bin'))?.size, size);
      const actual = hash('sha256');
      for await (const part of await store.get('big/object.bin')) actual.update(part as Buffer);
      assert.equal(actual.digest('hex'), expected.digest('hex'));
    } finally {
      clearInterval(sampler);
      await store.delete(['big/object.bin']);
      await store.close();
    }
    assert.ok(
      peak < 100 * 1024 * 1024,
      `memory held grew by ${Math.round(peak / 1048576)} MiB while moving 200 MiB`,
    );
  });

  test('every backup command takes gs:// and azblob:// locations', async () => {
    const gs = `gs://${env.gcs.bucket}/${prefix}?endpoint=${encodeURIComponent(env.gcs.endpoint)}`;
    const az = `azblob://${env.azure.account}/${env.azure.container}/${prefix}?endpoint=${encodeURIComponent(env.azure.endpoint)}`;
    const azEnv = { AZURE_STORAGE_KEY: env.azure.accountKey };
    for (const [url, extra] of [
      [gs, {}],
      [az, azEnv],
    ] as const) {
      const listed = await lifeboat(['backup', 'list', '--location', url, '-o', 'json'], extra);
      assert.equal(listed.code, 0, listed.stderr);
      assert.ok(Array.isArray(JSON.parse(listed.stdout)), listed.stdout);
    }
    const noCredentials = await lifeboat(['backup', 'list', '--location', az], {
      AZURE_STORAGE_KEY: '',
      AZURE_STORAGE_CONNECTION_STRING: '',
    });
    assert.equal(noCredentials.code, 2);
    assert.match(noCredentials.stderr, /no Azure credentials: set AZURE_STORAGE_CONNECTION_STRING/);
  });
});
