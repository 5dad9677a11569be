/** The Kubernetes layer: connections, discovery, paged listing. Objects stay raw JSON. */
export {
  HttpKubeClient,
  type HttpKubeClientOptions,
  type KubeClient,
  type KubeRequest,
  type KubeResponse,
} from './client.ts';
export { mapLimit } from './concurrency.ts';
export { type KubeConnection, type KubeconfigSource, loadConnection } from './connection.ts';
export {
  type ApiResource,
  apiVersionOf,
  backupResources,
  collectionPath,
  discoverResources,
  qualifiedName,
} from './discovery.ts';
export { describeError, KubeApiError, KubeConnectionError, KubeconfigError } from './errors.ts';
export type { ListedMetadata } from './json-items.ts';
export {
  type KubeObject,
  type ListedObject,
  type ListOptions,
  type ListPage,
  listPages,
  type ObjectMeta,
} from './list.ts';
export { changedPaths, isRawJson, jsonEqual, mergePatch, parseLossless } from './lossless-json.ts';
