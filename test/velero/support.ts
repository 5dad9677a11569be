/**
 * Driving the test bed's Velero (`up --velero`) from tests: its CLI against one cluster, its Backup and
 * Restore resources, and the location it shares with Lifeboat.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type ObjectStore, openObjectStore, parseLocation } from '../../src/storage/index.ts';
import { eventually, kubectl } from '../support/kube.ts';
import {
  type ClusterEnv,
  minioCredentials,
  minioLocationUrl,
  type TestbedEnv,
  type VeleroClusterEnv,
  type VeleroEnv,
} from '../testbed/index.ts';

const run = promisify(execFile);

/** A test bed started with `--velero`. */
export type VeleroTestbed = TestbedEnv & { velero: VeleroEnv };

/** Cluster `index` of the test bed and its Velero. */
export function veleroCluster(env: VeleroTestbed, index: number): ClusterEnv & { velero: VeleroClusterEnv } {
  const cluster = env.clusters[index];
  const velero = env.velero.clusters[index];
  if (!cluster || !velero) throw new Error(`the test bed has no cluster ${index} with Velero`);
  return { ...cluster, velero };
}

/**
 * Runs the velero CLI against cluster `index` (its kubeconfig and Velero namespace, CSI features on, MinIO's
 * CA for what it downloads) and gives its output; fails with the CLI's own output.
 */
export async function velero(env: VeleroTestbed, index: number, args: string[]): Promise<string> {
  const cluster = veleroCluster(env, index);
  const caArgs = ['describe', 'logs'].includes(args[1] ?? '') ? [`--cacert=${env.s3.caCert}`] : [];
  try {
    const { stdout } = await run(
      env.velero.cli,
      [
        ...args,
        ...caArgs,
        `--kubeconfig=${cluster.kubeconfig}`,
        `--namespace=${cluster.velero.namespace}`,
        '--features=EnableCSI',
        '--colorized=false',
      ],
      { maxBuffer: 64 << 20, timeout: 600_000, env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent' } },
    );
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`velero ${args.join(' ')} in cluster ${cluster.name} failed: ${stderr}${stdout}`);
  }
}

/** A Velero resource (`backups` or `restores`) of cluster `index`, or undefined when there is none. */
export async function veleroResource(
  env: VeleroTestbed,
  index: number,
  resource: 'backups' | 'restores',
  name: string,
): Promise<VeleroResource | undefined> {
  const cluster = veleroCluster(env, index);
  const out = await kubectl(env, cluster, [
    'get',
    `${resource}.velero.io`,
    name,
    `--namespace=${cluster.velero.namespace}`,
    '--ignore-not-found',
    '-o',
    'json',
  ]);
  return out.trim() ? (JSON.parse(out) as VeleroResource) : undefined;
}

/** What tests read of a Velero Backup or Restore. */
export interface VeleroResource {
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
  status?: {
    phase?: string;
    errors?: number;
    warnings?: number;
    failureReason?: string;
    progress?: { totalItems?: number; itemsBackedUp?: number; itemsRestored?: number };
    csiVolumeSnapshotsAttempted?: number;
    csiVolumeSnapshotsCompleted?: number;
  };
}

/** Waits until Velero of cluster `index` has synced backup `name` from the location, and gives it. */
export function waitBackupSynced(
  env: VeleroTestbed,
  index: number,
  name: string,
  timeoutMs = 120_000,
): Promise<VeleroResource> {
  return eventually(
    `Velero of cluster ${veleroCluster(env, index).name} to sync backup ${name}`,
    () => veleroResource(env, index, 'backups', name),
    timeoutMs,
  );
}

/**
 * Deletes a Velero backup the way a Velero user does (`velero backup delete --confirm`: its files, its
 * snapshots, then the resource) and waits until the resource is gone.
 */
export async function deleteVeleroBackup(env: VeleroTestbed, index: number, name: string): Promise<void> {
  await velero(env, index, ['backup', 'delete', name, '--confirm']);
  await eventually(
    `Velero to delete backup ${name}`,
    async () => ((await veleroResource(env, index, 'backups', name)) ? undefined : true),
    180_000,
  );
}

/**
 * Removes the Backup resources other clusters' Velero synced for backup `name` once its files are gone (their
 * own sync would remove them within a minute): deleting the resource leaves the location alone.
 */
export async function forgetSyncedBackup(env: VeleroTestbed, name: string): Promise<void> {
  for (const [index, cluster] of env.clusters.entries()) {
    const namespace = env.velero.clusters[index]?.namespace ?? 'velero';
    await kubectl(env, cluster, [
      'delete',
      'backups.velero.io',
      name,
      `--namespace=${namespace}`,
      '--ignore-not-found',
    ]);
  }
}

/** Deletes a Velero restore (`velero restore delete --confirm`: its files and resource) and waits until it is gone. */
export async function deleteVeleroRestore(env: VeleroTestbed, index: number, name: string): Promise<void> {
  await velero(env, index, ['restore', 'delete', name, '--confirm']);
  await eventually(
    `Velero to delete restore ${name}`,
    async () => ((await veleroResource(env, index, 'restores', name)) ? undefined : true),
    120_000,
  );
}

/** The backup location Velero uses, opened for Lifeboat (the same bucket and prefix). */
export function veleroLocationStore(env: VeleroTestbed): ObjectStore {
  return openObjectStore(parseLocation(minioLocationUrl(env, env.velero.location.prefix)), {
    s3Credentials: minioCredentials(env),
  });
}

/** Deletes the files Lifeboat wrote for restore `name` in `store` (Velero's restores are deleted by Velero). */
export async function deleteRestoreFiles(store: ObjectStore, name: string): Promise<void> {
  const keys: string[] = [];
  for await (const object of store.list(`restores/${name}/`)) keys.push(object.key);
  if (keys.length > 0) await store.delete(keys);
}
