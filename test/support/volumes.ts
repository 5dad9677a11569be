/**
 * Workloads with volumes on a test-bed cluster's node and CSI storage: a claim written by a pod, a pod that
 * reads files back with their checksums, claims bound to static volumes that are not of the cluster's CSI
 * driver, and whether the driver still holds a snapshot.
 */
import { access, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { KubeClient, KubeObject } from '../../src/kube/index.ts';
import { type ObjectStore, openObjectStore, parseLocation } from '../../src/storage/index.ts';
import {
  type ClusterEnv,
  minioCredentials,
  minioLocationUrl,
  type NodeEnv,
  type TestbedEnv,
} from '../testbed/index.ts';
import { logTail } from '../testbed/processes.ts';
import { createNamespace, eventually, kubeClient, kubectl, uniqueName } from './kube.ts';

/** A cluster of the test bed that has a node and CSI storage. */
export type NodeCluster = ClusterEnv & { node: NodeEnv };

/** Cluster `index` of a test bed with nodes (`useTestbedWithNodes`); throws when it has no node. */
export function nodeCluster(env: TestbedEnv, index = 0): NodeCluster {
  const cluster = env.clusters[index];
  if (!cluster?.node || !env.images)
    throw new Error('the test bed has no nodes: start it without --no-nodes');
  return { ...cluster, node: cluster.node };
}

/** What an engine test works with: its clusters, a client of each (in the same order) and its store. */
export interface EngineBed<Clusters extends readonly ClusterEnv[]> {
  env: TestbedEnv;
  clusters: Clusters;
  kubes: { [K in keyof Clusters]: KubeClient };
  /** The test bed's MinIO under the test's own prefix. */
  store: ObjectStore;
  /**
   * Deletes `namespaces` from every cluster (without waiting), then runs `cleanUp` (the test's own, which may
   * still use the clients), then closes the clients and the store.
   */
  close(namespaces: readonly string[], cleanUp?: () => Promise<void>): Promise<void>;
}

/**
 * Opens a client of each of `clusters` and the test bed's MinIO under `prefix` (a folder of this test alone),
 * for tests that drive the backup and restore engine directly. Call `close` in `after`.
 */
export async function openEngineBed<const Clusters extends readonly ClusterEnv[]>(
  env: TestbedEnv,
  clusters: Clusters,
  prefix: string,
): Promise<EngineBed<Clusters>> {
  const kubes = (await Promise.all(clusters.map((cluster) => kubeClient(cluster)))) as {
    [K in keyof Clusters]: KubeClient;
  };
  const store = openObjectStore(parseLocation(minioLocationUrl(env, prefix)), {
    s3Credentials: minioCredentials(env),
  });
  return {
    env,
    clusters,
    kubes,
    store,
    async close(namespaces, cleanUp) {
      for (const cluster of clusters)
        for (const ns of namespaces)
          await kubectl(env, cluster, ['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
      await cleanUp?.();
      await Promise.all([...kubes.map((kube) => kube.close()), store.close()]);
    },
  };
}

/** A PersistentVolumeClaim of 10 MiB (the cluster's default class unless `extra` names one). */
export function claimObject(name: string, extra: object = {}): object {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Mi' } }, ...extra },
  };
}

/** A pod that runs `script` in busybox with claim `claim` mounted at /data, once. */
export function podObject(env: TestbedEnv, name: string, script: string, claim: string): object {
  if (!env.images) throw new Error('the test bed has no nodes: start it without --no-nodes');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: 'main',
          image: env.images.busybox,
          command: ['sh', '-c', script],
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
      ],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim } }],
    },
  };
}

/** Applies objects into namespace `ns`. */
export async function applyIn(
  env: TestbedEnv,
  cluster: ClusterEnv,
  ns: string,
  objects: object[],
): Promise<void> {
  await kubectl(
    env,
    cluster,
    ['apply', '-n', ns, '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
  );
}

/** Waits until pod `name` has Succeeded (throws if it Failed), then gives its output. */
export async function podOutput(
  env: TestbedEnv,
  cluster: ClusterEnv,
  ns: string,
  name: string,
  timeoutMs = 120_000,
): Promise<string> {
  await eventually(
    `pod ${ns}/${name} to finish`,
    async () => {
      const phase = await kubectl(env, cluster, [
        'get',
        'pod',
        name,
        '-n',
        ns,
        '-o',
        'jsonpath={.status.phase}',
      ]);
      if (phase === 'Failed') {
        const logs = await kubectl(env, cluster, ['logs', name, '-n', ns]).catch(() => '');
        throw new Error(`pod ${ns}/${name} failed: ${logs}`);
      }
      return phase === 'Succeeded' ? true : undefined;
    },
    timeoutMs,
  );
  return kubectl(env, cluster, ['logs', name, '-n', ns]);
}

/** Writes files `files` (name → content) into /data of the claim, and gives their checksums (sha256sum output). */
export function writeFilesScript(files: Record<string, string>): string {
  const writes = Object.entries(files).map(
    ([name, content]) => `mkdir -p "$(dirname /data/${name})" && printf '%s' '${content}' > /data/${name}`,
  );
  return `${writes.join(' && ')} && sync && cd /data && find . -type f | sort | xargs sha256sum`;
}

/** Prints the checksums of every file under /data (the output `writeFilesScript` gives). */
export const checksumScript = 'cd /data && find . -type f | sort | xargs sha256sum';

/**
 * Claim `data` in namespace `ns`, written by pod `writer` with `files` (name → content); gives the files'
 * checksums once the pod has finished.
 */
export async function writeClaim(
  env: TestbedEnv,
  cluster: ClusterEnv,
  ns: string,
  files: Record<string, string>,
  claimExtra: object = {},
): Promise<string> {
  await applyIn(env, cluster, ns, [
    claimObject('data', claimExtra),
    podObject(env, 'writer', writeFilesScript(files), 'data'),
  ]);
  return podOutput(env, cluster, ns, 'writer');
}

/**
 * A new namespace (its name starts with `prefix`) holding claim `data` written by a pod with `files`;
 * gives the namespace and the files' checksums.
 */
export async function claimWithFiles(
  env: TestbedEnv,
  cluster: ClusterEnv,
  prefix: string,
  files: Record<string, string>,
  claimExtra: object = {},
): Promise<{ ns: string; checksums: string }> {
  const ns = uniqueName(prefix);
  await createNamespace(env, cluster, ns);
  const checksums = await writeClaim(env, cluster, ns, files, claimExtra);
  return { ns, checksums };
}

/**
 * Claim `name` in namespace `ns` bound to a new static PersistentVolume `pv` of 1 MiB whose volume source is
 * `source` (for example `{ hostPath: … }`); gives the claim once it is Bound. The PV is cluster-scoped and
 * Retain: delete it when done.
 */
export async function staticClaim(
  env: TestbedEnv,
  cluster: ClusterEnv,
  ns: string,
  name: string,
  pv: string,
  source: object,
): Promise<KubeObject> {
  await applyIn(env, cluster, ns, [
    {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: pv },
      spec: {
        capacity: { storage: '1Mi' },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: '',
        ...source,
        claimRef: { namespace: ns, name },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: '',
        volumeName: pv,
        resources: { requests: { storage: '1Mi' } },
      },
    },
  ]);
  return eventually(
    `the claim ${ns}/${name} to be Bound to ${pv}`,
    async () => {
      const claim = JSON.parse(
        await kubectl(env, cluster, ['get', 'pvc', name, '-n', ns, '-o', 'json']),
      ) as KubeObject & { status?: { phase?: string } };
      return claim.status?.phase === 'Bound' ? claim : undefined;
    },
    60_000,
  );
}

/** Claim `name` in `ns` bound to a new hostPath PersistentVolume `pv` (not a CSI volume); see `staticClaim`. */
export function hostPathClaim(
  env: TestbedEnv,
  cluster: ClusterEnv,
  ns: string,
  name: string,
  pv: string,
): Promise<KubeObject> {
  return staticClaim(env, cluster, ns, name, pv, { hostPath: { path: `/tmp/${pv}` } });
}

/**
 * Claim `name` in `ns` bound to a new CSI PersistentVolume `pv` of `driver`, a driver no node runs (its
 * volume handle names nothing); see `staticClaim`.
 */
export function staticCsiClaim(
  env: TestbedEnv,
  cluster: ClusterEnv,
  ns: string,
  name: string,
  pv: string,
  driver: string,
): Promise<KubeObject> {
  return staticClaim(env, cluster, ns, name, pv, { csi: { driver, volumeHandle: 'nowhere' } });
}

/** The pods the namespace's events name (a mover pod leaves its Scheduled event once removed). */
export async function podsSeen(env: TestbedEnv, cluster: NodeCluster, ns: string): Promise<string[]> {
  const names = await kubectl(env, cluster, [
    'get',
    'events',
    '-n',
    ns,
    '-o',
    'jsonpath={range .items[?(@.involvedObject.kind=="Pod")]}{.involvedObject.name}{"\\n"}{end}',
  ]);
  return [...new Set(names.split('\n').filter(Boolean))].sort();
}

/** Whether the test bed's hostpath driver still holds snapshot `handle` in its storage. */
export async function driverHasSnapshot(cluster: NodeCluster, handle: string): Promise<boolean> {
  return access(`${cluster.node.csiStateDir}/${handle}.snap`).then(
    () => true,
    () => false,
  );
}

type SnapshotStatus = {
  readyToUse?: boolean;
  boundVolumeSnapshotContentName?: string;
  error?: { message?: string };
};

/**
 * Waits until VolumeSnapshot `ns/name` is ReadyToUse and gives it. On timeout the error holds what explains
 * a stuck snapshot: its status, its content's status, its events and the last lines of the cluster's
 * snapshot controller, snapshotter and driver logs.
 */
export async function snapshotReady(
  env: TestbedEnv,
  cluster: ClusterEnv,
  ns: string,
  name: string,
  timeoutMs = 120_000,
): Promise<KubeObject & { status: SnapshotStatus }> {
  const get = async <T>(args: string[]) =>
    JSON.parse(await kubectl(env, cluster, [...args, '-o', 'json'])) as T;
  try {
    return await eventually(
      `the VolumeSnapshot ${ns}/${name} in ${cluster.name} to be ReadyToUse`,
      async () => {
        const snap = await get<KubeObject & { status?: SnapshotStatus }>([
          'get',
          'volumesnapshot',
          name,
          '-n',
          ns,
        ]);
        return snap.status?.readyToUse === true ? { ...snap, status: snap.status } : undefined;
      },
      timeoutMs,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${await snapshotDiagnosis(env, cluster, ns, name)}`);
  }
}

/** What a test prints about a VolumeSnapshot that did not become ready (see `snapshotReady`). */
async function snapshotDiagnosis(
  env: TestbedEnv,
  cluster: ClusterEnv,
  ns: string,
  name: string,
): Promise<string> {
  const tryRun = (args: string[]) => kubectl(env, cluster, args).catch((e: unknown) => `(${String(e)})`);
  const lines = [
    `VolumeSnapshot: ${await tryRun(['get', 'volumesnapshot', name, '-n', ns, '-o', 'jsonpath={.status}'])}`,
  ];
  const content = await tryRun([
    'get',
    'volumesnapshot',
    name,
    '-n',
    ns,
    '-o',
    'jsonpath={.status.boundVolumeSnapshotContentName}',
  ]);
  if (content && !content.startsWith('(')) {
    lines.push(
      `VolumeSnapshotContent ${content}: ${await tryRun(['get', 'volumesnapshotcontent', content, '-o', 'jsonpath={.status}'])}`,
    );
  }
  lines.push(`events in ${ns}:\n${await tryRun(['get', 'events', '-n', ns, '--sort-by=.lastTimestamp'])}`);
  const envFile = process.env.LIFEBOAT_TESTBED_ENV;
  if (envFile) {
    const processes = JSON.parse(
      await readFile(join(dirname(envFile), 'processes.json'), 'utf8').catch(() => '[]'),
    ) as {
      name: string;
      log: string;
    }[];
    const wanted = [
      `${cluster.name}-snapshot-controller`,
      `${cluster.name}-csi-snapshotter`,
      'csi-hostpathplugin',
    ];
    for (const proc of processes.filter((p) => wanted.includes(p.name))) {
      lines.push(`last lines of ${proc.log}:\n${logTail(proc.log, 30)}`);
    }
  }
  return lines.join('\n');
}

/**
 * The test bed's MinIO under `prefix` as a mover pod opens it (a control plane's stored location fields): at
 * the address pods reach MinIO at, with its CA.
 */
export async function podStoreInput(env: TestbedEnv, prefix: string): Promise<Record<string, unknown>> {
  if (!env.s3.podEndpoint)
    throw new Error('the test bed names no MinIO endpoint for pods: start it with nodes');
  return {
    provider: 'minio',
    name: 'testbed',
    endpoint: env.s3.podEndpoint,
    region: env.s3.region,
    forcePathStyle: true,
    caCert: await readFile(env.s3.caCert, 'utf8'),
    bucket: env.s3.bucket,
    prefix,
    accessKeyId: env.s3.accessKeyId,
    secretAccessKey: env.s3.secretAccessKey,
  };
}
