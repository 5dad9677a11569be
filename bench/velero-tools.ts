/**
 * Velero as the side-by-side benchmark drives it: its CLI against one cluster's Velero namespace, timed
 * backups and restores, a backup made in one cluster handed to the other's Velero, and clean-up.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { TestbedCluster, TestbedEnv, VeleroEnv } from '../test/testbed/index.ts';
import { waitFor } from '../test/testbed/processes.ts';

const run = promisify(execFile);

export type VeleroTestbed = TestbedEnv & { velero: VeleroEnv };

/** Runs kubectl against `cluster`, `input` on its standard input. */
export async function kubectl(env: TestbedEnv, cluster: TestbedCluster, args: string[], input?: string) {
  const child = run(env.kubectl, [`--kubeconfig=${cluster.kubeconfig}`, ...args], {
    maxBuffer: 256 << 20,
    timeout: 600_000,
  });
  if (input !== undefined) child.child.stdin?.end(input);
  try {
    return (await child).stdout;
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`kubectl ${args.slice(0, 3).join(' ')} in cluster ${cluster.name} failed: ${stderr}`);
  }
}

/** What the benchmark reads of a Velero Backup or Restore. */
export interface VeleroStatus {
  phase?: string;
  errors?: number;
  warnings?: number;
  progress?: { totalItems?: number; itemsBackedUp?: number; itemsRestored?: number };
}

/** One cluster's Velero: the cluster and the namespace its server watches. */
export class VeleroOf {
  readonly env: VeleroTestbed;
  readonly cluster: TestbedCluster;
  readonly namespace: string;

  constructor(env: VeleroTestbed, cluster: TestbedCluster, namespace: string) {
    this.env = env;
    this.cluster = cluster;
    this.namespace = namespace;
  }

  /** The velero CLI (no user config: HOME points nowhere); fails with its own output. */
  async cli(args: string[]): Promise<string> {
    try {
      const { stdout } = await run(
        this.env.velero.cli,
        [
          ...args,
          `--kubeconfig=${this.cluster.kubeconfig}`,
          `--namespace=${this.namespace}`,
          '--colorized=false',
        ],
        {
          maxBuffer: 64 << 20,
          timeout: 900_000,
          env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent' },
        },
      );
      return stdout;
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`velero ${args.join(' ')} in cluster ${this.cluster.name} failed: ${stderr}${stdout}`);
    }
  }

  async status(resource: 'backups' | 'restores', name: string): Promise<VeleroStatus | undefined> {
    const out = await kubectl(this.env, this.cluster, [
      'get',
      `${resource}.velero.io`,
      name,
      `--namespace=${this.namespace}`,
      '--ignore-not-found',
      '-o',
      'json',
    ]);
    return out.trim() ? ((JSON.parse(out) as { status?: VeleroStatus }).status ?? {}) : undefined;
  }

  /** `velero backup create --wait` of one namespace: seconds from the command to the end of the backup. */
  async backup(name: string, namespace: string): Promise<{ seconds: number; status: VeleroStatus }> {
    const started = performance.now();
    await this.cli(['backup', 'create', name, '--include-namespaces', namespace, '--wait']);
    const seconds = (performance.now() - started) / 1000;
    return { seconds, status: (await this.status('backups', name)) ?? {} };
  }

  /** `velero restore create --wait`, the namespace restored under another name. */
  async restore(
    name: string,
    backup: string,
    mapping: { from: string; to: string },
  ): Promise<{ seconds: number; status: VeleroStatus }> {
    const started = performance.now();
    await this.cli([
      'restore',
      'create',
      name,
      '--from-backup',
      backup,
      '--namespace-mappings',
      `${mapping.from}:${mapping.to}`,
      '--wait',
    ]);
    const seconds = (performance.now() - started) / 1000;
    return { seconds, status: (await this.status('restores', name)) ?? {} };
  }

  /**
   * Gives `target` (another cluster's Velero on the same location) the Backup resource as its sync would,
   * without waiting up to a minute for the sync: Velero's Backup has no status subresource, so the resource
   * is created with its status, Completed, as the sync creates it.
   */
  async handOver(name: string, target: VeleroOf): Promise<void> {
    const subresources = await kubectl(target.env, target.cluster, [
      'get',
      'crd',
      'backups.velero.io',
      '-o',
      'jsonpath={.spec.versions[*].subresources}',
    ]);
    if (subresources.trim())
      throw new Error(
        `backups.velero.io has subresources (${subresources}) in cluster ${target.cluster.name}: a Backup cannot be created with its status; let Velero's sync bring it instead`,
      );
    const backup = JSON.parse(
      await kubectl(this.env, this.cluster, [
        'get',
        'backups.velero.io',
        name,
        `--namespace=${this.namespace}`,
        '-o',
        'json',
      ]),
    ) as {
      apiVersion: string;
      kind: string;
      metadata: Record<string, unknown>;
      spec: unknown;
      status: unknown;
    };
    const copy = {
      apiVersion: backup.apiVersion,
      kind: backup.kind,
      metadata: {
        name,
        namespace: target.namespace,
        labels: backup.metadata.labels ?? {},
        annotations: backup.metadata.annotations ?? {},
      },
      spec: backup.spec,
      status: backup.status,
    };
    await kubectl(target.env, target.cluster, ['create', '-f', '-'], JSON.stringify(copy));
  }

  /** Deletes a restore the Velero way (its files too) and waits until its resource is gone. */
  async deleteRestore(name: string): Promise<void> {
    if (!(await this.status('restores', name))) return;
    await this.cli(['restore', 'delete', name, '--confirm']);
    await waitFor(
      `Velero to delete restore ${name}`,
      async () => (await this.status('restores', name)) === undefined,
      { timeoutMs: 180_000, intervalMs: 1000 },
    );
  }

  /** Deletes a backup the Velero way (its files in the bucket too), waits until it is gone, and its request. */
  async deleteBackup(name: string): Promise<void> {
    if (!(await this.status('backups', name))) return;
    await this.cli(['backup', 'delete', name, '--confirm']);
    await waitFor(
      `Velero to delete backup ${name}`,
      async () => (await this.status('backups', name)) === undefined,
      { timeoutMs: 180_000, intervalMs: 1000 },
    );
    await kubectl(this.env, this.cluster, [
      'delete',
      'deletebackuprequests.velero.io',
      `--selector=velero.io/backup-name=${name}`,
      `--namespace=${this.namespace}`,
      '--ignore-not-found',
    ]);
  }

  /** Removes the Backup resource only (a copy whose files another Velero deletes, or a synced one). */
  async forget(name: string): Promise<void> {
    await kubectl(this.env, this.cluster, [
      'delete',
      'backups.velero.io',
      name,
      `--namespace=${this.namespace}`,
      '--ignore-not-found',
    ]);
  }
}
