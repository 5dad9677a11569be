/**
 * The test bed as test files see it. `npm test` brings one test bed up for the whole run and passes its
 * env.json in LIFEBOAT_TESTBED_ENV; a test file run on its own (`node --test file.test.ts`) gets a private
 * one that is torn down when the file ends.
 */

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultDir, down, readEnv, type TestbedEnv, up } from './testbed.ts';
import type { VeleroEnv } from './velero.ts';

export type { StorageEnv } from './csi.ts';
export type { ClusterEnv } from './kube.ts';
export type { AzureEnv, GcsEnv, PostgresEnv, S3Env } from './stores.ts';
export { createDatabase, dropDatabase } from './stores.ts';
export {
  down,
  images,
  minioCredentials,
  minioLocationUrl,
  type NodeEnv,
  readEnv,
  type TestbedCluster,
  type TestbedEnv,
  up,
} from './testbed.ts';
export type { VeleroClusterEnv, VeleroEnv } from './velero.ts';

let shared: Promise<TestbedEnv> | undefined;
let withNodes: Promise<TestbedEnv> | undefined;
let withVelero: Promise<TestbedEnv & { velero: VeleroEnv }> | undefined;

/** The test bed of this run (started on first use when the file runs on its own). */
export function useTestbed(): Promise<TestbedEnv> {
  shared ??= load();
  return shared;
}

/**
 * A test bed whose clusters have nodes and CSI storage: this run's when it has them, else a private one
 * (started on first use, torn down when the file ends).
 */
export function useTestbedWithNodes(): Promise<TestbedEnv> {
  withNodes ??= (async () => {
    const envFile = process.env.LIFEBOAT_TESTBED_ENV;
    const env = envFile ? await readEnv(envFile) : undefined;
    return env?.images ? env : privateTestbed('nodes', true);
  })();
  return withNodes;
}

/** The test bed was started without Velero, which the test needs. */
export class VeleroMissingError extends Error {
  override readonly name = 'VeleroMissingError';
  constructor(envFile: string) {
    super(
      `this test needs Velero beside the test bed, and ${envFile} has none: start the test bed with \`npm run testbed -- up --velero\` (npm test does), or run the file without LIFEBOAT_TESTBED_ENV to get a private one`,
    );
  }
}

/**
 * A test bed with nodes, CSI storage and Velero beside every cluster (`up --velero`): this run's, or a
 * private one when the file runs on its own. Rejects with `VeleroMissingError` when this run's test bed was
 * started without Velero.
 */
export function useTestbedWithVelero(): Promise<TestbedEnv & { velero: VeleroEnv }> {
  withVelero ??= (async () => {
    const envFile = process.env.LIFEBOAT_TESTBED_ENV;
    const env = envFile ? await readEnv(envFile) : await privateTestbed('velero', true, true);
    if (!env.velero) throw new VeleroMissingError(envFile ?? 'the private test bed');
    if (!env.images) throw new Error(`the test bed of ${envFile} has no nodes: start it without --no-nodes`);
    return { ...env, velero: env.velero };
  })();
  return withVelero;
}

async function load(): Promise<TestbedEnv> {
  const envFile = process.env.LIFEBOAT_TESTBED_ENV;
  if (envFile) return readEnv(envFile);
  return privateTestbed('file');
}

async function privateTestbed(kind: string, nodes?: boolean, velero?: boolean): Promise<TestbedEnv> {
  const dir = join(defaultDir, `${kind}-${process.pid}`);
  // A private test bed's folder goes too (its nodes' image stores are large).
  const teardown = () => down({ dir }).then(() => rm(dir, { recursive: true, force: true }));
  // When the file's tests are done (node:test's after() called from a before hook would run at once).
  process.once('beforeExit', () => void teardown());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void teardown().finally(() => process.exit(130));
    });
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  return readEnv(
    await up({
      dir,
      clusters: 2,
      ...(nodes === undefined ? {} : { nodes }),
      ...(velero === undefined ? {} : { velero }),
      log,
    }),
  );
}
