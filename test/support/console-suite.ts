/**
 * The set-up most console (browser) tests repeat, in one place: called inside a `describe`, `consoleSuite`
 * registers the `before` that starts a control plane serving the console (LIFEBOAT_WEB_DIR when set, else
 * web/dist), creates a project with its locations on the test bed's MinIO (each under its own new prefix)
 * and its clusters, and opens a Chromium page signed in as the first admin; and the `after` that closes the
 * browser and the server, removes the data folder, deletes the namespaces the test named with
 * `deleteNamespaces` and empties the locations' prefixes. Clean-up that needs the server (deleting backups
 * through the API) is given to `beforeClose`; a test's own `after` runs too, once the suite's has.
 *
 * A test that needs another world says so in its options, each a whole part of the world: `page` (width,
 * time zone, timeout), `server` (job polling, private addresses), `testbed` (one with nodes), and no
 * locations or clusters with `locations: []` and `clusters: {}`.
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
import { type ObjectStore, openObjectStore, parseLocation } from '../../src/storage/index.ts';
import type { ClusterEnv, TestbedEnv } from '../testbed/index.ts';
import { minioCredentials, minioLocationUrl, useTestbed } from '../testbed/index.ts';
import {
  type ApiCall,
  apiCaller,
  type ConsolePageOptions,
  type ConsoleServerOptions,
  type Json,
  okApiCaller,
  openConsole,
  registerCluster,
  screenshots,
  startConsoleServer,
} from './console.ts';
import { minioLocationBody } from './control.ts';
import { kubectl, uniqueName } from './kube.ts';

/** What {@link consoleSuite} makes. */
export interface ConsoleSuiteOptions {
  /** Names the project (`<name>-<unique>`), the data folder and the screenshots (`<name>-*.png`). */
  name: string;
  /** The project's locations on MinIO, by name, each under a new prefix of its own (default `minio`). */
  locations?: readonly string[];
  /** The project's clusters: its name → the test bed's cluster at that index (default `prod` → 0). */
  clusters?: Readonly<Record<string, number>>;
  /**
   * How the page opens: its width (900 high; default 1440, the width the console's look is checked at), its
   * time zone, its actions' timeout.
   */
  page?: ConsolePageOptions;
  /**
   * How the server runs, when not as usual (jobs polled every 200 ms, private addresses allowed); the console
   * is always served from LIFEBOAT_WEB_DIR when that is set.
   */
  server?: Omit<ConsoleServerOptions, 'webDirFromEnv'>;
  /** Where the test bed comes from (default `useTestbed`; `useTestbedWithNodes` for claims and snapshots). */
  testbed?: () => Promise<TestbedEnv>;
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
  /** A store on location `name`'s prefix in MinIO (the caller closes it). */
  store(location: string): ObjectStore;
  /** Calls the API as the first admin; fails the test unless the answer is a success. */
  api(method: string, path: string, body?: unknown): Promise<Json>;
  /** Calls the API as the first admin and returns the answer, whatever its status. */
  call: ApiCall;
  /** Saves the whole page as test-results/console/<name>-<shot>.png. */
  shot(shot: string): Promise<Buffer>;
  /** Opens the console at `hash` (`/p/<project>/clusters`). */
  open(hash: string): Promise<void>;
  /**
   * Registers clean-up that needs the server or the page (deleting backups through the API): it runs in the
   * suite's `after`, in the order given, before the browser and the server close.
   */
  beforeClose(cleanUp: () => Promise<void>): void;
  /** In the suite's `after`, deletes `namespaces` of its cluster `cluster` (not waiting for them to go). */
  deleteNamespaces(cluster: string, ...namespaces: string[]): void;
}

/** Deletes every object of `store`, then closes it. */
async function emptied(store: ObjectStore): Promise<void> {
  try {
    const keys: string[] = [];
    for await (const object of store.list('')) keys.push(object.key);
    await store.delete(keys);
  } finally {
    await store.close();
  }
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
  const theCluster = (name: string): ClusterEnv => {
    const index = clusterIndex[name] ?? assert.fail(`cluster ${name} is not one of the suite's`);
    return made(env, 'test bed').clusters[index] ?? assert.fail(`no test-bed cluster ${index}`);
  };
  const thePrefix = (location: string): string =>
    prefixes.get(location) ?? assert.fail(`location ${location} is not one of the suite's`);
  const theStore = (location: string): ObjectStore => {
    const bed = made(env, 'test bed');
    return openObjectStore(parseLocation(minioLocationUrl(bed, thePrefix(location))), {
      s3Credentials: minioCredentials(bed),
    });
  };
  const cleanUps: (() => Promise<void>)[] = [];
  const namespaces: { cluster: string; namespace: string }[] = [];

  before(async () => {
    env = await (options.testbed ?? useTestbed)();
    server = await startConsoleServer(dataDir, { ...options.server, webDirFromEnv: true });
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
    opened = await openConsole(env, server, { width: 1440, ...options.page });
  });
  after(async () => {
    try {
      if (server) for (const cleanUp of cleanUps) await cleanUp();
    } finally {
      await opened?.browser.close();
      await server?.close(5000);
      rmSync(dataDir, { recursive: true, force: true });
      if (env)
        for (const { cluster, namespace } of namespaces)
          await kubectl(env, theCluster(cluster), [
            'delete',
            'namespace',
            namespace,
            '--ignore-not-found',
            '--wait=false',
          ]);
      if (env) for (const location of prefixes.keys()) await emptied(theStore(location));
    }
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
    cluster: theCluster,
    prefix: thePrefix,
    store: theStore,
    api,
    call,
    shot: (shot) => shots(shot),
    open: async (hash) => {
      await page().goto(`${theServer().url}/#${hash}`);
    },
    beforeClose: (cleanUp) => {
      cleanUps.push(cleanUp);
    },
    deleteNamespaces: (cluster, ...names) => {
      if (!(cluster in clusterIndex)) assert.fail(`cluster ${cluster} is not one of the suite's`);
      for (const namespace of names) namespaces.push({ cluster, namespace });
    },
  };
}
