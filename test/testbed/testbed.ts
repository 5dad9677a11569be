/**
 * `up` and `down` for the whole test bed: builds (or reuses) the binaries, starts N clusters and the stores
 * in parallel, and writes `env.json` — the contract tests and benchmarks rely on.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ClusterEnv, startCluster } from './kube.ts';
import { ProcessRegistry, stopAll } from './processes.ts';
import {
  type AzureEnv,
  createDatabase,
  dropDatabase,
  type GcsEnv,
  type PostgresEnv,
  type S3Env,
  startAzurite,
  startFakeGcs,
  startMinio,
} from './stores.ts';

/** The contents of `env.json`. All paths are absolute. */
export interface TestbedEnv {
  kubectl: string;
  /** Debian's Chromium, for the console's browser tests. */
  chromium: string;
  clusters: ClusterEnv[];
  s3: S3Env;
  gcs: GcsEnv;
  azure: AzureEnv;
  postgres: PostgresEnv;
}

const here = dirname(fileURLToPath(import.meta.url));
export const projectRoot = resolve(here, '../..');
export const defaultDir = join(projectRoot, '.testbed');

const clusterNames = 'abcdefghijklmnopqrstuvwxyz';
/** What `up` creates in its folder (and removes before starting afresh). */
const ownEntries = [
  'clusters',
  'minio',
  'gcs',
  'azurite',
  'env.json',
  'env.json.tmp',
  'processes.json',
  'processes.json.tmp',
];

/** Builds the Go binaries if needed and returns the bin directory (see build.sh). */
export async function ensureBinaries(log: (line: string) => void = () => {}): Promise<string> {
  const child = execFile('bash', [join(here, 'build.sh')], { maxBuffer: 1 << 20 });
  child.stderr?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.startsWith('testbed build:')) log(line);
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  const code = await new Promise<number | null>((done) => child.on('close', done));
  if (code !== 0) throw new Error(`building the test bed's binaries failed (exit ${code}):\n${stderr}`);
  return stdout.trim();
}

function databaseName(dir: string): string {
  return `lifeboat_testbed_${createHash('sha256').update(dir).digest('hex').slice(0, 10)}`;
}

export interface UpOptions {
  dir?: string;
  clusters?: number;
  log?: (line: string) => void;
}

/** Starts the test bed in `dir` (stopping whatever an earlier `up` there left) and returns env.json's path. */
export async function up(options: UpOptions = {}): Promise<string> {
  const dir = resolve(options.dir ?? defaultDir);
  const count = options.clusters ?? 2;
  const log = options.log ?? (() => {});
  if (!Number.isInteger(count) || count < 1 || count > clusterNames.length) {
    throw new Error(`--clusters must be a whole number from 1 to ${clusterNames.length}, got ${count}`);
  }
  await down({ dir });
  const bin = await ensureBinaries(log);
  // Only this test bed's own entries go: other test beds (bench, test runs) may live in sub-folders.
  await Promise.all(ownEntries.map((entry) => rm(join(dir, entry), { recursive: true, force: true })));
  await mkdir(dir, { recursive: true });
  const registry = new ProcessRegistry(join(dir, 'processes.json'));
  const started = Date.now();
  try {
    const names = [...clusterNames.slice(0, count)];
    const [clusters, s3, gcs, azure, postgres] = await Promise.all([
      Promise.all(names.map((name) => startCluster(registry, bin, join(dir, 'clusters', name), name))),
      startMinio(registry, bin, join(dir, 'minio')),
      startFakeGcs(registry, bin, join(dir, 'gcs')),
      startAzurite(registry, join(dir, 'azurite')),
      createDatabase(databaseName(dir)),
    ]);
    const env: TestbedEnv = {
      kubectl: join(bin, 'kubectl'),
      chromium: join(bin, 'chromium'),
      clusters,
      s3,
      gcs,
      azure,
      postgres,
    };
    const envFile = join(dir, 'env.json');
    await writeFile(`${envFile}.tmp`, `${JSON.stringify(env, null, 2)}\n`, { mode: 0o600 });
    await rename(`${envFile}.tmp`, envFile);
    log(
      `testbed: up in ${((Date.now() - started) / 1000).toFixed(1)} s (${count} clusters, MinIO, fake-gcs-server, Azurite, PostgreSQL)`,
    );
    return envFile;
  } catch (error) {
    await stopAll(registry.list());
    throw error;
  }
}

/** Stops every process recorded in `dir` and drops its database. Safe to call when nothing runs. */
export async function down(options: { dir?: string } = {}): Promise<void> {
  const dir = resolve(options.dir ?? defaultDir);
  const file = join(dir, 'processes.json');
  const processes = await ProcessRegistry.load(file);
  await stopAll(processes);
  await rm(file, { force: true });
  try {
    await dropDatabase(databaseName(dir));
  } catch (error) {
    // The database server being away must not keep us from stopping processes; say so and go on.
    process.stderr.write(`testbed: could not drop the test database: ${(error as Error).message}\n`);
  }
}

/** Reads an env.json written by `up`. */
export async function readEnv(file: string): Promise<TestbedEnv> {
  return JSON.parse(await readFile(file, 'utf8')) as TestbedEnv;
}

/** The location URL of a prefix in the test bed's MinIO (TLS with the test bed's CA, path style). */
export function minioLocationUrl(env: TestbedEnv, path: string, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({
    region: env.s3.region,
    endpoint: env.s3.endpoint,
    forcePathStyle: 'true',
    caCert: env.s3.caCert,
    ...extra,
  });
  return `s3://${env.s3.bucket}/${path}?${q}`;
}

/** The MinIO root user's keys, as explicit S3 credentials. */
export function minioCredentials(env: TestbedEnv): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey };
}
