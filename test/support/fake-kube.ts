/**
 * The answers of a fake cluster (a test's own `KubeClient`, where a real one cannot run): a JSON body, and
 * the NotFound the API server gives for what the fake does not serve.
 */
import { KubeApiError, type KubeRequest, type KubeResponse } from '../../src/kube/index.ts';

/** `value` as a JSON response (200 unless `status` says otherwise). */
export function jsonAnswer(value: unknown, status = 200): KubeResponse {
  return { status, body: Buffer.from(JSON.stringify(value)), contentType: 'application/json' };
}

/** The 404 for a request the fake does not serve, as the API server's would read. */
export function notFound(request: KubeRequest): KubeApiError {
  return new KubeApiError({
    status: 404,
    reason: 'NotFound',
    message: 'not found',
    method: request.method,
    path: request.path,
  });
}

/**
 * Aggregated discovery of a cluster that serves core v1 namespaces and ConfigMaps only: the answer for
 * `/api` and `/apis`, undefined for any other path (the fake's own to answer).
 */
export function namespacesAndConfigMapsDiscovery(path: string): KubeResponse | undefined {
  if (path === '/apis') return jsonAnswer({ kind: 'APIGroupDiscoveryList', items: [] });
  if (path !== '/api') return undefined;
  return jsonAnswer({
    kind: 'APIGroupDiscoveryList',
    items: [
      {
        metadata: { name: '' },
        versions: [
          {
            version: 'v1',
            resources: [
              { resource: 'namespaces', responseKind: { kind: 'Namespace' }, scope: 'Cluster' },
              { resource: 'configmaps', responseKind: { kind: 'ConfigMap' }, scope: 'Namespaced' },
            ],
          },
        ],
      },
    ],
  });
}
