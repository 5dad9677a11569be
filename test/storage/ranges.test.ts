/**
 * Ranged reads (`getRange`) on every store of the test bed — MinIO, fake-gcs-server, Azurite and file:// —
 * against the real servers: a range returns exactly its bytes; one past the end is cut at the end, and
 * one starting at or past the end returns no bytes, without an error (the port's contract); a missing
 * object is `ObjectNotFoundError`. On MinIO, a buffer up to 64 MiB is stored by one PutObject (its ETag is
 * a plain MD5, not a multipart `-N` one), a larger one by multipart upload, both whole, and a conditional
 * create of a large buffer is refused on a taken key.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  type ByteRange,
  getBuffer,
  ObjectExistsError,
  ObjectNotFoundError,
  type ObjectStore,
  openObjectStore,
  parseLocation,
} from '../../src/storage/index.ts';
import { uniqueName } from '../support/kube.ts';
import { minioCredentials, minioLocationUrl, type TestbedEnv, useTestbed } from '../testbed/index.ts';

let env: TestbedEnv;
let fileDir: string;
const prefix = uniqueName('ranges');
const MiB = 1024 * 1024;

const cases: { name: string; open: () => ObjectStore }[] = [
  { name: 'file', open: () => openObjectStore(parseLocation(`file://${fileDir}`)) },
  {
    name: 'MinIO',
    open: () =>
      openObjectStore(parseLocation(minioLocationUrl(env, prefix)), { s3Credentials: minioCredentials(env) }),
  },
  {
    name: 'fake-gcs-server',
    open: () =>
      openObjectStore(
        parseLocation(`gs://${env.gcs.bucket}/${prefix}?endpoint=${encodeURIComponent(env.gcs.endpoint)}`),
      ),
  },
  {
    name: 'Azurite',
    open: () =>
      openObjectStore(
        parseLocation(
          `azblob://${env.azure.account}/${env.azure.container}/${prefix}?endpoint=${encodeURIComponent(env.azure.endpoint)}`,
        ),
        { azureCredentials: { kind: 'sharedKey', accountKey: env.azure.accountKey } },
      ),
  },
];

before(async () => {
  env = await useTestbed();
  fileDir = await mkdtemp(join(tmpdir(), 'lifeboat-ranges-'));
});

/** The bytes a ranged read returns. */
async function readRange(store: ObjectStore, key: string, range: ByteRange): Promise<Buffer> {
  assert.ok(store.getRange, `${store.description} reads ranges`);
  const chunks: Buffer[] = [];
  for await (const chunk of await store.getRange(key, range)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

for (const c of cases) {
  describe(`ranged reads on ${c.name}`, () => {
    let store: ObjectStore;
    const object = randomBytes(3 * MiB + 123);
    before(async () => {
      store = c.open();
      await store.put('ranges/object.bin', object);
      await store.put('ranges/empty.bin', Buffer.alloc(0));
    });
    after(async () => {
      await store?.delete(['ranges/object.bin', 'ranges/empty.bin']);
      await store?.close();
    });

    test('a range returns exactly its bytes: the start, the middle, one byte, up to the last byte', async () => {
      const key = 'ranges/object.bin';
      for (const range of [
        { offset: 0, length: 1000 },
        { offset: MiB + 7, length: 2 * MiB },
        { offset: 12_345, length: 1 },
        { offset: object.length - 500, length: 500 },
        { offset: 0, length: object.length },
      ]) {
        const got = await readRange(store, key, range);
        assert.ok(
          got.equals(object.subarray(range.offset, range.offset + range.length)),
          `${JSON.stringify(range)}: got ${got.length} bytes`,
        );
      }
    });

    test('a range past the end is cut at the end; one starting at or past the end returns no bytes', async () => {
      const key = 'ranges/object.bin';
      const tail = await readRange(store, key, { offset: object.length - 10, length: 1000 });
      assert.ok(tail.equals(object.subarray(object.length - 10)), `the last 10 bytes, got ${tail.length}`);
      assert.equal((await readRange(store, key, { offset: object.length, length: 10 })).length, 0);
      assert.equal((await readRange(store, key, { offset: object.length + MiB, length: 10 })).length, 0);
      assert.equal((await readRange(store, 'ranges/empty.bin', { offset: 0, length: 10 })).length, 0);
    });

    test('a range of a missing object is ObjectNotFoundError; a malformed range is a RangeError', async () => {
      await assert.rejects(
        readRange(store, 'ranges/missing.bin', { offset: 0, length: 10 }),
        (error: unknown) => error instanceof ObjectNotFoundError && error.key === 'ranges/missing.bin',
      );
      await assert.rejects(readRange(store, 'ranges/object.bin', { offset: 0, length: 0 }), RangeError);
      await assert.rejects(readRange(store, 'ranges/object.bin', { offset: -1, length: 1 }), RangeError);
    });
  });
}

describe('S3 uploads of buffers on MinIO', () => {
  let store: ObjectStore;
  let s3: S3Client;
  before(async () => {
    store = cases[1]?.open() as ObjectStore;
    s3 = new S3Client({
      endpoint: env.s3.endpoint,
      region: env.s3.region,
      forcePathStyle: true,
      credentials: minioCredentials(env),
      requestHandler: new NodeHttpHandler({
        httpsAgent: new Agent({ ca: await readFile(env.s3.caCert, 'utf8') }),
      }),
    });
  });
  after(async () => {
    await store?.delete(['uploads/pack.bin', 'uploads/large.bin']);
    await store?.close();
    s3?.destroy();
  });

  async function etagOf(key: string): Promise<string> {
    const head = await s3.send(new HeadObjectCommand({ Bucket: env.s3.bucket, Key: `${prefix}/${key}` }));
    return (head.ETag ?? '').replaceAll('"', '');
  }

  test('a 16 MiB pack goes as one PutObject (plain MD5 ETag) and reads back whole; a second conditional put is refused', async () => {
    const body = randomBytes(16 * MiB + 4321);
    await store.put('uploads/pack.bin', body, { ifAbsent: true });
    assert.equal(await etagOf('uploads/pack.bin'), createHash('md5').update(body).digest('hex'));
    assert.ok((await getBuffer(store, 'uploads/pack.bin')).equals(body));
    await assert.rejects(
      store.put('uploads/pack.bin', randomBytes(16 * MiB), { ifAbsent: true }),
      ObjectExistsError,
    );
    assert.ok((await getBuffer(store, 'uploads/pack.bin')).equals(body), 'the first pack is left as it was');
  });

  test('a buffer over 64 MiB goes by multipart upload and reads back whole', async () => {
    const body = randomBytes(64 * MiB + 1);
    await store.put('uploads/large.bin', body);
    assert.match(await etagOf('uploads/large.bin'), /-\d+$/, 'a multipart ETag');
    assert.ok((await getBuffer(store, 'uploads/large.bin')).equals(body));
  });
});
