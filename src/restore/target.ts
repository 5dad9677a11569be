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
    const resources = await discoverResources(this.kube, { allVersions: true });
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
