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
