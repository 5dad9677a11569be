/**
 * Velero servers of the benchmark's own, one per cluster, each in a namespace of its own beside the test
 * bed's (which other suites use: a backup of theirs would queue ahead of the benchmark's, and the test bed's
 * servers are never restarted). It shares the test bed's location — the same bucket and prefix, under the
 * same name — and is started with Velero's defaults or other flags (raised client limits), stopped, and
 * started again with others; `remove` takes its namespace away.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestbedCluster } from '../test/testbed/index.ts';
import {
  freePorts,
  type ManagedProcess,
  startProcess,
  stopProcess,
  waitFor,
} from '../test/testbed/processes.ts';
import { kubectl, VeleroOf, type VeleroTestbed } from './velero-tools.ts';

export class OwnVelero {
  readonly velero: VeleroOf;
  private readonly env: VeleroTestbed;
  private readonly cluster: TestbedCluster;
  private readonly namespace: string;
  private dir: string | undefined;
  private proc: ManagedProcess | undefined;
  private starts = 0;

  constructor(env: VeleroTestbed, cluster: TestbedCluster, namespace: string) {
    this.env = env;
    this.cluster = cluster;
    this.namespace = namespace;
    this.velero = new VeleroOf(env, cluster, namespace);
  }

  /**
   * Creates the namespace with what Velero needs there — the location (copied from the test bed's), the
   * 0-replica Deployment whose image its restores read — and its credentials file.
   */
  async prepare(): Promise<void> {
    const { env, cluster, namespace } = this;
    const testbedNamespace =
      env.velero.clusters.find((c) => c.cluster === cluster.name)?.namespace ?? 'velero';
    const get = async (what: string, name: string) =>
      JSON.parse(
        await kubectl(env, cluster, ['get', what, name, `--namespace=${testbedNamespace}`, '-o', 'json']),
      ) as { spec: unknown };
    const location = await get('backupstoragelocations.velero.io', env.velero.location.name);
    const stand = await get('deployment', 'velero');
    const objects = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'velero', namespace },
        spec: stand.spec,
      },
      {
        apiVersion: 'velero.io/v1',
        kind: 'BackupStorageLocation',
        metadata: { name: env.velero.location.name, namespace },
        spec: location.spec,
      },
    ];
    this.dir = await mkdtemp(join(tmpdir(), `lifeboat-bench-velero-${cluster.name}-`));
    await writeFile(
      join(this.dir, 'aws-credentials'),
      `[default]\naws_access_key_id=${env.s3.accessKeyId}\naws_secret_access_key=${env.s3.secretAccessKey}\n`,
      { mode: 0o600 },
    );
    await kubectl(
      env,
      cluster,
      ['apply', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
    );
  }

  /** Starts the server with `flags` beside the test bed's, and resolves once its controllers run. */
  async start(flags: string[]): Promise<void> {
    const { env, cluster, namespace, dir } = this;
    if (!dir) throw new Error('prepare() first');
    // Velero keeps its own files under TMPDIR (a folder named credentials among them).
    const tmp = join(dir, `tmp-${++this.starts}`);
    await mkdir(tmp);
    const log = join(dir, `velero-${this.starts}.log`);
    const [port] = await freePorts(1);
    const proc = startProcess({
      name: `bench-velero-${cluster.name}`,
      executable: env.velero.cli,
      log,
      args: [
        'server',
        `--kubeconfig=${cluster.kubeconfig}`,
        `--namespace=${namespace}`,
        '--features=EnableCSI',
        '--uploader-type=kopia',
        `--plugin-dir=${join(dirname(env.velero.cli), 'plugins')}`,
        '--profiler-address=',
        `--metrics-address=127.0.0.1:${port}`,
        '--default-backup-storage-location=',
        ...flags,
      ],
      env: { AWS_SHARED_CREDENTIALS_FILE: join(dir, 'aws-credentials'), TMPDIR: tmp },
    });
    this.proc = proc;
    await waitFor(
      `the benchmark's Velero in cluster ${cluster.name} to start its controllers`,
      async () => (await readFile(log, 'utf8')).includes('Server starting...'),
      { proc, timeoutMs: 180_000, intervalMs: 250 },
    );
    await waitFor(
      `the location of the benchmark's Velero in cluster ${cluster.name} to be Available`,
      async () =>
        (await kubectl(env, cluster, [
          'get',
          'backupstoragelocations.velero.io',
          env.velero.location.name,
          `--namespace=${namespace}`,
          '-o',
          'jsonpath={.status.phase}',
        ])) === 'Available',
      { proc, timeoutMs: 180_000, intervalMs: 500 },
    );
  }

  /** Stops the server (its namespace stays). */
  async stop(): Promise<void> {
    if (this.proc) await stopProcess(this.proc);
    this.proc = undefined;
  }

  /** Stops the server and deletes its namespace and files (delete its backups and restores first). */
  async remove(): Promise<void> {
    await this.stop();
    await kubectl(this.env, this.cluster, [
      'delete',
      'namespace',
      this.namespace,
      '--ignore-not-found',
      '--timeout=180s',
    ]);
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
