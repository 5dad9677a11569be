/**
 * A control plane for tests: on the embedded store (PGlite in a temp folder) or on a fresh PostgreSQL
 * database of the test bed's server, with its background loops off (tests drive the scheduler, expiry and
 * sync by hand) and an API client that keeps every answer, so tests can check no secret ever left.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createApi } from '../../src/api/index.ts';
import { type Clock, type ControlPlane, startControlPlane } from '../../src/control/index.ts';
import {
  type ClusterEnv,
  createDatabase,
  dropDatabase,
  minioCredentials,
  type TestbedEnv,
} from '../testbed/index.ts';
import { eventually } from './kube.ts';

export type StoreKind = 'embedded' | 'postgres';

export interface Answer<T = unknown> {
  status: number;
  body: T;
  text: string;
}

/** Calls the API in-process (Hono's `app.request`, no sockets) and remembers every answer. */
export class ApiClient {
  readonly answers: string[] = [];
  private readonly app: ReturnType<typeof createApi>;
  constructor(app: ReturnType<typeof createApi>) {
    this.app = app;
  }

  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    token: string | undefined,
    body?: unknown,
  ): Promise<Answer<T>> {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.app.request(`/api/v1${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    this.answers.push(text);
    let parsed: unknown = text;
    if (response.headers.get('content-type')?.includes('application/json')) parsed = JSON.parse(text);
    return { status: response.status, body: parsed as T, text };
  }
}

export interface TestPlane {
  plane: ControlPlane;
  api: ApiClient;
  adminToken: string;
  databaseUrl?: string;
  close(): Promise<void>;
}

/** A master key shared by the replicas of one test. */
export const testMasterKey = randomBytes(32).toString('base64');

export async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `lifeboat_t_${randomBytes(5).toString('hex')}`;
  const { url } = await createDatabase(name);
  return { url, drop: () => dropDatabase(name) };
}

export async function startTestPlane(
  store: StoreKind,
  options: {
    clock?: Clock;
    databaseUrl?: string;
    pollMs?: number;
    loops?: Partial<Record<'scheduler' | 'expiry' | 'sync' | 'health', number>>;
    /** More of the server's environment (LIFEBOAT_MOVER_IMAGE, for example). */
    env?: Record<string, string>;
  } = {},
): Promise<TestPlane> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lifeboat-plane-'));
  let database: { url: string; drop: () => Promise<void> } | undefined;
  let databaseUrl = options.databaseUrl;
  if (store === 'postgres' && !databaseUrl) {
    database = await freshDatabase();
    databaseUrl = database.url;
  }
  const plane = await startControlPlane({
    dataDir,
    ...(databaseUrl ? { databaseUrl } : {}),
    // The emulators (fake-gcs-server) take no key: these tests let locations use the server's identity.
    // The test bed's stores listen on 127.0.0.1: locations may be at private addresses here.
    env: {
      LIFEBOAT_MASTER_KEY: testMasterKey,
      LIFEBOAT_ALLOW_SERVER_IDENTITY: 'true',
      LIFEBOAT_PRIVATE_TARGETS: 'allow',
      ...options.env,
    },
    log: pino({ level: process.env.LIFEBOAT_TEST_LOG ?? 'silent' }),
    ...(options.clock ? { clock: options.clock } : {}),
    jobs: { pollMs: options.pollMs ?? 100, sweepMs: 500 },
    loops: { scheduler: 0, expiry: 0, sync: 0, health: 0, ...options.loops },
  });
  const api = new ApiClient(createApi(plane.ctx));
  return {
    plane,
    api,
    adminToken: plane.firstAdminToken ?? '',
    ...(databaseUrl ? { databaseUrl } : {}),
    async close() {
      await plane.stop(5000);
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The fields of a MinIO location on the test bed's MinIO (with its CA). */
export function minioLocationBody(env: TestbedEnv, name: string, prefix: string): Record<string, unknown> {
  const { accessKeyId, secretAccessKey } = minioCredentials(env);
  return {
    provider: 'minio',
    name,
    endpoint: env.s3.endpoint,
    region: env.s3.region,
    bucket: env.s3.bucket,
    prefix,
    caCert: readFileSync(env.s3.caCert, 'utf8'),
    accessKeyId,
    secretAccessKey,
  };
}

export function kubeconfigText(cluster: ClusterEnv): string {
  return readFileSync(cluster.kubeconfig, 'utf8');
}

/** A backup's or restore's view once it has ended (Completed, PartiallyFailed or Failed), read at `path`. */
export function untilFinished<T extends { phase: string }>(
  t: TestPlane,
  path: string,
  timeoutMs = 240_000,
): Promise<T> {
  return eventually(
    `${path} to finish`,
    async () => {
      const answer = await t.api.call<T>('GET', path, t.adminToken);
      return ['Completed', 'PartiallyFailed', 'Failed'].includes(answer.body.phase) ? answer.body : undefined;
    },
    timeoutMs,
  );
}

/** Registers test-bed clusters in a project by name; each must answer as Healthy. */
export async function registerClusters(
  t: TestPlane,
  project: string,
  clusters: Record<string, ClusterEnv>,
): Promise<void> {
  for (const [name, cluster] of Object.entries(clusters)) {
    const registered = await t.api.call<{ health: string }>(
      'POST',
      `/projects/${project}/clusters`,
      t.adminToken,
      { name, kubeconfig: kubeconfigText(cluster) },
    );
    assert.equal(registered.body.health, 'Healthy', registered.text);
  }
}
