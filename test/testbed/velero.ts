/**
 * Velero beside the test bed (`up --velero`), for interoperability tests and side-by-side benchmarks: one
 * `velero server` per cluster, run out of cluster as a host process with the cluster's kubeconfig, each with
 * its namespace `velero`, Velero's CRDs and one BackupStorageLocation on the test bed's MinIO. Every cluster's
 * Velero uses the same bucket and prefix, as two clusters of a migration do: a backup made in one is synced
 * into the other and restores there. Velero 1.18 syncs once a minute (its sync controller is woken every
 * minute, whatever `--backup-sync-period` says below that), so a backup shows up within a minute.
 *
 * What running it out of cluster takes (../shared/TESTBED.md): a Deployment velero/velero of 0 replicas
 * (restores read its image), the CRDs of the resources to back up created before the server starts (it reads
 * the API's resources at start and then every 5 minutes), and TLS to MinIO with the test bed's CA.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { StorageEnv } from './csi.ts';
import type { ClusterEnv } from './kube.ts';
import { freePorts, type ProcessRegistry, waitFor } from './processes.ts';
import type { S3Env } from './stores.ts';

const run = promisify(execFile);

/** The Velero the test bed builds (build.sh pins the same). */
export const veleroVersion = 'v1.18.3';

/** One cluster's Velero as env.json describes it. */
export interface VeleroClusterEnv {
  /** The cluster's name (`clusters[].name`). */
  cluster: string;
  /** Velero's namespace there: its Backups, Restores and BackupStorageLocation live in it. */
  namespace: string;
  /**
   * The other clusters' storage classes mapped to this cluster's, in Velero's change-storage-class ConfigMap
   * of this cluster: a restore of another cluster's claims needs them (give Lifeboat the same mappings).
   */
  storageClassMappings: Record<string, string>;
  /** The server's log. */
  log: string;
}

/** Velero in env.json (present when the test bed was started with `--velero`). */
export interface VeleroEnv {
  version: string;
  /** The `velero` binary: CLI and server in one. */
  cli: string;
  /** The BackupStorageLocation every cluster's Velero has: its name, and where it keeps backups in MinIO. */
  location: { name: string; bucket: string; prefix: string };
  /** One per cluster, in the order of `clusters`. */
  clusters: VeleroClusterEnv[];
}

/** What preparing one cluster for Velero takes. */
export interface PrepareOptions {
  /** The folder build.sh built Velero into: `velero`, `plugins/` holding velero-plugin-for-aws, `crds.json`. */
  veleroDir: string;
  kubectl: string;
  cluster: ClusterEnv;
  /** The test bed's MinIO (awaited once the CRDs are in: MinIO starts beside the clusters). */
  s3: Promise<S3Env>;
  /** CRDs created before the server starts, so that Velero backs up their resources. */
  crds: readonly object[];
}

export interface VeleroOptions {
  veleroDir: string;
  kubectl: string;
  /** This test bed's folder for Velero: its credentials file, logs and temporary files. */
  dir: string;
  /** The clusters, each prepared with `prepareVelero`. */
  clusters: readonly (ClusterEnv & { node?: StorageEnv })[];
  s3: S3Env;
}

const namespace = 'velero';
const locationName = 'default';
const prefix = 'velero';

/** The storage classes of every other cluster, mapped position by position onto `cluster`'s. */
function classMappings(
  cluster: VeleroOptions['clusters'][number],
  all: VeleroOptions['clusters'],
): Record<string, string> {
  const own = cluster.node?.storageClasses ?? [];
  const mappings: Record<string, string> = {};
  for (const other of all) {
    if (other === cluster) continue;
    other.node?.storageClasses.forEach((name, i) => {
      const target = own[i];
      if (target !== undefined && target !== name) mappings[name] = target;
    });
  }
  return mappings;
}

/** What Velero needs in its namespace besides its CRDs, and the location. */
function veleroObjects(s3: S3Env, caPem: string): object[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    {
      // Restores read the image of this Deployment (for their helper pods) and fail without it.
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'velero', namespace, labels: { component: 'velero' } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { deploy: 'velero' } },
        template: {
          metadata: { labels: { deploy: 'velero' } },
          spec: { containers: [{ name: 'velero', image: `velero/velero:${veleroVersion}` }] },
        },
      },
    },
    {
      apiVersion: 'velero.io/v1',
      kind: 'BackupStorageLocation',
      metadata: { name: locationName, namespace },
      spec: {
        provider: 'aws',
        default: true,
        objectStorage: { bucket: s3.bucket, prefix, caCert: Buffer.from(caPem).toString('base64') },
        config: { region: s3.region, s3ForcePathStyle: 'true', s3Url: s3.endpoint },
      },
    },
  ];
}

/** Velero's storage-class mappings of a cluster (read by its restores). */
function mappingObject(mappings: Record<string, string>): object {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'change-storage-class-config',
      namespace,
      labels: { 'velero.io/plugin-config': '', 'velero.io/change-storage-class': 'RestoreItemAction' },
    },
    data: mappings,
  };
}

function kubectlOf(kubectl: string, cluster: ClusterEnv) {
  return (args: string[], input?: string) => {
    const child = run(kubectl, [`--kubeconfig=${cluster.kubeconfig}`, ...args]);
    if (input !== undefined) child.child.stdin?.end(input);
    return child;
  };
}

const list = (items: readonly object[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });

/**
 * Creates in one cluster what its Velero server needs before it starts: Velero's CRDs and `crds` (Established),
 * the namespace, the stand-in Deployment and the BackupStorageLocation. Runs while the cluster's node starts.
 */
export async function prepareVelero(options: PrepareOptions): Promise<void> {
  const { cluster } = options;
  const kubectl = kubectlOf(options.kubectl, cluster);
  const veleroCrds = JSON.parse(await readFile(join(options.veleroDir, 'crds.json'), 'utf8')) as {
    items: object[];
  };
  await kubectl(['apply', '--server-side', '-f', '-'], list([...veleroCrds.items, ...options.crds]));
  await waitFor(
    `the CRDs of cluster ${cluster.name} to be Established`,
    async () => {
      // kubectl wait fails at once on a CRD the server has not given conditions yet: ask again.
      await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
      return true;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  const s3 = await options.s3;
  const objects = list(veleroObjects(s3, await readFile(s3.caCert, 'utf8')));
  await waitFor(
    `Velero's objects in cluster ${cluster.name}`,
    async () => {
      // The API server serves new CRDs' kinds a moment after they are Established: retry until it does.
      await kubectl(['apply', '-f', '-'], objects);
      return true;
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
}

/**
 * Starts one Velero server per cluster (each prepared with `prepareVelero`), with its storage-class mappings,
 * and resolves once every cluster's location is Available. The servers are recorded in `registry`, so `down`
 * stops them.
 */
export async function startVelero(registry: ProcessRegistry, options: VeleroOptions): Promise<VeleroEnv> {
  const { dir, s3 } = options;
  const cli = await realpath(join(options.veleroDir, 'velero'));
  const pluginDir = await realpath(join(options.veleroDir, 'plugins'));
  await mkdir(dir, { recursive: true });
  const credentials = join(dir, 'credentials');
  await writeFile(
    credentials,
    `[default]\naws_access_key_id=${s3.accessKeyId}\naws_secret_access_key=${s3.secretAccessKey}\n`,
    { mode: 0o600 },
  );
  const ports = await freePorts(options.clusters.length);
  const clusters = await Promise.all(
    options.clusters.map(async (cluster, index): Promise<VeleroClusterEnv> => {
      const kubectl = kubectlOf(options.kubectl, cluster);
      const storageClassMappings = classMappings(cluster, options.clusters);
      await kubectl(['apply', '-f', '-'], JSON.stringify(mappingObject(storageClassMappings)));
      const ownDir = join(dir, cluster.name);
      const tmp = join(ownDir, 'tmp');
      await mkdir(tmp, { recursive: true });
      const log = join(ownDir, 'velero.log');
      const server = await registry.start({
        name: `${cluster.name}-velero`,
        executable: cli,
        log,
        args: [
          'server',
          `--kubeconfig=${cluster.kubeconfig}`,
          `--namespace=${namespace}`,
          '--features=EnableCSI',
          '--uploader-type=kopia',
          `--plugin-dir=${pluginDir}`,
          '--profiler-address=',
          `--metrics-address=127.0.0.1:${ports[index]}`,
          '--default-backup-storage-location=',
        ],
        // Its own temporary folder: Velero keeps credentials, plugin sockets and backup files there.
        env: { AWS_SHARED_CREDENTIALS_FILE: credentials, TMPDIR: tmp },
      });
      await waitFor(
        `the BackupStorageLocation of cluster ${cluster.name}'s Velero to be Available`,
        async () => {
          const { stdout } = await kubectl([
            'get',
            'backupstoragelocation',
            locationName,
            `--namespace=${namespace}`,
            '-o',
            'jsonpath={.status.phase}',
          ]);
          return stdout === 'Available';
        },
        { proc: server, timeoutMs: 180_000, intervalMs: 500 },
      );
      return { cluster: cluster.name, namespace, storageClassMappings, log };
    }),
  );
  return {
    version: veleroVersion,
    cli,
    location: { name: locationName, bucket: s3.bucket, prefix },
    clusters,
  };
}
