/**
 * Turns a kubeconfig (and optional context) into what an HTTP client needs: the server URL, TLS material
 * and auth headers. @kubernetes/client-node does the reading, so every auth method it knows (client
 * certificates, tokens, exec plugins, OIDC) works here too.
 */
import type { RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeconfigError } from './errors.ts';

/** How to reach and authenticate to one cluster. */
export interface KubeConnection {
  /** The API server URL without a trailing slash. */
  server: string;
  /** The context this connection was made from. */
  context: string;
  tls: {
    ca?: string | Buffer;
    cert?: string | Buffer;
    key?: string | Buffer;
    rejectUnauthorized: boolean;
    servername?: string;
  };
  /** Returns the auth headers to send now (exec-plugin tokens are refreshed by client-node as they expire). */
  authHeaders(): Promise<Record<string, string>>;
}

/** Where the kubeconfig comes from: a file, or its text (as the control plane stores it). */
export type KubeconfigSource = { file: string; context?: string } | { text: string; context?: string };

/** Loads a kubeconfig and returns a connection for its (or the given) context. */
export async function loadConnection(source: KubeconfigSource): Promise<KubeConnection> {
  // Loaded on first use: the library takes most of a second to import, which commands that never
  // talk to a cluster (help, list, describe) should not pay.
  const { KubeConfig: KubeConfigClass } = await import('@kubernetes/client-node');
  const config: KubeConfig = new KubeConfigClass();
  try {
    if ('file' in source) config.loadFromFile(source.file);
    else config.loadFromString(source.text);
  } catch (error) {
    const where = 'file' in source ? source.file : 'the kubeconfig given';
    throw new KubeconfigError(`cannot read ${where}: ${(error as Error).message}`, { cause: error });
  }
  if (source.context !== undefined) {
    if (!config.getContextObject(source.context)) {
      const known = config.getContexts().map((c) => c.name);
      throw new KubeconfigError(
        `context "${source.context}" is not in the kubeconfig (it has: ${known.join(', ') || 'none'})`,
      );
    }
    config.setCurrentContext(source.context);
  }
  const cluster = config.getCurrentCluster();
  if (!cluster) {
    throw new KubeconfigError(
      'the kubeconfig has no current context with a cluster: pass --context or set current-context',
    );
  }
  const options: RequestOptions = {};
  await config.applyToHTTPSOptions(options);
  const tls: KubeConnection['tls'] = { rejectUnauthorized: !cluster.skipTLSVerify };
  if (options.ca) tls.ca = options.ca as string | Buffer;
  if (options.cert) tls.cert = options.cert as string | Buffer;
  if (options.key) tls.key = options.key as string | Buffer;
  if (cluster.tlsServerName) tls.servername = cluster.tlsServerName;
  return {
    server: cluster.server.replace(/\/+$/, ''),
    context: config.getCurrentContext(),
    tls,
    async authHeaders() {
      const fresh: RequestOptions = {};
      await config.applyToHTTPSOptions(fresh);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(fresh.headers ?? {})) {
        if (typeof value === 'string') headers[name.toLowerCase()] = value;
      }
      return headers;
    },
  };
}
