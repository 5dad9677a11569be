/**
 * Fills a cluster with N objects for benchmarks: ConfigMaps and Secrets of about 1 KiB and Deployments,
 * spread over 100 namespaces, created through the API with many requests in flight (not timed).
 */
import { type ApiResource, type KubeClient, listPages, mapLimit } from '../src/kube/index.ts';

const payload = 'x'.repeat(1000);

async function create(kube: KubeClient, path: string, body: object): Promise<void> {
  try {
    await kube.request({ method: 'POST', path, body: JSON.stringify(body) });
  } catch (error) {
    if ((error as { status?: number }).status !== 409) throw error; // already there from an earlier run
  }
}

/** One object of a fill: where it is posted and its body. */
export interface BenchObject {
  /** The collection path it is created under (`/api/v1/namespaces/<ns>/configmaps`). */
  path: string;
  body: { metadata: { name: string; labels?: Record<string, string> }; [field: string]: unknown };
}

/**
 * The objects of a fill of `objects` objects spread over `namespaces` in turn: half ConfigMaps and four
 * tenths Secrets of about 1 KiB, one tenth Deployments of 0 replicas.
 */
export function benchObjects(objects: number, namespaces: readonly string[]): BenchObject[] {
  const jobs: BenchObject[] = [];
  for (let i = 0; i < objects; i++) {
    const ns = namespaces[i % namespaces.length] as string;
    const name = `obj-${i}`;
    const kind = i % 10;
    if (kind < 5) {
      jobs.push({
        path: `/api/v1/namespaces/${ns}/configmaps`,
        body: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name, labels: { bench: 'true' } },
          data: { payload },
        },
      });
    } else if (kind < 9) {
      jobs.push({
        path: `/api/v1/namespaces/${ns}/secrets`,
        body: {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name },
          type: 'Opaque',
          stringData: { payload },
        },
      });
    } else {
      jobs.push({
        path: `/apis/apps/v1/namespaces/${ns}/deployments`,
        body: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name },
          spec: {
            replicas: 0,
            selector: { matchLabels: { app: name } },
            template: {
              metadata: { labels: { app: name } },
              spec: { containers: [{ name: 'app', image: 'registry.example.com/app:1' }] },
            },
          },
        },
      });
    }
  }
  return jobs;
}

/**
 * Creates `objects` objects under namespaces `<prefix>-000`… (100 of them, or `options.namespaces`) and
 * returns the namespace names.
 */
export async function fillCluster(
  kube: KubeClient,
  objects: number,
  prefix: string,
  log: (line: string) => void,
  options: { namespaces?: number } = {},
): Promise<string[]> {
  const namespaceCount = options.namespaces ?? 100;
  const namespaces = Array.from(
    { length: namespaceCount },
    (_, i) => `${prefix}-${String(i).padStart(3, '0')}`,
  );
  await mapLimit(namespaces, 16, (ns) =>
    create(kube, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
  );
  const jobs = benchObjects(objects, namespaces);
  // A cluster filled by an earlier run keeps its objects: create only the missing ones.
  const existing = new Set<string>();
  const types: [string, ApiResource][] = [
    [
      'configmaps',
      {
        group: '',
        version: 'v1',
        resource: 'configmaps',
        kind: 'ConfigMap',
        singular: '',
        shortNames: [],
        namespaced: true,
        verbs: [],
      },
    ],
    [
      'secrets',
      {
        group: '',
        version: 'v1',
        resource: 'secrets',
        kind: 'Secret',
        singular: '',
        shortNames: [],
        namespaced: true,
        verbs: [],
      },
    ],
    [
      'deployments',
      {
        group: 'apps',
        version: 'v1',
        resource: 'deployments',
        kind: 'Deployment',
        singular: '',
        shortNames: [],
        namespaced: true,
        verbs: [],
      },
    ],
  ];
  for (const [plural, type] of types) {
    for await (const page of listPages(kube, type)) {
      for (const item of page.items) {
        const meta = item.object.metadata;
        existing.add(`/${meta.namespace}/${plural}/${meta.name}`);
      }
    }
  }
  const missing = jobs.filter((job) => {
    const name = job.body.metadata.name;
    const [, ns, plural] = /namespaces\/([^/]+)\/(\w+)$/.exec(job.path) ?? [];
    return !existing.has(`/${ns}/${plural}/${name}`);
  });
  if (missing.length < jobs.length) log(`  ${jobs.length - missing.length} of the objects exist already`);
  const started = Date.now();
  let done = 0;
  await mapLimit(missing, 32, async (job) => {
    await create(kube, job.path, job.body);
    if (++done % 5000 === 0) log(`  created ${done}/${missing.length} objects`);
  });
  log(`  created ${missing.length} objects in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return namespaces;
}

/**
 * Waits until the cluster's controllers have digested a fill (a ReplicaSet per Deployment): restoring or
 * backing up meanwhile would time their work, not ours.
 */
export async function waitForSettled(kube: KubeClient, print: (line: string) => void): Promise<void> {
  const settleStart = Date.now();
  const count = async (path: string) => {
    const body = (await kube.request({ method: 'GET', path, query: { limit: '1' } })).body.toString();
    const list = JSON.parse(body) as { items: unknown[]; metadata?: { remainingItemCount?: number } };
    return list.items.length + (list.metadata?.remainingItemCount ?? 0);
  };
  for (;;) {
    const [deployments, replicaSets] = await Promise.all([
      count('/apis/apps/v1/deployments'),
      count('/apis/apps/v1/replicasets'),
    ]);
    if (replicaSets >= deployments || Date.now() - settleStart > 300_000) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  print(`  source cluster settled after ${((Date.now() - settleStart) / 1000).toFixed(0)} s`);
}
