/**
 * Smoke tests: each part of the test bed is the real thing and behaves like it.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { before, describe, test } from 'node:test';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient } from '@azure/storage-blob';
import { Storage } from '@google-cloud/storage';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import pg from 'pg';
import { eventually, kubectl } from '../support/kube.ts';
import { type TestbedEnv, useTestbed } from './index.ts';

let env: TestbedEnv;

before(async () => {
  env = await useTestbed();
});

describe('Kubernetes clusters', () => {
  test('kubectl lists the namespaces of every cluster', async () => {
    assert.ok(env.clusters.length >= 2);
    for (const cluster of env.clusters) {
      const list = JSON.parse(await kubectl(env, cluster, ['get', 'ns', '-o', 'json'])) as {
        items: { metadata: { name: string } }[];
      };
      const names = list.items.map((item) => item.metadata.name);
      assert.ok(
        names.includes('default') && names.includes('kube-system'),
        `namespaces of ${cluster.name}: ${names}`,
      );
    }
  });

  test('clusters are separate: an object made in one is absent from the other', async () => {
    const [a, b] = env.clusters as [TestbedEnv['clusters'][0], TestbedEnv['clusters'][0]];
    const ns = `only-in-a-${Date.now()}`;
    await kubectl(env, a, ['create', 'namespace', ns]);
    await assert.rejects(kubectl(env, b, ['get', 'namespace', ns]), /NotFound/);
  });

  test('a Deployment gets a ReplicaSet from the controller manager', async () => {
    const cluster = env.clusters[0];
    assert.ok(cluster);
    const ns = `smoke-deploy-${Date.now()}`;
    await kubectl(env, cluster, ['create', 'namespace', ns]);
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: ns },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
        },
      },
    };
    await kubectl(env, cluster, ['apply', '-f', '-'], JSON.stringify(deployment));
    const owner = await eventually('a ReplicaSet', async () => {
      const list = JSON.parse(
        await kubectl(env, cluster, ['get', 'replicasets', '-n', ns, '-o', 'json']),
      ) as {
        items: { metadata: { ownerReferences?: { kind: string; name: string }[] } }[];
      };
      return list.items[0]?.metadata.ownerReferences?.[0];
    });
    assert.deepEqual({ kind: owner.kind, name: owner.name }, { kind: 'Deployment', name: 'web' });
  });

  test('a deleted namespace disappears and a new one gets its default service account', async () => {
    const cluster = env.clusters[1];
    assert.ok(cluster);
    const ns = `smoke-delete-${Date.now()}`;
    await kubectl(env, cluster, ['create', 'namespace', ns]);
    await eventually('the default service account', async () =>
      (await kubectl(env, cluster, ['get', 'serviceaccounts', '-n', ns, '-o', 'name'])).includes(
        'serviceaccount/default',
      )
        ? true
        : undefined,
    );
    await kubectl(env, cluster, ['create', 'configmap', 'c', '-n', ns, '--from-literal=k=v']);
    await kubectl(env, cluster, ['delete', 'namespace', ns, '--wait=false']);
    await eventually('the namespace to be gone', async () => {
      try {
        await kubectl(env, cluster, ['get', 'namespace', ns]);
        return undefined;
      } catch (error) {
        return /NotFound/.test(String((error as { stderr?: string }).stderr)) ? true : undefined;
      }
    });
  });
});

describe('object stores', () => {
  test('MinIO serves TLS with the generated CA: an object put reads back', async () => {
    const ca = await readFile(env.s3.caCert, 'utf8');
    const s3 = new S3Client({
      endpoint: env.s3.endpoint,
      region: env.s3.region,
      forcePathStyle: true,
      credentials: { accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey },
      requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca }) }),
    });
    const key = `smoke/${Date.now()}.txt`;
    await s3.send(new PutObjectCommand({ Bucket: env.s3.bucket, Key: key, Body: 'hello minio' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: env.s3.bucket, Key: key }));
    assert.equal(await got.Body?.transformToString(), 'hello minio');
    s3.destroy();
  });

  test('MinIO refuses a client that does not trust its CA', async () => {
    const s3 = new S3Client({
      endpoint: env.s3.endpoint,
      region: env.s3.region,
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: { accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey },
    });
    await assert.rejects(
      s3.send(new GetObjectCommand({ Bucket: env.s3.bucket, Key: 'any' })),
      (error: NodeJS.ErrnoException) =>
        error.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || error.code === 'SELF_SIGNED_CERT_IN_CHAIN',
    );
    s3.destroy();
  });

  test('fake-gcs-server: an object put reads back through the Google Cloud Storage client', async () => {
    const storage = new Storage({ apiEndpoint: env.gcs.endpoint, projectId: 'lifeboat-testbed' });
    const file = storage.bucket(env.gcs.bucket).file(`smoke/${Date.now()}.txt`);
    await file.save('hello gcs');
    const [contents] = await file.download();
    assert.equal(contents.toString(), 'hello gcs');
  });

  test('Azurite: a blob put reads back through the Azure SDK', async () => {
    const container = BlobServiceClient.fromConnectionString(env.azure.connectionString).getContainerClient(
      env.azure.container,
    );
    const blob = container.getBlockBlobClient(`smoke/${Date.now()}.txt`);
    await blob.upload('hello azure', 'hello azure'.length);
    assert.equal((await blob.downloadToBuffer()).toString(), 'hello azure');
  });
});

describe('PostgreSQL', () => {
  test('the test database answers a query', async () => {
    const client = new pg.Client({ connectionString: env.postgres.url });
    await client.connect();
    try {
      const result = await client.query<{ db: string; sum: number }>(
        'SELECT current_database() AS db, 1 + 1 AS sum',
      );
      assert.equal(result.rows[0]?.sum, 2);
      assert.match(result.rows[0]?.db ?? '', /^lifeboat_testbed_/);
    } finally {
      await client.end();
    }
  });
});
