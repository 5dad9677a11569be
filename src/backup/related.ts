/**
 * The cluster-scoped objects a backup of some namespaces takes along in `auto` mode: the PersistentVolume
 * bound to each claim taken and the CustomResourceDefinition of each custom resource type taken.
 */
import type { BackupDescription, Results } from '../archive/index.ts';
import {
  type ApiResource,
  describeError,
  type KubeClient,
  KubeConnectionError,
  type KubeObject,
  listPages,
  qualifiedName,
} from '../kube/index.ts';
import type { RunLog } from './run-log.ts';
import { IncludeExclude, resourceAliases } from './selection.ts';

/** What `takeRelated` reads and where it writes. */
export interface TakeRelatedOptions {
  kube: KubeClient;
  resources: readonly ApiResource[];
  description: BackupDescription;
  /** The types of the objects taken so far. */
  takenTypes: ReadonlySet<ApiResource>;
  /** PersistentVolume name → the claim taken that uses it. */
  claimedVolumes: ReadonlyMap<string, string>;
  results: Results;
  log: RunLog;
  /** Writes an object into the backup; false when it is left out (already taken, excluded). */
  write: (type: ApiResource, parts: readonly Buffer[], object: KubeObject) => Promise<boolean>;
}

/**
 * In `auto` mode for some namespaces: the cluster-scoped objects that what was taken depends on —
 * the PersistentVolume bound to each claim taken, the CustomResourceDefinition of each custom resource
 * type taken. One list of each type, filtered here.
 */
export async function takeRelated(options: TakeRelatedOptions): Promise<void> {
  const { kube, resources, description, takenTypes, claimedVolumes, results, log, write } = options;
  const filter = new IncludeExclude(description.includedResources, description.excludedResources);
  const pvType = resources.find((r) => r.group === '' && r.resource === 'persistentvolumes');
  const crdType = resources.find(
    (r) => r.group === 'apiextensions.k8s.io' && r.resource === 'customresourcedefinitions',
  );
  const customTypes = new Set<string>();
  for (const type of takenTypes)
    if (type.group.includes('.')) customTypes.add(`${type.resource}.${type.group}`);
  const wanted: { type: ApiResource; names: ReadonlyMap<string, string> }[] = [];
  if (pvType && claimedVolumes.size > 0) wanted.push({ type: pvType, names: claimedVolumes });
  if (crdType && customTypes.size > 0) {
    wanted.push({
      type: crdType,
      names: new Map([...customTypes].map((name) => [name, `custom resources ${name}`])),
    });
  }
  for (const { type, names } of wanted) {
    if (!filter.matches(...resourceAliases(type))) continue;
    try {
      for await (const page of listPages(kube, type)) {
        for (const item of page.items) {
          const object = item.object;
          const why = names.get(object.metadata.name);
          if (why && (await write(type, item.parts, object))) {
            log.info('took related cluster-scoped object', {
              resource: qualifiedName(type),
              name: object.metadata.name,
              for: why,
            });
          }
        }
      }
    } catch (error) {
      if (error instanceof KubeConnectionError) throw error;
      const reason = describeError(error);
      results.error(`resource: /${qualifiedName(type)} error: /${reason}`, { cluster: true });
      log.error('could not list related objects', { resource: qualifiedName(type), error: reason });
    }
  }
}
