/**
 * The set-up most console (browser) tests repeat, in one place: called inside a `describe`, `consoleSuite`
 * registers the `before` that starts a control plane serving the console (LIFEBOAT_WEB_DIR when set, else
 * web/dist), creates a project with its locations on the test bed's MinIO (each under its own new prefix)
 * and its clusters, and opens a Chromium page signed in as the first admin; and the `after` that closes the
 * browser and the server and removes the data folder. A test's own `after` (namespaces it made) runs too.
 *
 * What `before` makes is read through getters, which fail the test when read before it ran.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../src/api/index.ts';
import type { ClusterEnv, TestbedEnv } from '../testbed/index.ts';
import { useTestbed } from '../testbed/index.ts';
import {
  type ApiCall,
  apiCaller,
  type Json,
  okApiCaller,
  openConsole,
  registerCluster,
  screenshots,
  startConsoleServer,
} from './console.ts';
import { minioLocationBody } from './control.ts';
import { uniqueName } from './kube.ts';

/** What {@link consoleSuite} makes. */
export interface ConsoleSuiteOptions {
  /** Names the project (`<name>-<unique>`), the data folder and the screenshots (`<name>-*.png`). */
  name: string;
  /** The project's locations on MinIO, by name, each under a new prefix of its own (default `minio`). */
  locations?: readonly string[];
  /** The project's clusters: its name → the test bed's cluster at that index (default `prod` → 0). */
  clusters?: Readonly<Record<string, number>>;
  /** Width of the page (900 high); default 1440, the width the console's look is checked at. */
  width?: number;
}

/** A console test's world, once `before` has run. */
export interface ConsoleSuite {
  readonly env: TestbedEnv;
  readonly server: RunningServer;
  readonly browser: Browser;
  readonly page: Page;
  /** The project's name (known at once, before `before` runs). */
  readonly project: string;
  /** The project's API path, `/projects/<project>`. */
  readonly p: string;
  /** The test bed's cluster registered as `name`. */
  cluster(name: string): ClusterEnv;
  /** The MinIO prefix of location `name`. */
  prefix(location: string): string;
  /** Calls the API as the first admin; fails the test unless the answer is a success. */
  api(method: string, path: string, body?: unknown): Promise<Json>;
  /** Calls the API as the first admin and returns the answer, whatever its status. */
  call: ApiCall;
  /** Saves the whole page as test-results/console/<name>-<shot>.png. */
  shot(shot: string): Promise<Buffer>;
  /** Opens the console at `hash` (`/p/<project>/clusters`). */
  open(hash: string): Promise<void>;
}

export function consoleSuite(options: ConsoleSuiteOptions): ConsoleSuite {
  const project = uniqueName(options.name);
  const p = `/projects/${project}`;
  const dataDir = mkdtempSync(join(tmpdir(), `lifeboat-console-${options.name}-`));
  const prefixes = new Map(
    (options.locations ?? ['minio']).map((location) => [location, uniqueName(`console-${location}`)]),
  );
  const clusterIndex = options.clusters ?? { prod: 0 };
  let env: TestbedEnv | undefined;
  let server: RunningServer | undefined;
  let opened: { browser: Browser; page: Page } | undefined;
  const made = <T>(value: T | undefined, what: string): T =>
    value ?? assert.fail(`the console suite's ${what} is read before its \`before\` made it`);
  const theServer = () => made(server, 'server');
  const call = apiCaller(theServer);
  const api = okApiCaller(theServer);

  before(async () => {
    env = await useTestbed();
    server = await startConsoleServer(dataDir, { webDirFromEnv: true });
    await api('POST', '/projects', { name: project });
    for (const [location, prefix] of prefixes)
      await api('POST', `${p}/locations`, minioLocationBody(env, location, prefix));
    for (const [name, index] of Object.entries(clusterIndex))
      await registerCluster(
        call,
        project,
        name,
        env.clusters[index] ?? assert.fail(`no test-bed cluster ${index}`),
      );
    opened = await openConsole(env, server, { width: options.width ?? 1440 });
  });
  after(async () => {
    await opened?.browser.close();
    await server?.close(5000);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const page = () => made(opened, 'page').page;
  const shots = screenshots(page, `${options.name}-`);
  return {
    get env() {
      return made(env, 'test bed');
    },
    get server() {
      return theServer();
    },
    get browser() {
      return made(opened, 'browser').browser;
    },
    get page() {
      return page();
    },
    project,
    p,
    cluster: (name) => {
      const index = clusterIndex[name] ?? assert.fail(`cluster ${name} is not one of the suite's`);
      return made(env, 'test bed').clusters[index] ?? assert.fail(`no test-bed cluster ${index}`);
    },
    prefix: (location) =>
      prefixes.get(location) ?? assert.fail(`location ${location} is not one of the suite's`),
    api,
    call,
    shot: (shot) => shots(shot),
    open: async (hash) => {
      await page().goto(`${theServer().url}/#${hash}`);
    },
  };
}
