/**
 * The test bed as test files see it. `npm test` brings one test bed up for the whole run and passes its
 * env.json in LIFEBOAT_TESTBED_ENV; a test file run on its own (`node --test file.test.ts`) gets a private
 * one that is torn down when the file ends.
 */

import { join } from 'node:path';
import { after } from 'node:test';
import { defaultDir, down, readEnv, type TestbedEnv, up } from './testbed.ts';

export type { ClusterEnv } from './kube.ts';
export type { AzureEnv, GcsEnv, PostgresEnv, S3Env } from './stores.ts';
export { createDatabase, dropDatabase } from './stores.ts';
export { down, minioCredentials, minioLocationUrl, readEnv, type TestbedEnv, up } from './testbed.ts';

let shared: Promise<TestbedEnv> | undefined;

/** The test bed of this run (started on first use when the file runs on its own). */
export function useTestbed(): Promise<TestbedEnv> {
  shared ??= load();
  return shared;
}

async function load(): Promise<TestbedEnv> {
  const envFile = process.env.LIFEBOAT_TESTBED_ENV;
  if (envFile) return readEnv(envFile);
  const dir = join(defaultDir, `file-${process.pid}`);
  const teardown = () => down({ dir });
  after(teardown);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void teardown().finally(() => process.exit(130));
    });
  }
  return readEnv(await up({ dir, clusters: 2, log: (line) => process.stderr.write(`${line}\n`) }));
}
