/**
 * Where the `lifeboat repository …` command cases (test/cli/repository-cases.ts and
 * repository-restore-cases.ts) run: the test bed's MinIO under a unique prefix, or a temporary folder as a
 * file:// location. Each registers its own hooks in the calling describe and leaves nothing behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import {
  FileObjectStore,
  type ObjectStore,
  openObjectStore,
  parseLocation,
} from '../../src/storage/index.ts';
import { minioCredentials, minioLocationUrl, type TestbedEnv, useTestbed } from '../testbed/index.ts';
import { uniqueName } from './kube.ts';

/** A location as the command is given it, and its store as the library opens it. */
export interface CommandLocation {
  /** The location URL the command is given. */
  url(): string;
  /** A URL of the same store where no repository exists. */
  emptyUrl(): string;
  /** The store of `url()`, for the library to write the repository and the test to damage it. */
  store(): ObjectStore;
  /** Variables the command needs to reach the store (credentials). */
  env(): Record<string, string>;
}

/** A cheap scrypt so opening takes milliseconds; the key file records it, so the command uses it too. */
export const cheapKdf = { N: 1024, r: 8, p: 1 };

/**
 * The test bed's MinIO under a unique prefix made from `name`, reached with the test bed's CA and the keys in
 * the AWS variables. Call inside a describe: the store opens before its tests and its objects are deleted
 * after them.
 */
export function testbedMinioLocation(name: string): CommandLocation {
  const prefix = uniqueName(name);
  let env: TestbedEnv;
  let store: ObjectStore;

  before(async () => {
    env = await useTestbed();
    store = openObjectStore(parseLocation(minioLocationUrl(env, prefix)), {
      s3Credentials: minioCredentials(env),
    });
  });

  after(async () => {
    if (!store) return;
    const keys: string[] = [];
    for await (const info of store.list('')) keys.push(info.key);
    await store.delete(keys);
    await store.close();
  });

  return {
    url: () => minioLocationUrl(env, prefix),
    emptyUrl: () => minioLocationUrl(env, `${prefix}-empty`),
    store: () => store,
    env: () => ({ AWS_ACCESS_KEY_ID: env.s3.accessKeyId, AWS_SECRET_ACCESS_KEY: env.s3.secretAccessKey }),
  };
}

/**
 * A new temporary folder (named from `prefix`) as a file:// location, needing no test bed. Call inside a
 * describe: the store closes and the folder is removed after its tests.
 */
export function temporaryFileLocation(prefix: string): CommandLocation {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const bucket = join(dir, 'bucket');
  const store = new FileObjectStore(bucket);
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    url: () => `file://${bucket}`,
    emptyUrl: () => `file://${join(dir, 'empty')}`,
    store: () => store,
    env: () => ({}),
  };
}
