/**
 * `lifeboat repository restore` against the test bed's MinIO, as a user runs it in a break-glass: the
 * command in its own process, the location an s3:// URL with the test bed's CA, the keys in the AWS
 * variables. The cases are repository-restore-cases.ts; the location's objects are deleted afterwards.
 */
import { after, before, describe } from 'node:test';
import { type ObjectStore, openObjectStore, parseLocation } from '../../src/storage/index.ts';
import { uniqueName } from '../support/kube.ts';
import { minioCredentials, minioLocationUrl, type TestbedEnv, useTestbed } from '../testbed/index.ts';
import { repositoryRestoreCases } from './repository-restore-cases.ts';

describe('lifeboat repository restore on the test bed MinIO', () => {
  const prefix = uniqueName('repo-restore-cli');
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

  repositoryRestoreCases({
    url: () => minioLocationUrl(env, prefix),
    store: () => store,
    env: () => ({ AWS_ACCESS_KEY_ID: env.s3.accessKeyId, AWS_SECRET_ACCESS_KEY: env.s3.secretAccessKey }),
  });
});
