/**
 * Conditional create (`put(key, body, { ifAbsent: true })`) on every store of the test bed — MinIO,
 * fake-gcs-server, Azurite and file:// — against the real servers: of two writers racing for one key exactly
 * one wins, the other gets `ObjectExistsError`, and the stored bytes are the winner's. Streamed bodies
 * large enough for S3 multipart (CompleteMultipartUpload with If-None-Match), GCS resumable uploads and
 * Azure staged blocks (Put Block List with If-None-Match) are checked too.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import {
  getBuffer,
  ObjectExistsError,
  type ObjectStore,
  openObjectStore,
  parseLocation,
} from '../../src/storage/index.ts';
import { uniqueName } from '../support/kube.ts';
import { minioCredentials, minioLocationUrl, type TestbedEnv, useTestbed } from '../testbed/index.ts';

let env: TestbedEnv;
let fileDir: string;
const prefix = uniqueName('cond');

interface StoreCase {
  name: string;
  open: () => ObjectStore;
}

const cases: StoreCase[] = [
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
  fileDir = await mkdtemp(join(tmpdir(), 'lifeboat-conditional-'));
});

/** A body streamed in small chunks, so that no store can treat it as one small buffer. */
function streamOf(data: Buffer): Readable {
  const chunk = 256 * 1024;
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= data.length) this.push(null);
      else {
        this.push(data.subarray(offset, offset + chunk));
        offset += chunk;
      }
    },
  });
}

/** Starts two writes of one key at the same moment; says which won and how the other failed. */
async function race(
  store: ObjectStore,
  key: string,
  bodies: readonly [Buffer, Buffer],
  streamed: boolean,
): Promise<{ winner: Buffer; loserError: unknown }> {
  const results = await Promise.allSettled(
    bodies.map((body) => store.put(key, streamed ? streamOf(body) : body, { ifAbsent: true })),
  );
  const won = results.flatMap((result, i) => (result.status === 'fulfilled' ? [i] : []));
  const lost = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
  assert.equal(
    won.length,
    1,
    `exactly one write wins (won: ${won.length}; errors: ${lost.map(String).join('; ')})`,
  );
  return { winner: bodies[won[0] as number] as Buffer, loserError: lost[0] };
}

for (const c of cases) {
  describe(`conditional create on ${c.name}`, () => {
    let store: ObjectStore;
    before(() => {
      store = c.open();
    });
    after(async () => {
      await store?.close();
    });

    test("two racing small writes: exactly one wins, the other gets ObjectExistsError, the bytes are the winner's", async () => {
      for (let round = 0; round < 3; round++) {
        const key = `race/small-${round}.json`;
        const bodies = [
          Buffer.from(`{"writer":"a","round":${round}}`),
          Buffer.from(`{"writer":"b","round":${round}}`),
        ] as const;
        const { winner, loserError } = await race(store, key, bodies, false);
        assert.ok(loserError instanceof ObjectExistsError, `loser: ${String(loserError)}`);
        assert.equal(loserError.key, key);
        assert.equal(loserError.location, store.description);
        assert.match(loserError.message, /already exists/);
        assert.deepEqual(await getBuffer(store, key), winner);
      }
    });

    test('two racing streamed writes of 6 MiB (multipart, resumable, staged blocks): one wins, whole', async () => {
      const key = 'race/large.bin';
      const bodies = [randomBytes(6 * 2 ** 20), randomBytes(6 * 2 ** 20)] as const;
      const { winner, loserError } = await race(store, key, bodies, true);
      assert.ok(loserError instanceof ObjectExistsError, `loser: ${String(loserError)}`);
      assert.ok((await getBuffer(store, key)).equals(winner), "the stored object is the winner's, whole");
    });

    test('a streamed 6 MiB write onto an existing key is refused and leaves the object as it was', async () => {
      const key = 'exists/large.bin';
      await store.put(key, Buffer.from('first'));
      await assert.rejects(
        store.put(key, streamOf(randomBytes(6 * 2 ** 20)), { ifAbsent: true }),
        (error: unknown) => error instanceof ObjectExistsError && error.key === key,
      );
      assert.equal((await getBuffer(store, key)).toString(), 'first');
      await assert.rejects(store.put(key, Buffer.from('second'), { ifAbsent: true }), ObjectExistsError);
      assert.equal((await getBuffer(store, key)).toString(), 'first');
    });

    test('without ifAbsent a write still replaces the object; after a delete the key is free again', async () => {
      const key = 'plain/object.txt';
      await store.put(key, Buffer.from('one'), { ifAbsent: true });
      await store.put(key, Buffer.from('two'));
      assert.equal((await getBuffer(store, key)).toString(), 'two');
      await store.delete([key]);
      await store.put(key, Buffer.from('three'), { ifAbsent: true });
      assert.equal((await getBuffer(store, key)).toString(), 'three');
    });
  });
}

test('file://: a lost conditional write leaves no temporary file behind', async () => {
  const store = openObjectStore(parseLocation(`file://${fileDir}`));
  await Promise.allSettled(
    Array.from({ length: 8 }, (_, i) =>
      store.put('many/one.json', Buffer.from(`writer ${i}`), { ifAbsent: true }),
    ),
  );
  assert.deepEqual(await readdir(join(fileDir, 'many')), ['one.json']);
});
