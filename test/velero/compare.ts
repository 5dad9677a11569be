/**
 * Comparing what one tool restored into the target cluster with the source cluster's objects, field by
 * field, once the fields a server sets or a cluster owns are set aside (as test/restore/restore.test.ts does).
 * Differences are listed by object and field path, so a test can name each one.
 */
import { isRawJson, parseLossless } from '../../src/kube/index.ts';
import { comparable, type KubeJson } from '../../src/restore/sanitize.ts';
import { kubectl } from '../support/kube.ts';
import type { ClusterEnv, TestbedEnv } from '../testbed/index.ts';

/** A resource compared: its kubectl name and its group-resource as a backup names it. */
export interface ComparedKind {
  resource: string;
  groupResource: string;
}

/** The kinds of the interop fixture, namespaced. */
export const namespacedKinds: readonly ComparedKind[] = [
  { resource: 'configmaps', groupResource: 'configmaps' },
  { resource: 'secrets', groupResource: 'secrets' },
  { resource: 'serviceaccounts', groupResource: 'serviceaccounts' },
  { resource: 'roles.rbac.authorization.k8s.io', groupResource: 'roles.rbac.authorization.k8s.io' },
  {
    resource: 'rolebindings.rbac.authorization.k8s.io',
    groupResource: 'rolebindings.rbac.authorization.k8s.io',
  },
  { resource: 'services', groupResource: 'services' },
  { resource: 'deployments.apps', groupResource: 'deployments.apps' },
  { resource: 'statefulsets.apps', groupResource: 'statefulsets.apps' },
  { resource: 'cronjobs.batch', groupResource: 'cronjobs.batch' },
  { resource: 'jobs.batch', groupResource: 'jobs.batch' },
  {
    resource: 'networkpolicies.networking.k8s.io',
    groupResource: 'networkpolicies.networking.k8s.io',
  },
  { resource: 'ingresses.networking.k8s.io', groupResource: 'ingresses.networking.k8s.io' },
  { resource: 'persistentvolumeclaims', groupResource: 'persistentvolumeclaims' },
  { resource: 'widgets.lifeboat-test.example.com', groupResource: 'widgets.lifeboat-test.example.com' },
];

/** Objects every cluster makes for itself, never compared (the target's own differ by design). */
const ownedByEachCluster = new Set(['configmaps/kube-root-ca.crt', 'serviceaccounts/default']);

/** Options of the normal form. */
export interface NormaliseOptions {
  /** Services whose node ports were set explicitly: their ports are compared; others' are the target's. */
  explicitNodePorts?: ReadonlySet<string>;
}

/** What must survive a restore: the object without server-set and cluster-bound fields. */
export function normalised(
  groupResource: string,
  object: KubeJson,
  options: NormaliseOptions = {},
): KubeJson {
  const copy = comparable(groupResource, object);
  const spec = copy.spec as Record<string, unknown> | undefined;
  if (groupResource === 'services' && spec && !options.explicitNodePorts?.has(String(copy.metadata.name))) {
    for (const port of (spec.ports as Record<string, unknown>[] | undefined) ?? []) delete port.nodePort;
    delete spec.healthCheckNodePort;
  }
  const annotations = copy.metadata.annotations as Record<string, unknown> | undefined;
  if (annotations) {
    delete annotations['pv.kubernetes.io/bind-completed'];
    if (Object.keys(annotations).length === 0) delete copy.metadata.annotations;
  }
  return copy;
}

/** The field paths where `a` and `b` differ (`spec.ports[0].nodePort: 30080 ≠ 30324`). */
export function fieldDifferences(a: unknown, b: unknown, path = ''): string[] {
  const show = (v: unknown) => (v === undefined ? '(absent)' : JSON.stringify(v));
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !isRawJson(v);
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: string[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++)
      out.push(...fieldDifferences(a[i], b[i], `${path}[${i}]`));
    return out;
  }
  if (isObject(a) && isObject(b) && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((key) => fieldDifferences(a[key], b[key], path ? `${path}.${key}` : key));
  }
  return show(a) === show(b) ? [] : [`${path}: ${show(a)} ≠ ${show(b)}`];
}

async function getList(
  env: TestbedEnv,
  cluster: ClusterEnv,
  resource: string,
  namespace?: string,
): Promise<KubeJson[]> {
  const scope = namespace ? ['--namespace', namespace] : [];
  const text = await kubectl(env, cluster, ['get', resource, ...scope, '-o', 'json']);
  return (parseLossless(text) as { items: KubeJson[] }).items;
}

/** The outcome of comparing a namespace's objects between two clusters. */
export interface Comparison {
  /** `groupResource/name` of each object found in both and compared. */
  compared: string[];
  /** Objects of the source that the target lacks. */
  missing: string[];
  /** Objects of the target that the source lacks (the restore made them). */
  extra: string[];
  /** `groupResource/name field: source ≠ target`, one per differing field. */
  differences: string[];
}

/**
 * Compares the objects of `kinds` in namespace `ns` of `source` with those in `target` (under `targetNs`,
 * the same by default), and the cluster-scoped objects named in `clusterScoped`.
 */
export async function compareClusters(
  env: TestbedEnv,
  source: ClusterEnv,
  target: ClusterEnv,
  ns: string,
  options: NormaliseOptions & {
    clusterScoped?: readonly { resource: string; groupResource: string; name: string }[];
    /** `groupResource/name` of source objects the backup leaves out by design (excluded by label...). */
    leftOut?: ReadonlySet<string>;
  } = {},
): Promise<Comparison> {
  const out: Comparison = { compared: [], missing: [], extra: [], differences: [] };
  const pairs: { key: string; groupResource: string; was?: KubeJson; now?: KubeJson }[] = [];
  for (const kind of namespacedKinds) {
    const [was, now] = await Promise.all([
      getList(env, source, kind.resource, ns),
      getList(env, target, kind.resource, ns),
    ]);
    const names = new Set([...was, ...now].map((o) => String(o.metadata.name)));
    for (const name of names) {
      const key = `${kind.groupResource}/${name}`;
      if (ownedByEachCluster.has(key) || options.leftOut?.has(key)) continue;
      const item = { key, groupResource: kind.groupResource };
      pairs.push({
        ...item,
        ...withDefined(
          'was',
          was.find((o) => o.metadata.name === name),
        ),
        ...withDefined(
          'now',
          now.find((o) => o.metadata.name === name),
        ),
      });
    }
  }
  const namespaceOf = async (cluster: ClusterEnv) =>
    parseLossless(await kubectl(env, cluster, ['get', 'namespace', ns, '-o', 'json'])) as KubeJson;
  pairs.push({
    key: `namespaces/${ns}`,
    groupResource: 'namespaces',
    was: await namespaceOf(source),
    now: await namespaceOf(target),
  });
  for (const scoped of options.clusterScoped ?? []) {
    const get = async (cluster: ClusterEnv) => {
      const text = await kubectl(env, cluster, [
        'get',
        scoped.resource,
        scoped.name,
        '--ignore-not-found',
        '-o',
        'json',
      ]);
      return text.trim() ? (parseLossless(text) as KubeJson) : undefined;
    };
    pairs.push({
      key: `${scoped.groupResource}/${scoped.name}`,
      groupResource: scoped.groupResource,
      ...withDefined('was', await get(source)),
      ...withDefined('now', await get(target)),
    });
  }
  for (const { key, groupResource, was, now } of pairs) {
    if (!was) {
      out.extra.push(key);
      continue;
    }
    if (!now) {
      out.missing.push(key);
      continue;
    }
    out.compared.push(key);
    const a = normalised(groupResource, was, options);
    const b = normalised(groupResource, now, options);
    out.differences.push(...fieldDifferences(a, b).map((d) => `${key} ${d}`));
  }
  return out;
}

function withDefined<K extends string>(key: K, value: KubeJson | undefined): { [P in K]?: KubeJson } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: KubeJson };
}
