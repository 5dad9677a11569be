/**
 * Nodes and CSI storage: pods run, volumes are provisioned, snapshotted and restored, pods reach the API
 * server and MinIO — in both clusters at once; one driver serves both ("one cloud"), so a snapshot taken in
 * one restores in the other. Uses the run's test bed when it has nodes, else starts one.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { before, describe, test } from 'node:test';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { eventually, kubectl, uniqueName } from '../support/kube.ts';
import { applyIn, claimObject, podObject, podOutput, snapshotReady } from '../support/volumes.ts';
import { csiTopologyKey } from './csi.ts';
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
  test('each cluster has its own node, storage classes and snapshot class; one driver serves both', () => {
    const [a, b] = env.clusters.map(withNode) as [ReturnType<typeof withNode>, ReturnType<typeof withNode>];
    assert.equal(a.node.storageClasses.length, 2);
    assert.ok(a.node.storageClasses.every((name) => !b.node.storageClasses.includes(name)));
    assert.notEqual(a.node.snapshotClass, b.node.snapshotClass);
    assert.notEqual(a.node.name, b.node.name);
    assert.equal(a.node.csiStateDir, b.node.csiStateDir, 'one driver state for the test bed ("one cloud")');
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
          const apply = (objects: object[]) => applyIn(env, cluster, ns, objects);
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
            claimObject('data'),
            podObject(env, 'writer', `printf '%s' '${bytes}' > /data/hello.txt && sync`, 'data'),
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
          await podOutput(env, cluster, ns, 'writer');
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
          const snapshot = (await snapshotReady(env, cluster, ns, 'snap')) as {
            spec?: { volumeSnapshotClassName?: string };
          };
          assert.equal(snapshot.spec?.volumeSnapshotClassName, cluster.node.snapshotClass);

          await apply([
            claimObject('restored', {
              storageClassName: otherClass,
              dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'snap' },
            }),
            podObject(env, 'reader', 'cat /data/hello.txt', 'restored'),
          ]);
          assert.equal(await podOutput(env, cluster, ns, 'reader'), bytes);
        } finally {
          await kubectl(env, cluster, ['delete', 'namespace', ns, '--wait=false']);
        }
      }),
    );
  });

  test('one cloud: a snapshot taken in cluster a, pre-provisioned in cluster b from its handle, restores the same bytes there', async () => {
    const [a, b] = env.clusters.map(withNode) as [ReturnType<typeof withNode>, ReturnType<typeof withNode>];
    const nsA = uniqueName('one-cloud-a');
    const nsB = uniqueName('one-cloud-b');
    const content = uniqueName('one-cloud');
    const bytes = `written in ${a.name} ${Math.random().toString(36).slice(2)}`;
    const claim = (name: string, storageClassName: string, snapshot?: string) =>
      claimObject(name, {
        storageClassName,
        ...(snapshot
          ? { dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: snapshot } }
          : {}),
      });
    const snapFile = (handle: string) => `${a.node.csiStateDir}/${handle}.snap`;
    await kubectl(env, a, ['create', 'namespace', nsA]);
    await kubectl(env, b, ['create', 'namespace', nsB]);
    try {
      // Both kubelets registered the one driver under the same node id, which labels both nodes.
      const topology = await Promise.all(
        [a, b].map(async (cluster) => {
          const get = (kind: string, path: string) =>
            kubectl(env, cluster, ['get', kind, cluster.node.name, '-o', `jsonpath=${path}`]);
          const label = await get('node', `{.metadata.labels.${csiTopologyKey.replaceAll('.', '\\.')}}`);
          assert.ok(label, `node ${cluster.node.name} carries the driver's topology label`);
          assert.equal(
            await get('csinode', `{.spec.drivers[?(@.name=="${cluster.node.csiDriver}")].nodeID}`),
            label,
          );
          return label;
        }),
      );
      assert.equal(topology[0], topology[1]);

      await applyIn(env, a, nsA, [
        claim('data', a.node.storageClasses[0] as string),
        podObject(env, 'writer', `printf '%s' '${bytes}' > /data/hello.txt && sync`, 'data'),
      ]);
      await podOutput(env, a, nsA, 'writer');
      await applyIn(env, a, nsA, [
        {
          apiVersion: 'snapshot.storage.k8s.io/v1',
          kind: 'VolumeSnapshot',
          metadata: { name: 'snap' },
          spec: { source: { persistentVolumeClaimName: 'data' } },
        },
      ]);
      const taken = await snapshotReady(env, a, nsA, 'snap');
      const handle = (
        await json<{ status: { snapshotHandle: string } }>(a, [
          'get',
          'volumesnapshotcontent',
          taken.status?.boundVolumeSnapshotContentName ?? '',
        ])
      ).status.snapshotHandle;
      assert.ok(existsSync(snapFile(handle)), 'the snapshot is in the shared state dir');

      // In b: a content pre-provisioned from the handle (Retain: b does not own the snapshot), bound to a
      // VolumeSnapshot, and a claim of b's class made from it.
      await applyIn(env, b, nsB, [
        {
          apiVersion: 'snapshot.storage.k8s.io/v1',
          kind: 'VolumeSnapshotContent',
          metadata: { name: content },
          spec: {
            deletionPolicy: 'Retain',
            driver: b.node.csiDriver,
            source: { snapshotHandle: handle },
            volumeSnapshotClassName: b.node.snapshotClass,
            volumeSnapshotRef: { name: 'snap', namespace: nsB },
          },
        },
        {
          apiVersion: 'snapshot.storage.k8s.io/v1',
          kind: 'VolumeSnapshot',
          metadata: { name: 'snap' },
          spec: { source: { volumeSnapshotContentName: content } },
        },
      ]);
      await snapshotReady(env, b, nsB, 'snap');
      await applyIn(env, b, nsB, [
        claim('restored', b.node.storageClasses[0] as string, 'snap'),
        podObject(env, 'reader', 'cat /data/hello.txt', 'restored'),
      ]);
      assert.equal(await podOutput(env, b, nsB, 'reader'), bytes);
      // The new volume's node affinity is the shared topology, which b's node carries.
      const volumeName = (
        await json<{ spec: { volumeName: string } }>(b, ['get', 'pvc', 'restored', '-n', nsB])
      ).spec.volumeName;
      const volume = await json<{
        spec: { nodeAffinity: { required: { nodeSelectorTerms: { matchExpressions: object[] }[] } } };
      }>(b, ['get', 'pv', volumeName]);
      assert.deepEqual(volume.spec.nodeAffinity.required.nodeSelectorTerms[0]?.matchExpressions, [
        { key: csiTopologyKey, operator: 'In', values: [topology[1]] },
      ]);

      // Clean-up, checked: b's objects go and, its content being Retain, a's snapshot stays; then a's
      // VolumeSnapshot (its class deletes) takes the snapshot out of the driver.
      await kubectl(env, b, ['delete', 'namespace', nsB, '--timeout=120s']);
      await kubectl(env, b, ['delete', 'volumesnapshotcontent', content, '--timeout=60s']);
      assert.ok(existsSync(snapFile(handle)), "deleting b's Retain content keeps the snapshot");
      await kubectl(env, a, ['delete', 'namespace', nsA, '--timeout=120s']);
      await eventually(
        'the driver to delete the snapshot',
        async () => (existsSync(snapFile(handle)) ? undefined : true),
        60_000,
      );
    } finally {
      await kubectl(env, b, ['delete', 'namespace', nsB, '--ignore-not-found', '--wait=false']);
      await kubectl(env, b, [
        'delete',
        'volumesnapshotcontent',
        content,
        '--ignore-not-found',
        '--wait=false',
      ]);
      await kubectl(env, a, ['delete', 'namespace', nsA, '--ignore-not-found', '--wait=false']);
    }
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
      assert.equal((await podOutput(env, cluster, ns, 'reach')).trim(), 'v1.35.4');
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
