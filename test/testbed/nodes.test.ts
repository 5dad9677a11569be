/**
 * Nodes and CSI storage: pods run, volumes are provisioned, snapshotted and restored, pods reach the API
 * server and MinIO — in both clusters at once. Uses the run's test bed when it has nodes, else starts one.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { before, describe, test } from 'node:test';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { eventually, kubectl, uniqueName } from '../support/kube.ts';
import { type TestbedCluster, type TestbedEnv, useTestbedWithNodes } from './index.ts';

let env: TestbedEnv;

before(async () => {
  env = await useTestbedWithNodes();
});

describe('nodes and CSI storage', () => {
  const withNode = (cluster: TestbedCluster) => {
    assert.ok(cluster.node, `cluster ${cluster.name} has no node: the test bed was started with --no-nodes`);
    assert.ok(env.images, 'env.json names no images: the test bed was started with --no-nodes');
    return { ...cluster, node: cluster.node, images: env.images };
  };
  const json = async <T>(cluster: TestbedCluster, args: string[]) =>
    JSON.parse(await kubectl(env, cluster, [...args, '-o', 'json'])) as T;
  const podPhase = async (cluster: TestbedCluster, ns: string, name: string) => {
    const pod = await json<{ status: { phase: string } }>(cluster, ['get', 'pod', name, '-n', ns]);
    if (pod.status.phase === 'Failed') {
      throw new Error(`pod ${name} failed: ${await kubectl(env, cluster, ['logs', name, '-n', ns])}`);
    }
    return pod.status.phase === 'Succeeded' ? true : undefined;
  };
  const pod = (name: string, image: string, script: string, volume?: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: 'main',
          image,
          command: ['sh', '-c', script],
          ...(volume ? { volumeMounts: [{ name: 'data', mountPath: '/data' }] } : {}),
        },
      ],
      ...(volume ? { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: volume } }] } : {}),
    },
  });

  test('each cluster has its own node, storage classes and snapshot class', () => {
    const [a, b] = env.clusters.map(withNode) as [ReturnType<typeof withNode>, ReturnType<typeof withNode>];
    assert.equal(a.node.storageClasses.length, 2);
    assert.ok(a.node.storageClasses.every((name) => !b.node.storageClasses.includes(name)));
    assert.notEqual(a.node.snapshotClass, b.node.snapshotClass);
    assert.notEqual(a.node.csiStateDir, b.node.csiStateDir);
  });

  test('in both clusters at once: a Deployment becomes Ready; a volume written by a pod, snapshotted and restored into a new claim holds the same bytes', async () => {
    await Promise.all(
      env.clusters.map(async (plain) => {
        const cluster = withNode(plain);
        const ns = uniqueName('node-smoke');
        const bytes = `hello from ${cluster.name} ${Math.random().toString(36).slice(2)}`;
        const [defaultClass, otherClass] = cluster.node.storageClasses as [string, string];
        await kubectl(env, cluster, ['create', 'namespace', ns]);
        try {
          const apply = (objects: object[]) =>
            kubectl(
              env,
              cluster,
              ['apply', '-n', ns, '-f', '-'],
              JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
            );
          await apply([
            {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              metadata: { name: 'web' },
              spec: {
                replicas: 1,
                selector: { matchLabels: { app: 'web' } },
                template: {
                  metadata: { labels: { app: 'web' } },
                  spec: {
                    terminationGracePeriodSeconds: 0,
                    containers: [
                      {
                        name: 'web',
                        image: cluster.images.busybox,
                        command: ['sh', '-c', 'touch /tmp/ready && exec sleep 3600'],
                        readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1 },
                      },
                    ],
                  },
                },
              },
            },
            {
              apiVersion: 'v1',
              kind: 'PersistentVolumeClaim',
              metadata: { name: 'data' },
              spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Mi' } } },
            },
            pod('writer', cluster.images.busybox, `printf '%s' '${bytes}' > /data/hello.txt && sync`, 'data'),
          ]);
          await eventually(
            'the Deployment to be Available',
            async () => {
              const d = await json<{ status: { readyReplicas?: number } }>(cluster, [
                'get',
                'deployment',
                'web',
                '-n',
                ns,
              ]);
              return d.status.readyReplicas === 1 ? true : undefined;
            },
            120_000,
          );
          await eventually('the writer pod to finish', () => podPhase(cluster, ns, 'writer'), 120_000);
          const claim = await json<{ spec: { storageClassName: string; volumeName: string } }>(cluster, [
            'get',
            'pvc',
            'data',
            '-n',
            ns,
          ]);
          assert.equal(claim.spec.storageClassName, defaultClass);
          const volume = await json<{ spec: { csi: { driver: string; volumeHandle: string } } }>(cluster, [
            'get',
            'pv',
            claim.spec.volumeName,
          ]);
          assert.equal(volume.spec.csi.driver, cluster.node.csiDriver);
          // The driver's state dir on the host holds the volume's files.
          assert.equal(
            await readFile(`${cluster.node.csiStateDir}/${volume.spec.csi.volumeHandle}/hello.txt`, 'utf8'),
            bytes,
          );

          await apply([
            {
              apiVersion: 'snapshot.storage.k8s.io/v1',
              kind: 'VolumeSnapshot',
              metadata: { name: 'snap' },
              spec: { source: { persistentVolumeClaimName: 'data' } },
            },
          ]);
          const snapshot = await eventually(
            'the VolumeSnapshot to be ReadyToUse',
            async () => {
              const snap = await json<{
                spec: { volumeSnapshotClassName?: string };
                status?: { readyToUse?: boolean };
              }>(cluster, ['get', 'volumesnapshot', 'snap', '-n', ns]);
              return snap.status?.readyToUse === true ? snap : undefined;
            },
            120_000,
          );
          assert.equal(snapshot.spec.volumeSnapshotClassName, cluster.node.snapshotClass);

          await apply([
            {
              apiVersion: 'v1',
              kind: 'PersistentVolumeClaim',
              metadata: { name: 'restored' },
              spec: {
                storageClassName: otherClass,
                accessModes: ['ReadWriteOnce'],
                resources: { requests: { storage: '10Mi' } },
                dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'snap' },
              },
            },
            pod('reader', cluster.images.busybox, 'cat /data/hello.txt', 'restored'),
          ]);
          await eventually('the reader pod to finish', () => podPhase(cluster, ns, 'reader'), 120_000);
          assert.equal(await kubectl(env, cluster, ['logs', 'reader', '-n', ns]), bytes);
        } finally {
          await kubectl(env, cluster, ['delete', 'namespace', ns, '--wait=false']);
        }
      }),
    );
  });

  test('a pod running the Lifeboat image reaches its API server with in-cluster config and uploads to MinIO with the CA', async () => {
    const cluster = withNode(env.clusters[1] as TestbedCluster);
    assert.ok(env.s3.podEndpoint, 'env.json names no endpoint for pods to reach MinIO at');
    const ns = uniqueName('node-reach');
    const key = `node-smoke/${ns}.txt`;
    await kubectl(env, cluster, ['create', 'namespace', ns]);
    try {
      const script = `
        import { readFileSync } from 'node:fs';
        import { Agent, request } from 'node:https';
        import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
        import { NodeHttpHandler } from '@smithy/node-http-handler';
        const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
        const api = 'https://' + process.env.KUBERNETES_SERVICE_HOST + ':' + process.env.KUBERNETES_SERVICE_PORT;
        const version = await new Promise((resolve, reject) => {
          const req = request(api + '/version', {
            ca: readFileSync(sa + '/ca.crt'), headers: { authorization: 'Bearer ' + readFileSync(sa + '/token', 'utf8') },
          }, (res) => { let body = ''; res.on('data', (c) => (body += c)); res.on('end', () => resolve(JSON.parse(body))); });
          req.on('error', reject); req.end();
        });
        const s3 = new S3Client({
          endpoint: process.env.S3_ENDPOINT, region: process.env.S3_REGION, forcePathStyle: true,
          credentials: { accessKeyId: process.env.S3_KEY, secretAccessKey: process.env.S3_SECRET },
          requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: process.env.S3_CA }) }),
        });
        await s3.send(new PutObjectCommand({ Bucket: process.env.S3_BUCKET, Key: process.env.S3_OBJECT, Body: version.gitVersion }));
        console.log(version.gitVersion);
      `;
      const reach = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'reach', namespace: ns },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'main',
              image: cluster.images.lifeboat,
              command: ['node', '--input-type=module', '-e', script],
              env: Object.entries({
                S3_ENDPOINT: env.s3.podEndpoint,
                S3_REGION: env.s3.region,
                S3_KEY: env.s3.accessKeyId,
                S3_SECRET: env.s3.secretAccessKey,
                S3_CA: await readFile(env.s3.caCert, 'utf8'),
                S3_BUCKET: env.s3.bucket,
                S3_OBJECT: key,
              }).map(([name, value]) => ({ name, value })),
            },
          ],
        },
      };
      await kubectl(env, cluster, ['apply', '-f', '-'], JSON.stringify(reach));
      await eventually('the pod to finish', () => podPhase(cluster, ns, 'reach'), 120_000);
      assert.equal((await kubectl(env, cluster, ['logs', 'reach', '-n', ns])).trim(), 'v1.35.4');
      const ca = await readFile(env.s3.caCert, 'utf8');
      const s3 = new S3Client({
        endpoint: env.s3.endpoint,
        region: env.s3.region,
        forcePathStyle: true,
        credentials: { accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey },
        requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca }) }),
      });
      const got = await s3.send(new GetObjectCommand({ Bucket: env.s3.bucket, Key: key }));
      assert.equal(await got.Body?.transformToString(), 'v1.35.4');
      s3.destroy();
    } finally {
      await kubectl(env, cluster, ['delete', 'namespace', ns, '--wait=false']);
    }
  });
});
