import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { locationInput, parseInput } from '../control/index.ts';
import { FileObjectStore, parseLocation } from '../storage/index.ts';
import { openRepository, WrongSecretError } from '../volumes/index.ts';
import { type CliIo, UsageError } from './io.ts';
import { localMoverSettings, podStoreRecord } from './local-mover.ts';
import { openWithSecret } from './repository-secret.ts';

const keys = { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret-key-example' };

describe('podStoreRecord: the location as a mover pod opens it', () => {
  let dir = '';
  let ca = '';
  let key = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lb-local-mover-'));
    ca = join(dir, 'ca.pem');
    key = join(dir, 'key.json');
    await writeFile(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    await writeFile(
      key,
      JSON.stringify({ type: 'service_account', client_email: 'a@b.iam', private_key: 'pk' }),
    );
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** The record, checked against the schema the pod parses it with. */
  const record = async (url: string, env: Record<string, string>, endpoint?: string) => {
    const made = await podStoreRecord(parseLocation(url), env, endpoint);
    parseInput(locationInput, made);
    return made;
  };

  test('an S3 URL with an endpoint: the CA file read, the pods’ endpoint in place of this machine’s', async () => {
    const made = await record(
      `s3://bucket/team/prod?region=eu-west-1&endpoint=https://127.0.0.1:9000&forcePathStyle=true&caCert=${ca}`,
      keys,
      'https://10.0.0.1:9000',
    );
    assert.deepEqual(made, {
      name: 'break-glass',
      provider: 'minio',
      bucket: 'bucket',
      prefix: 'team/prod',
      region: 'eu-west-1',
      forcePathStyle: true,
      caCert: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      endpoint: 'https://10.0.0.1:9000',
      accessKeyId: 'AKIAEXAMPLE',
      secretAccessKey: 'secret-key-example',
    });
  });

  test('AWS S3: keys, or a role assumed with them', async () => {
    const plain = await record('s3://bucket/p?region=us-east-2', keys);
    assert.deepEqual(plain.credentials, {
      kind: 'keys',
      accessKeyId: 'AKIAEXAMPLE',
      secretAccessKey: 'secret-key-example',
    });
    assert.equal(plain.provider, 'aws');
    const role = await record(
      's3://bucket/p?region=us-east-2&roleArn=arn:aws:iam::123456789012:role/lifeboat&externalId=xyz',
      keys,
    );
    assert.deepEqual(role.credentials, {
      kind: 'sts',
      roleArn: 'arn:aws:iam::123456789012:role/lifeboat',
      externalId: 'xyz',
      ...{ accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret-key-example' },
    });
  });

  test('what pods cannot use is refused, saying what to give instead', async () => {
    await assert.rejects(record('s3://bucket/p?region=us-east-2', {}), (error: Error) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, /need AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment/);
      return true;
    });
    await assert.rejects(
      record('s3://bucket/p?region=us-east-2', { ...keys, AWS_SESSION_TOKEN: 't' }),
      /unset AWS_SESSION_TOKEN/,
    );
    await assert.rejects(record(`file://${dir}`, keys), /mover pods cannot read a file:\/\/ location/);
    await assert.rejects(record('azblob://account/container/p', {}), /need AZURE_STORAGE_KEY/);
    await assert.rejects(
      record('s3://bucket/p?region=us-east-2&endpoint=https://x:9000&caCert=/nope/ca.pem', keys),
      /cannot read the CA certificate file "\/nope\/ca.pem"/,
    );
  });

  test('GCS with the key file’s contents; Azure with a shared key or a service principal', async () => {
    const gcs = await record(`gs://bucket/p?keyFile=${key}`, {});
    assert.match(String(gcs.serviceAccountKey), /client_email/);
    const fromEnv = await record('gs://bucket/p', { GOOGLE_APPLICATION_CREDENTIALS: key });
    assert.equal(fromEnv.serviceAccountKey, gcs.serviceAccountKey);
    const shared = await record('azblob://account/container/p', { AZURE_STORAGE_KEY: 'a2V5' });
    assert.deepEqual(shared.credentials, { kind: 'sharedKey', accountKey: 'a2V5' });
    const principal = await record('azblob://account/container/p', {
      AZURE_TENANT_ID: 'tenant.example.com',
      AZURE_CLIENT_ID: '00000000-0000-0000-0000-000000000001',
      AZURE_CLIENT_SECRET: 's',
    });
    assert.equal((principal.credentials as { kind: string }).kind, 'servicePrincipal');
  });
});

describe('the repository secret of a local-mode restore', () => {
  let dir = '';
  let store: FileObjectStore;
  const random = randomBytes(32);
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lb-local-secret-'));
    store = new FileObjectStore(join(dir, 'random'));
    await openRepository(store, random, { create: true });
    await openRepository(new FileObjectStore(join(dir, 'chosen')), 'a secret a person chose', {
      create: true,
    });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('opens with the text, or with the bytes its base64 encodes (as the control plane hands it out)', async () => {
    assert.deepEqual((await openWithSecret(store, random.toString('base64'))).key, random);
    const chosen = new FileObjectStore(join(dir, 'chosen'));
    assert.deepEqual(
      (await openWithSecret(chosen, 'a secret a person chose')).key,
      Buffer.from('a secret a person chose'),
    );
    await assert.rejects(openWithSecret(store, randomBytes(32).toString('base64')), WrongSecretError);
  });

  test('no secret: no mover settings; a wrong one or mover flags without one are usage errors', async () => {
    const io = (env: Record<string, string>): CliIo => ({
      env,
      stdout: () => {},
      stderr: () => {},
      isTty: false,
    });
    const url = `file://${join(dir, 'random')}`;
    assert.equal(await localMoverSettings(io({}), url, store, {}), undefined);
    await assert.rejects(
      localMoverSettings(io({}), url, store, { moverImage: 'x' }),
      /--mover-image and --mover-endpoint need the repository secret/,
    );
    await assert.rejects(
      localMoverSettings(
        io({ LIFEBOAT_REPOSITORY_SECRET: randomBytes(32).toString('base64') }),
        url,
        store,
        {},
      ),
      (error: Error) => error instanceof UsageError,
    );
    // The right secret, but a folder no pod can read.
    await assert.rejects(
      localMoverSettings(io({ LIFEBOAT_REPOSITORY_SECRET: random.toString('base64') }), url, store, {}),
      /mover pods cannot read a file:\/\/ location/,
    );
  });
});
