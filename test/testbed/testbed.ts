/**
 * `up` and `down` for the whole test bed: builds (or reuses) the binaries, starts N clusters and the stores
 * in parallel, and writes `env.json` — the contract tests and benchmarks rely on.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { widgetCrd } from '../support/workload.ts';
import { registerDriver, type SharedDriver, type StorageEnv, startCsi, startDriver } from './csi.ts';
import { acquireHost, addAddress, clusterAddresses, type HostNetwork, releaseHost } from './host.ts';
import { httpCall } from './http.ts';
import { type ClusterEnv, startCluster } from './kube.ts';
import {
  kubeletRoot,
  type NodeRecord,
  nodeRecord,
  nodeRunDir,
  removeRunDir,
  startNode,
  stopNode,
  unmountBelow,
} from './node.ts';
import { ProcessRegistry, stopAll, waitFor } from './processes.ts';
import {
  type AzureEnv,
  createDatabase,
  dropDatabase,
  type GcsEnv,
  type PostgresEnv,
  type S3Env,
  startAzurite,
  startFakeGcs,
  startMinio,
} from './stores.ts';
import { prepareVelero, startVelero, type VeleroEnv } from './velero.ts';

/** A cluster's node and storage (when the test bed runs nodes). */
export interface NodeEnv extends StorageEnv {
  /** The node's name (pods run there; volumes are provisioned for it). */
  name: string;
}

/** A cluster as env.json describes it; `node` is absent when the test bed runs without nodes. */
export interface TestbedCluster extends ClusterEnv {
  node?: NodeEnv;
}

/** Images every node has (no registry exists here; pull policy IfNotPresent finds them). */
export const images = {
  pause: 'lifeboat.test/pause:testbed',
  busybox: 'lifeboat.test/busybox:testbed',
  /** Node 24 and the project at /app; the entrypoint is `lifeboat`. */
  lifeboat: 'lifeboat.test/lifeboat:testbed',
} as const;

/** The contents of `env.json`. All paths are absolute. */
export interface TestbedEnv {
  kubectl: string;
  /** Debian's Chromium, for the console's browser tests. */
  chromium: string;
  clusters: TestbedCluster[];
  /** Present when the clusters have nodes. */
  images?: typeof images;
  s3: S3Env;
  gcs: GcsEnv;
  azure: AzureEnv;
  postgres: PostgresEnv;
  /** Present when the test bed was started with `--velero`. */
  velero?: VeleroEnv;
}

const here = dirname(fileURLToPath(import.meta.url));
export const projectRoot = resolve(here, '../..');
export const defaultDir = join(projectRoot, '.testbed');

const clusterNames = 'abcdefghijklmnopqrstuvwxyz';
/** What `up` creates in its folder (and removes before starting afresh). */
const ownEntries = [
  'clusters',
  'csi',
  'minio',
  'gcs',
  'azurite',
  'env.json',
  'env.json.tmp',
  'processes.json',
  'processes.json.tmp',
  'nodes.json',
  'forward.log',
  'velero',
];
/** Kept across `up`s: each node's containerd image store (imports of unchanged images are then quick). */
const imageStores = 'image-stores';

interface NodesFile {
  nodes: NodeRecord[];
}

/** Builds the Go binaries (and Velero with `velero`) if needed and returns the bin directory (see build.sh). */
export async function ensureBinaries(
  log: (line: string) => void = () => {},
  options: { velero?: boolean } = {},
): Promise<string> {
  const args = [join(here, 'build.sh'), ...(options.velero ? ['--velero'] : [])];
  const child = execFile('bash', args, { maxBuffer: 1 << 20 });
  child.stderr?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.startsWith('testbed build:')) log(line);
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  const code = await new Promise<number | null>((done) => child.on('close', done));
  if (code !== 0) throw new Error(`building the test bed's binaries failed (exit ${code}):\n${stderr}`);
  return stdout.trim();
}

/**
 * Pods cannot reach loopback: one forwarder relays each cluster's `kubernetes` service IP (port 443, what
 * in-cluster config names) to its API server and the store address to MinIO. Resolves once both answer
 * there with certificates that name those addresses.
 */
async function startForwarder(
  registry: ProcessRegistry,
  bin: string,
  dir: string,
  network: HostNetwork,
  clusters: readonly ClusterEnv[],
  s3: S3Env,
): Promise<void> {
  const minioPort = new URL(s3.endpoint).port;
  const maps = [
    ...clusters.map(
      (cluster, index) =>
        `${clusterAddresses(network, index).apiAddress}:443=${new URL(cluster.server).host}`,
    ),
    `${network.storeAddress}:${minioPort}=127.0.0.1:${minioPort}`,
  ];
  const forward = await registry.start({
    name: 'forward',
    executable: join(bin, 'forward'),
    log: join(dir, 'forward.log'),
    args: maps.flatMap((map) => ['--map', map]),
  });
  const probes = [
    { url: `${s3.podEndpoint}/minio/health/live`, ca: await readFile(s3.caCert, 'utf8') },
    ...(await Promise.all(
      clusters.map(async (cluster, index) => ({
        url: `https://${clusterAddresses(network, index).apiAddress}/readyz`,
        ca: await readFile(join(dir, 'clusters', cluster.name, 'pki', 'ca.crt'), 'utf8'),
      })),
    )),
  ];
  await waitFor(
    'the forwarder to reach the API servers and MinIO for pods',
    async () =>
      (await Promise.all(probes.map(({ url, ca }) => httpCall(url, { tls: { ca } })))).every(
        (r) => r.status === 200,
      ),
    { proc: forward, timeoutMs: 30_000 },
  );
}

/**
 * Like Promise.all, but settles only once every start has finished: a failed start must not let `down` run
 * while another one is still starting processes (they would outlive it).
 */
async function settled<T extends readonly unknown[]>(
  promises: { [K in keyof T]: Promise<T[K]> },
): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

function databaseName(dir: string): string {
  return `lifeboat_testbed_${createHash('sha256').update(dir).digest('hex').slice(0, 10)}`;
}

export interface UpOptions {
  dir?: string;
  clusters?: number;
  /** A real node and CSI storage per cluster (needs root). */
  nodes?: boolean;
  /** Velero beside every cluster (see velero.ts); its build is cached like the others. */
  velero?: boolean;
  log?: (line: string) => void;
}

/** Starts the test bed in `dir` (stopping whatever an earlier `up` there left) and returns env.json's path. */
export async function up(options: UpOptions = {}): Promise<string> {
  const dir = resolve(options.dir ?? defaultDir);
  const count = options.clusters ?? 2;
  const log = options.log ?? (() => {});
  if (!Number.isInteger(count) || count < 1 || count > clusterNames.length) {
    throw new Error(`--clusters must be a whole number from 1 to ${clusterNames.length}, got ${count}`);
  }
  await down({ dir });
  const bin = await ensureBinaries(log, { velero: options.velero ?? false });
  // Only this test bed's own entries go: other test beds (bench, test runs) may live in sub-folders.
  await Promise.all(ownEntries.map((entry) => rm(join(dir, entry), { recursive: true, force: true })));
  await mkdir(dir, { recursive: true });
  const registry = new ProcessRegistry(join(dir, 'processes.json'));
  const started = Date.now();
  try {
    const names = [...clusterNames.slice(0, count)];
    let network: HostNetwork | undefined;
    const nodesFile = join(dir, 'nodes.json');
    const records: NodeRecord[] = [];
    const saveNodes = () =>
      writeFile(nodesFile, JSON.stringify({ nodes: records } satisfies NodesFile, null, 2));
    if (options.nodes ?? true) {
      if (process.getuid?.() !== 0) {
        throw new Error('nodes need root (containerd, kubelet, mounts): run as root, or pass --no-nodes');
      }
      await saveNodes();
      network = await acquireHost(dir);
    }
    // One CSI driver serves every cluster ("one cloud": a snapshot of one cluster is usable in another);
    // each cluster runs its own controllers and registrar on its socket (see csi.ts).
    const driver: Promise<SharedDriver | undefined> = network
      ? startDriver(registry, { bin, dir: join(dir, 'csi'), socket: join(nodeRunDir(dir), 'csi.sock') })
      : Promise.resolve(undefined);
    const sharedDriver = async () => {
      const running = await driver;
      if (!running) throw new Error('the test bed runs no CSI driver without nodes');
      return running;
    };
    const minio = startMinio(registry, bin, join(dir, 'minio'), network?.storeAddress);
    const veleroDir = join(bin, 'velero-build');
    // What Velero needs in a cluster is created while its node starts; the servers start once all is up.
    const prepare = (cluster: ClusterEnv) =>
      options.velero
        ? prepareVelero({
            veleroDir,
            kubectl: join(bin, 'kubectl'),
            cluster,
            s3: minio,
            // Velero learns the API's resources at start (then every 5 minutes): the CRD of the suite's
            // workload exists first, so that Velero's backups include its custom resources.
            crds: [widgetCrd()],
          })
        : Promise.resolve();
    const startOne = async (name: string, index: number): Promise<TestbedCluster> => {
      const clusterDir = join(dir, 'clusters', name);
      if (!network) {
        const cluster = await startCluster(registry, bin, clusterDir, name);
        await prepare(cluster);
        return cluster;
      }
      const addresses = clusterAddresses(network, index);
      await addAddress(network, addresses.apiAddress);
      const cluster = await startCluster(registry, bin, clusterDir, name, addresses);
      const record = nodeRecord(join(clusterDir, 'node'), join(nodeRunDir(dir), name), name, network);
      records.push(record);
      await saveNodes();
      const csi = { bin, dir: join(clusterDir, 'csi'), cluster: name, index, kubeconfig: cluster.kubeconfig };
      const [, storage] = await settled([
        startNode(registry, record, {
          bin,
          index,
          kubeconfig: cluster.kubeconfig,
          network,
          imageStore: join(dir, imageStores, name),
          images: [join(bin, 'pause.tar'), join(bin, 'busybox.tar')],
          ociImages: [
            { layout: join(bin, 'lifeboat-image'), name: images.lifeboat.replace(/:testbed$/, '') },
          ],
        }),
        startCsi(registry, csi, sharedDriver()),
        prepare(cluster),
      ]);
      await registerDriver(registry, {
        ...csi,
        socket: (await sharedDriver()).socket,
        kubeletRoot: kubeletRoot(record),
        nodeName: record.name,
      });
      return { ...cluster, node: { name: record.name, ...storage } };
    };
    const [clusters, , s3, gcs, azure, postgres] = await settled([
      settled(names.map((name, index) => startOne(name, index))),
      driver,
      minio,
      startFakeGcs(registry, bin, join(dir, 'gcs')),
      startAzurite(registry, join(dir, 'azurite')),
      createDatabase(databaseName(dir)),
    ]);
    const veleroStarted = Date.now();
    const [, velero] = await settled([
      network ? startForwarder(registry, bin, dir, network, clusters, s3) : Promise.resolve(),
      options.velero
        ? startVelero(registry, {
            veleroDir,
            kubectl: join(bin, 'kubectl'),
            dir: join(dir, 'velero'),
            clusters,
            s3,
          })
        : Promise.resolve(undefined),
    ]);
    if (velero) log(`testbed: Velero servers ready in ${((Date.now() - veleroStarted) / 1000).toFixed(1)} s`);
    const env: TestbedEnv = {
      kubectl: join(bin, 'kubectl'),
      chromium: join(bin, 'chromium'),
      clusters,
      ...(network ? { images } : {}),
      s3,
      gcs,
      azure,
      postgres,
      ...(velero ? { velero } : {}),
    };
    const envFile = join(dir, 'env.json');
    await writeFile(`${envFile}.tmp`, `${JSON.stringify(env, null, 2)}\n`, { mode: 0o600 });
    await rename(`${envFile}.tmp`, envFile);
    log(
      `testbed: up in ${((Date.now() - started) / 1000).toFixed(1)} s (${count} clusters${network ? ' with nodes and CSI storage' : ''}, MinIO, fake-gcs-server, Azurite, PostgreSQL${velero ? ', Velero' : ''})`,
    );
    return envFile;
  } catch (error) {
    // What failed to start is the error to report; what down could not undo is said beside it.
    await down({ dir }).catch((downError: Error) => log(`testbed: ${downError.message}`));
    throw error;
  }
}

/**
 * Stops every process recorded in `dir`, takes its nodes apart and gives back what they changed on the
 * machine (see host.ts), and drops its database. Safe to call when nothing runs.
 */
export async function down(options: { dir?: string } = {}): Promise<void> {
  const dir = resolve(options.dir ?? defaultDir);
  const file = join(dir, 'processes.json');
  const processes = await ProcessRegistry.load(file);
  const nodes = await readNodes(join(dir, 'nodes.json'));
  // Every step runs even when one fails (a node left half up must not keep the rest running).
  const problems: string[] = [];
  if (nodes) {
    const kubelet = processes.find((p) => p.name.endsWith('-kubelet'));
    const bin = kubelet ? dirname(kubelet.executable) : join(cacheRoot(), 'bin');
    for (const found of await Promise.all(nodes.nodes.map((node) => stopNode(bin, node, processes)))) {
      problems.push(...found);
    }
  }
  await stopAll(processes);
  if (nodes) {
    try {
      // Only this test bed's own folders: other test beds may live in sub-folders of `dir`.
      for (const entry of ['clusters', 'csi', imageStores]) await unmountBelow(join(dir, entry));
      await removeRunDir(nodeRunDir(dir));
      await releaseHost(dir);
    } catch (error) {
      problems.push(`giving the machine back: ${(error as Error).message}`);
    }
    if (problems.length > 0) {
      throw new Error(
        `testbed down left something of ${dir} behind; fix what is named and run down again:\n${problems.join('\n')}`,
      );
    }
    await rm(join(dir, 'nodes.json'), { force: true });
  }
  await rm(file, { force: true });
  try {
    await dropDatabase(databaseName(dir));
  } catch (error) {
    // The database server being away must not keep us from stopping processes; say so and go on.
    process.stderr.write(`testbed: could not drop the test database: ${(error as Error).message}\n`);
  }
}

async function readNodes(file: string): Promise<NodesFile | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as NodesFile;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function cacheRoot(): string {
  return process.env.LIFEBOAT_TESTBED_CACHE ?? join(process.env.HOME ?? '/root', '.cache/lifeboat-testbed');
}

/** Reads an env.json written by `up`. */
export async function readEnv(file: string): Promise<TestbedEnv> {
  return JSON.parse(await readFile(file, 'utf8')) as TestbedEnv;
}

/** The location URL of a prefix in the test bed's MinIO (TLS with the test bed's CA, path style). */
export function minioLocationUrl(env: TestbedEnv, path: string, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({
    region: env.s3.region,
    endpoint: env.s3.endpoint,
    forcePathStyle: 'true',
    caCert: env.s3.caCert,
    ...extra,
  });
  return `s3://${env.s3.bucket}/${path}?${q}`;
}

/** The MinIO root user's keys, as explicit S3 credentials. */
export function minioCredentials(env: TestbedEnv): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey };
}
