/** The target cluster as a restore sees it: which types it serves, and the paths to create objects at. */
import { type ApiResource, discoverResources, type KubeClient, qualifiedName } from '../kube/index.ts';

/** What a type is, whatever its version: its kind and whether its objects live in namespaces. */
export interface TypeInfo {
  kind: string;
  namespaced: boolean;
}

export class TargetApi {
  private byKey = new Map<string, ApiResource>();
  private byGroupResource = new Map<string, TypeInfo>();
  private readonly kube: KubeClient;

  constructor(kube: KubeClient) {
    this.kube = kube;
  }

  /** (Re)reads discovery: every served version of every resource. */
  async refresh(): Promise<void> {
    const resources = await discoverResources(this.kube, { allVersions: true });
    this.byKey = new Map(resources.map((r) => [`${r.group}/${r.version}/${r.resource}`, r]));
    this.byGroupResource = new Map(
      resources.map((r) => [qualifiedName(r), { kind: r.kind, namespaced: r.namespaced }]),
    );
  }

  /** The served resource for an object's apiVersion and group-resource, if the target serves it. */
  resolve(apiVersion: string, groupResource: string): ApiResource | undefined {
    const [group, version] = apiVersion.includes('/')
      ? (apiVersion.split('/') as [string, string])
      : ['', apiVersion];
    const resource = groupResource.split('.')[0] ?? '';
    return this.byKey.get(`${group}/${version}/${resource}`);
  }

  /** The kind and scope of a group-resource (`deployments.apps`) the target serves in any version. */
  typeOf(groupResource: string): TypeInfo | undefined {
    return this.byGroupResource.get(groupResource);
  }
}
