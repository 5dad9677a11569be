/**
 * Discovery: every resource the server offers, at its group's preferred version. Uses aggregated discovery
 * (one request for all groups, Kubernetes 1.30+) and falls back to per-group requests on older servers.
 */
import type { KubeClient } from './client.ts';

/** One resource type as the server serves it. */
export interface ApiResource {
  /** API group; `''` for the core group. */
  group: string;
  version: string;
  /** Plural resource name, for example `deployments`. */
  resource: string;
  kind: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
  verbs: string[];
}

/** `group/version`, or `version` for the core group. */
export function apiVersionOf(resource: Pick<ApiResource, 'group' | 'version'>): string {
  return resource.group ? `${resource.group}/${resource.version}` : resource.version;
}

/** `resource.group`, or `resource` for the core group — the name Velero and kubectl use. */
export function qualifiedName(resource: Pick<ApiResource, 'group' | 'resource'>): string {
  return resource.group ? `${resource.resource}.${resource.group}` : resource.resource;
}

/** The URL path of a resource's collection, optionally within a namespace. */
export function collectionPath(resource: ApiResource, namespace?: string): string {
  const base = resource.group ? `/apis/${resource.group}/${resource.version}` : `/api/${resource.version}`;
  const ns =
    resource.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${resource.resource}`;
}

const aggregatedAccept =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

interface AggregatedList {
  kind?: string;
  items?: {
    metadata?: { name?: string };
    versions?: {
      version: string;
      resources?: {
        resource: string;
        responseKind?: { kind?: string };
        scope?: string;
        singularResource?: string;
        shortNames?: string[];
        verbs?: string[];
      }[];
    }[];
  }[];
}

/**
 * Lists every resource at its group's preferred version (the first one the server lists), or with
 * `allVersions` at every version the server serves (what a restore needs to create objects at the version
 * they were backed up at; servers without aggregated discovery report preferred versions only).
 */
export async function discoverResources(
  client: KubeClient,
  options: { allVersions?: boolean } = {},
): Promise<ApiResource[]> {
  const [core, groups] = await Promise.all([
    client.request({ method: 'GET', path: '/api', accept: aggregatedAccept }),
    client.request({ method: 'GET', path: '/apis', accept: aggregatedAccept }),
  ]);
  const coreList = JSON.parse(core.body.toString()) as AggregatedList;
  const groupList = JSON.parse(groups.body.toString()) as AggregatedList;
  if (coreList.kind === 'APIGroupDiscoveryList' && groupList.kind === 'APIGroupDiscoveryList') {
    const all = options.allVersions === true;
    return [...fromAggregated(coreList, true, all), ...fromAggregated(groupList, false, all)];
  }
  return legacyDiscovery(client, JSON.parse(core.body.toString()), JSON.parse(groups.body.toString()));
}

function fromAggregated(list: AggregatedList, core: boolean, allVersions: boolean): ApiResource[] {
  const out: ApiResource[] = [];
  for (const group of list.items ?? []) {
    const versions = allVersions ? (group.versions ?? []) : (group.versions ?? []).slice(0, 1);
    for (const served of versions) {
      for (const r of served.resources ?? []) {
        out.push({
          group: core ? '' : (group.metadata?.name ?? ''),
          version: served.version,
          resource: r.resource,
          kind: r.responseKind?.kind ?? '',
          singular: r.singularResource ?? '',
          shortNames: r.shortNames ?? [],
          namespaced: r.scope === 'Namespaced',
          verbs: r.verbs ?? [],
        });
      }
    }
  }
  return out;
}

interface LegacyResourceList {
  resources?: {
    name: string;
    kind: string;
    namespaced: boolean;
    singularName?: string;
    shortNames?: string[];
    verbs?: string[];
  }[];
}

async function legacyDiscovery(
  client: KubeClient,
  core: { versions?: string[] },
  groups: { groups?: { name: string; preferredVersion?: { version: string } }[] },
): Promise<ApiResource[]> {
  const targets: { group: string; version: string; path: string }[] = [];
  const coreVersion = core.versions?.[0] ?? 'v1';
  targets.push({ group: '', version: coreVersion, path: `/api/${coreVersion}` });
  for (const group of groups.groups ?? []) {
    const version = group.preferredVersion?.version;
    if (version) targets.push({ group: group.name, version, path: `/apis/${group.name}/${version}` });
  }
  const lists = await Promise.all(
    targets.map(async (t) => {
      const response = await client.request({ method: 'GET', path: t.path });
      return { ...t, list: JSON.parse(response.body.toString()) as LegacyResourceList };
    }),
  );
  return lists.flatMap(({ group, version, list }) =>
    (list.resources ?? [])
      .filter((r) => !r.name.includes('/'))
      .map((r) => ({
        group,
        version,
        resource: r.name,
        kind: r.kind,
        singular: r.singularName || r.kind.toLowerCase(),
        shortNames: r.shortNames ?? [],
        namespaced: r.namespaced,
        verbs: r.verbs ?? [],
      })),
  );
}

/**
 * Groups that serve the same objects as another group under a second name. Taking both would back the
 * objects up twice (and restore them twice).
 */
const aliasGroups: Record<string, { resource: string; sameAs: string }> = {
  'events.k8s.io': { resource: 'events', sameAs: '' },
};

/** The resources a backup can take: listable, and restorable (create, get, delete); each taken once. */
export function backupResources(resources: readonly ApiResource[]): ApiResource[] {
  const required = ['list', 'create', 'get', 'delete'];
  const present = new Set(resources.map((r) => `${r.group}/${r.resource}`));
  return resources.filter((r) => {
    if (!required.every((verb) => r.verbs.includes(verb))) return false;
    const alias = aliasGroups[r.group];
    return !(alias && alias.resource === r.resource && present.has(`${alias.sameAs}/${r.resource}`));
  });
}
