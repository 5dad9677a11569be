/**
 * What a cluster's API server answered, said in Lifeboat's words. A kubeconfig can point anywhere (an
 * internal web page, a metadata service): the body of an answer is never repeated to users or stored, only
 * its status, its size and what was expected; a Kubernetes Status keeps its reason and short message.
 */
import { type KubeApiError, KubeConnectionError, type KubeResponse } from '../kube/index.ts';

/** A content type as a user may be shown it (the header is the server's to choose). */
function contentTypeOf(response: KubeResponse): string {
  return response.contentType.match(/^[\w.+-]{1,40}\/[\w.+-]{1,60}/)?.[0] ?? 'content of no stated type';
}

/** An answer that is not what a Kubernetes API server sends. */
export function notKubernetes(server: string, request: string, response: KubeResponse, expected: string) {
  return new KubeConnectionError(
    server,
    `the API server at ${server} answered ${request} with HTTP ${response.status} and ${response.body.length} bytes of ${contentTypeOf(response)}, not ${expected}: check that the kubeconfig's server URL is the cluster's API server`,
    { retryable: false },
  );
}

/** The JSON of an answer, or `notKubernetes` when it is not JSON (parse errors quote the body). */
export function kubeJson<T>(server: string, request: string, response: KubeResponse, expected: string): T {
  try {
    const parsed = JSON.parse(response.body.toString('utf8')) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as T;
  } catch {
    // Said below without the body.
  }
  throw notKubernetes(server, request, response, expected);
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);

/** True when the server answered with a Kubernetes Status (not a page from something else). */
export function isStatusAnswer(error: KubeApiError): boolean {
  return (error.details as { kind?: unknown } | undefined)?.kind === 'Status';
}

/** One sentence for an API server's refusal: a Status's reason and message, else its HTTP status only. */
export function explainKubeApiError(error: KubeApiError, server?: string): string {
  const who = server ? `the API server at ${server}` : "the cluster's API server";
  const request = `${error.method} ${error.path.replace(/\?.*$/, '')}`;
  if (isStatusAnswer(error)) {
    const message = error.message.replace(/^[A-Z]+ \S+: \d+ \w+: /, '');
    return `${who} refused ${request} (${error.status} ${clip(error.reason, 60)}): ${clip(message, 300)}`;
  }
  return `${who} answered ${request} with HTTP ${error.status}, not a Kubernetes Status: check that the kubeconfig's server URL is the cluster's API server`;
}
