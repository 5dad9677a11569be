/**
 * The set-up the console (browser) tests under test/web share: a control plane served over HTTP with the
 * console, an API caller authenticated as its first admin, a Chromium page signed in to it, a project with
 * the test bed's MinIO as its location and a cluster, a backup waited for, and screenshots under
 * test-results/console/.
 *
 * The server, browser and page of a test file are created in its `before`, so helpers that need them take a
 * getter and read it when called.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type RunningServer, serve } from '../../src/api/index.ts';
import type { ClusterEnv, TestbedEnv } from '../testbed/index.ts';
import { kubeconfigText, minioLocationBody, testMasterKey } from './control.ts';
import { apply, eventually, kubectl } from './kube.ts';

/** A JSON object as the API answers it. */
export type Json = Record<string, unknown>;

/** Where the console tests put their screenshots. */
export const shotsDir = join('test-results', 'console');

/** What {@link startConsoleServer} may change from the console tests' usual server. */
export interface ConsoleServerOptions {
  /** Run jobs, polling every 200 ms (default true); false leaves the job options at the server's default. */
  jobs?: boolean;
  /** Allow locations at private addresses, as the test bed's MinIO on 127.0.0.1 is (default true). */
  privateTargets?: boolean;
  /** Serve the console from LIFEBOAT_WEB_DIR when that is set (a private `vite build --outDir`; default false). */
  webDirFromEnv?: boolean;
}

/**
 * Serves a control plane with the console on a free port, its background loops off (tests drive them), and
 * creates the screenshots folder.
 */
export async function startConsoleServer(
  dataDir: string,
  options: ConsoleServerOptions = {},
): Promise<RunningServer> {
  mkdirSync(shotsDir, { recursive: true });
  const webDir = options.webDirFromEnv ? process.env.LIFEBOAT_WEB_DIR : undefined;
  return serve({
    port: 0,
    dataDir,
    ...(webDir ? { webDir } : {}),
    env: {
      LIFEBOAT_MASTER_KEY: testMasterKey,
      ...(options.privateTargets === false ? {} : { LIFEBOAT_PRIVATE_TARGETS: 'allow' }),
    },
    log: pino({ level: process.env.LIFEBOAT_TEST_LOG ?? 'silent' }),
    ...(options.jobs === false ? {} : { jobs: { pollMs: 200 } }),
    loops: { scheduler: 0, expiry: 0, sync: 0, health: 0 },
  });
}

/** One answer of the API: its status, its text and the text parsed (an empty object for an empty text). */
export interface ApiAnswer<T> {
  status: number;
  text: string;
  body: T;
}

/** Calls the served API as its first admin and returns the answer, whatever its status. */
export type ApiCall = <T = Json>(method: string, path: string, body?: unknown) => Promise<ApiAnswer<T>>;

/** An {@link ApiCall} on the server `server()` returns when called (the server starts in `before`). */
export function apiCaller(server: () => RunningServer): ApiCall {
  return async <T = Json>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> => {
    const { url, plane } = server();
    const response = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${plane.firstAdminToken ?? ''}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, text, body: (text ? JSON.parse(text) : {}) as T };
  };
}

/**
 * Calls the served API as its first admin, fails the test unless the answer is a success (2xx), and returns
 * the parsed body.
 */
export function okApiCaller(
  server: () => RunningServer,
): (method: string, path: string, body?: unknown) => Promise<Json> {
  const call = apiCaller(server);
  return async (method, path, body) => {
    const answer = await call(method, path, body);
    assert.ok(
      answer.status >= 200 && answer.status < 300,
      `${method} ${path}: ${answer.status} ${answer.text}`,
    );
    return answer.body;
  };
}

/** How {@link openConsole} opens the page. */
export interface ConsolePageOptions {
  /** Width of the viewport (900 high); default 1366. */
  width?: number;
  /** Time zone of the page, for dates the tests read (default the machine's). */
  timezoneId?: string;
  /** Playwright's default timeout for the page's actions; default 30 s. */
  timeoutMs?: number;
}

/** Launches the test bed's Chromium and opens one page in it. */
export async function openBrowser(
  env: TestbedEnv,
  options: ConsolePageOptions = {},
): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({ executablePath: env.chromium, args: ['--no-sandbox'] });
  const page = await browser.newPage({
    viewport: { width: options.width ?? 1366, height: 900 },
    ...(options.timezoneId ? { timezoneId: options.timezoneId } : {}),
  });
  page.setDefaultTimeout(options.timeoutMs ?? 30_000);
  return { browser, page };
}

/** Signs `page` in to the console with `token` (default the first admin's) and waits for the Clusters page. */
export async function signIn(page: Page, server: RunningServer, token?: string): Promise<void> {
  await page.goto(server.url);
  await page.getByLabel('API token').fill(token ?? server.plane.firstAdminToken ?? '');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Clusters', exact: true }).waitFor();
}

/** {@link openBrowser}, then {@link signIn} as the first admin. */
export async function openConsole(
  env: TestbedEnv,
  server: RunningServer,
  options: ConsolePageOptions = {},
): Promise<{ browser: Browser; page: Page }> {
  const opened = await openBrowser(env, options);
  try {
    await signIn(opened.page, server);
  } catch (error) {
    // The caller never gets the browser to close: a Chromium left running keeps the test process alive.
    await opened.browser.close().catch(() => {});
    throw error;
  }
  return opened;
}

/**
 * A screenshot taker: `shot(name)` saves the whole of `page()` (or of `on`) as
 * test-results/console/<prefix><name>.png.
 */
export function screenshots(page: () => Page, prefix = ''): (name: string, on?: Page) => Promise<Buffer> {
  return (name, on = page()) =>
    on.screenshot({ path: join(shotsDir, `${prefix}${name}.png`), fullPage: true });
}

/** Creates `project` and its location "minio" on the test bed's MinIO under `prefix`, failing the test if refused. */
export async function createProjectWithMinio(
  call: ApiCall,
  env: TestbedEnv,
  project: string,
  prefix: string,
): Promise<void> {
  assert.equal((await call('POST', '/projects', { name: project })).status, 201);
  const location = await call(
    'POST',
    `/projects/${project}/locations`,
    minioLocationBody(env, 'minio', prefix),
  );
  assert.equal(location.status, 201, location.text);
}

/** Creates namespace `ns` on `cluster` holding one ConfigMap, `name` with `data`: something small to back up. */
export async function namespaceWithConfigMap(
  env: TestbedEnv,
  cluster: ClusterEnv,
  ns: string,
  name: string,
  data: Record<string, string>,
): Promise<void> {
  await kubectl(env, cluster, ['create', 'namespace', ns]);
  await apply(env, cluster, [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data },
  ]);
}

/** Registers `cluster` in `project` as `name` and fails the test unless it is Healthy. */
export async function registerCluster(
  call: ApiCall,
  project: string,
  name: string,
  cluster: ClusterEnv,
): Promise<void> {
  const registered = await call<{ health: string }>('POST', `/projects/${project}/clusters`, {
    name,
    kubeconfig: kubeconfigText(cluster),
  });
  assert.equal(registered.body.health, 'Healthy', registered.text);
}

/** The phases a backup ends in. */
const ended = ['Completed', 'PartiallyFailed', 'Failed'];

/** Waits (up to `timeoutMs`) for backup `id` of `project` to end, and returns its view. */
export function backupEnded<T extends { phase: string }>(
  call: ApiCall,
  project: string,
  id: string,
  what: string,
  timeoutMs = 180_000,
): Promise<T> {
  return eventually(
    what,
    async () => {
      const view = (await call<T>('GET', `/projects/${project}/backups/${id}`)).body;
      return ended.includes(view.phase) ? view : undefined;
    },
    timeoutMs,
  );
}
