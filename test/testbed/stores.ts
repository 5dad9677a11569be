/**
 * The object stores and the database of the test bed: MinIO over TLS (certificate from a CA the test bed
 * generates), fake-gcs-server, Azurite's blob service, and a fresh database on the machine's PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient } from '@azure/storage-blob';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import pg from 'pg';
import { createCa, issue } from './certs.ts';
import { httpCall } from './http.ts';
import { freePorts, type ProcessRegistry, waitFor } from './processes.ts';

export const bucketName = 'lifeboat';

export interface S3Env {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  caCert: string;
  /** Where pods reach MinIO (same port, same certificate), and the host too; present when there are nodes. */
  podEndpoint?: string;
}
export interface GcsEnv {
  endpoint: string;
  bucket: string;
}
export interface AzureEnv {
  connectionString: string;
  container: string;
  account: string;
  accountKey: string;
  endpoint: string;
}
export interface PostgresEnv {
  url: string;
}

/**
 * Starts MinIO on loopback serving TLS with a certificate signed by a fresh CA, and creates the bucket.
 * With `podAddress` the certificate names it too (the test bed forwards it to MinIO for pods).
 */
export async function startMinio(
  registry: ProcessRegistry,
  bin: string,
  dir: string,
  podAddress?: string,
): Promise<S3Env> {
  const certsDir = join(dir, 'certs');
  await mkdir(certsDir, { recursive: true });
  const ca = await createCa('lifeboat-testbed-stores-ca');
  const serving = await issue(ca, {
    subject: 'CN=minio',
    server: { dns: ['localhost'], ips: podAddress ? ['127.0.0.1', podAddress] : ['127.0.0.1'] },
  });
  const caCert = join(dir, 'ca.pem');
  await writeFile(caCert, ca.certPem);
  await writeFile(join(certsDir, 'public.crt'), serving.certPem);
  await writeFile(join(certsDir, 'private.key'), serving.keyPem, { mode: 0o600 });

  const [port, consolePort] = (await freePorts(2)) as [number, number];
  const endpoint = `https://127.0.0.1:${port}`;
  const accessKeyId = 'lifeboat-testbed';
  const secretAccessKey = randomBytes(18).toString('hex');
  const minio = await registry.start({
    name: 'minio',
    executable: join(bin, 'minio'),
    log: join(dir, 'minio.log'),
    env: {
      MINIO_ROOT_USER: accessKeyId,
      MINIO_ROOT_PASSWORD: secretAccessKey,
      MINIO_BROWSER: 'off',
      MINIO_UPDATE: 'off',
      MINIO_CI_CD: 'on',
      // A site region makes MinIO refuse requests signed for another one, as AWS does.
      MINIO_SITE_REGION: 'us-east-1',
    },
    args: [
      'server',
      join(dir, 'data'),
      '--address',
      `127.0.0.1:${port}`,
      '--console-address',
      `127.0.0.1:${consolePort}`,
      '--certs-dir',
      certsDir,
      '--quiet',
    ],
  });
  await waitFor(
    'MinIO to be ready',
    async () =>
      (await httpCall(`${endpoint}/minio/health/ready`, { tls: { ca: ca.certPem } })).status === 200,
    { proc: minio, timeoutMs: 60_000 },
  );
  const s3 = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
    requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: ca.certPem }) }),
  });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucketName }));
  } finally {
    s3.destroy();
  }
  return {
    endpoint,
    region: 'us-east-1',
    bucket: bucketName,
    accessKeyId,
    secretAccessKey,
    caCert,
    ...(podAddress ? { podEndpoint: `https://${podAddress}:${port}` } : {}),
  };
}

/** Starts fake-gcs-server (in memory) and creates the bucket through its JSON API. */
export async function startFakeGcs(registry: ProcessRegistry, bin: string, dir: string): Promise<GcsEnv> {
  await mkdir(dir, { recursive: true });
  const [port] = (await freePorts(1)) as [number];
  const endpoint = `http://127.0.0.1:${port}`;
  const gcs = await registry.start({
    name: 'fake-gcs-server',
    executable: join(bin, 'fake-gcs-server'),
    log: join(dir, 'fake-gcs-server.log'),
    args: [
      '-scheme',
      'http',
      '-host',
      '127.0.0.1',
      '-port',
      String(port),
      '-backend',
      'memory',
      '-external-url',
      endpoint,
      '-public-host',
      `127.0.0.1:${port}`,
      '-log-level',
      'warn',
    ],
  });
  await waitFor(
    'fake-gcs-server to answer',
    async () => (await httpCall(`${endpoint}/storage/v1/b`)).status === 200,
    {
      proc: gcs,
    },
  );
  const created = await httpCall(`${endpoint}/storage/v1/b?project=lifeboat-testbed`, {
    method: 'POST',
    body: JSON.stringify({ name: bucketName }),
  });
  if (created.status !== 200)
    throw new Error(`fake-gcs-server refused to create the bucket: ${created.status} ${created.body}`);
  return { endpoint, bucket: bucketName };
}

// Azurite's well-known development account (published in Azure's documentation).
const azuriteAccount = 'devstoreaccount1';
const azuriteKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** Starts Azurite's blob service on disk under `dir` and creates the container. */
export async function startAzurite(registry: ProcessRegistry, dir: string): Promise<AzureEnv> {
  await mkdir(join(dir, 'data'), { recursive: true });
  const [port] = (await freePorts(1)) as [number];
  const require = createRequire(import.meta.url);
  const main = join(dirname(require.resolve('azurite/package.json')), 'dist/src/blob/main.js');
  const azurite = await registry.start({
    name: 'azurite-blob',
    executable: process.execPath,
    log: join(dir, 'azurite.log'),
    args: [
      main,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--location',
      join(dir, 'data'),
      '--silent',
      '--skipApiVersionCheck',
      '--disableProductStyleUrl',
    ],
  });
  const endpoint = `http://127.0.0.1:${port}/${azuriteAccount}`;
  // Any HTTP answer means it listens; an unauthenticated call gets 403 or 400.
  await waitFor('Azurite to answer', async () => (await httpCall(`${endpoint}?comp=list`)).status > 0, {
    proc: azurite,
  });
  const connectionString = `DefaultEndpointsProtocol=http;AccountName=${azuriteAccount};AccountKey=${azuriteKey};BlobEndpoint=${endpoint};`;
  await BlobServiceClient.fromConnectionString(connectionString)
    .getContainerClient(bucketName)
    .createIfNotExists();
  return {
    connectionString,
    container: bucketName,
    account: azuriteAccount,
    accountKey: azuriteKey,
    endpoint,
  };
}

/** The server to use: the machine's PostgreSQL unless LIFEBOAT_TESTBED_POSTGRES_URL names another. */
function adminUrl(): string {
  return process.env.LIFEBOAT_TESTBED_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

async function withAdmin<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Creates (afresh) the database `name` and returns its URL. */
export async function createDatabase(name: string): Promise<PostgresEnv> {
  await withAdmin(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"`);
  });
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return { url: url.toString() };
}

/** Drops the database `name` if it exists. */
export async function dropDatabase(name: string): Promise<void> {
  await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}
