/** The target cluster as a restore sees it: which types it serves, and the paths to create objects at. */
import { type ApiResource, discoverResources, type KubeClient } from '../kube/index.ts';

export class TargetApi {
  private byKey = new Map<string, ApiResource>();
  private readonly kube: KubeClient;

  constructor(kube: KubeClient) {
    this.kube = kube;
  }

  /** (Re)reads discovery: every served version of every resource. */
  async refresh(): Promise<void> {
    const resources = await discoverAllVersions(this.kube);
    this.byKey = new Map(resources.map((r) => [`${r.group}/${r.version}/${r.resource}`, r]));
  }

  /** The served resource for an object's apiVersion and group-resource, if the target serves it. */
  resolve(apiVersion: string, groupResource: string): ApiResource | undefined {
    const [group, version] = apiVersion.includes('/')
      ? (apiVersion.split('/') as [string, string])
      : ['', apiVersion];
    const resource = groupResource.split('.')[0] ?? '';
    return this.byKey.get(`${group}/${version}/${resource}`);
  }
}

/** Discovery of preferred versions plus, for each group, the other served versions (legacy per-version lists). */
async function discoverAllVersions(kube: KubeClient): Promise<ApiResource[]> {
  // Aggregated discovery already lists every served version of every group; keep all of them.
  const accept =
    'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';
  try {
    const [core, groups] = await Promise.all([
      kube.request({ method: 'GET', path: '/api', accept }),
      kube.request({ method: 'GET', path: '/apis', accept }),
    ]);
    type List = {
      kind?: string;
      items?: {
        metadata?: { name?: string };
        versions?: {
          version: string;
          resources?: {
            resource: string;
            responseKind?: { kind?: string };
            scope?: string;
            verbs?: string[];
          }[];
        }[];
      }[];
    };
    const out: ApiResource[] = [];
    for (const [body, isCore] of [
      [core.body, true],
      [groups.body, false],
    ] as const) {
      const list = JSON.parse(body.toString('utf8')) as List;
      if (list.kind !== 'APIGroupDiscoveryList') throw new Error('no aggregated discovery');
      for (const group of list.items ?? []) {
        for (const version of group.versions ?? []) {
          for (const r of version.resources ?? []) {
            out.push({
              group: isCore ? '' : (group.metadata?.name ?? ''),
              version: version.version,
              resource: r.resource,
              kind: r.responseKind?.kind ?? '',
              singular: '',
              shortNames: [],
              namespaced: r.scope === 'Namespaced',
              verbs: r.verbs ?? [],
            });
          }
        }
      }
    }
    return out;
  } catch {
    return discoverResources(kube);
  }
}
