/**
 * Turns a kubeconfig (and optional context) into what an HTTP client needs: the server URL, TLS material
 * and auth headers.
 *
 * Client certificates, bearer tokens (inline or from a file) and basic auth are read here directly. Users
 * with an `exec` plugin or an `auth-provider` go through @kubernetes/client-node, which knows every such
 * scheme; it is loaded only then, because importing it costs about 84 MiB of memory and most of a second —
 * too much for an engine whose memory budget is a few hundred MiB at 100,000 objects.
 */
import { readFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
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
  /** Returns the auth headers to send now (exec-plugin tokens are refreshed as they expire). */
  authHeaders(): Promise<Record<string, string>>;
}

/** Where the kubeconfig comes from: a file, or its text (as the control plane stores it). */
export type KubeconfigSource =
  | { file: string; context?: string }
  | {
      text: string;
      context?: string;
      /**
       * Refuse what would make this process run a program or read its own files on the kubeconfig's behalf
       * (exec plugins, auth providers, file paths): a server holding other people's kubeconfigs sets it.
       */
      inlineOnly?: boolean;
    };

interface NamedEntry<T> {
  name: string;
  [key: string]: unknown;
  value?: T;
}

interface ClusterFields {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
}

interface UserFields {
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  exec?: unknown;
  'auth-provider'?: unknown;
}

interface KubeconfigDocument {
  clusters?: (NamedEntry<ClusterFields> & { cluster?: ClusterFields })[];
  users?: (NamedEntry<UserFields> & { user?: UserFields })[];
  contexts?: (NamedEntry<unknown> & { context?: { cluster?: string; user?: string } })[];
  'current-context'?: string;
}

function refuseNonInline(contextName: string, cluster: ClusterFields, user: UserFields): void {
  const found = [
    user.exec ? 'an exec credential plugin (a program run on the server)' : '',
    user['auth-provider'] ? 'an auth-provider' : '',
    cluster['certificate-authority'] ? 'certificate-authority (a file path)' : '',
    user['client-certificate'] ? 'client-certificate (a file path)' : '',
    user['client-key'] ? 'client-key (a file path)' : '',
    user.tokenFile ? 'tokenFile (a file path)' : '',
  ].filter(Boolean);
  if (found.length > 0)
    throw new KubeconfigError(
      `context "${contextName}" uses ${found.join(', ')}: the server accepts only self-contained kubeconfigs — embed certificates and keys as *-data fields and use a token or client certificate (for example a service account token: kubectl create token, or a long-lived token Secret)`,
    );
}

/** Loads a kubeconfig and returns a connection for its (or the given) context. */
export async function loadConnection(source: KubeconfigSource): Promise<KubeConnection> {
  const where = 'file' in source ? source.file : 'the kubeconfig given';
  let text: string;
  let doc: KubeconfigDocument;
  try {
    text = 'file' in source ? readFileSync(source.file, 'utf8') : source.text;
    doc = (parseYaml(text) ?? {}) as KubeconfigDocument;
  } catch (error) {
    throw new KubeconfigError(`cannot read ${where}: ${(error as Error).message}`, { cause: error });
  }
  const baseDir = 'file' in source ? dirname(resolve(source.file)) : process.cwd();
  const contexts = doc.contexts ?? [];
  const contextName = source.context ?? doc['current-context'];
  if (!doc.clusters?.length && !contexts.length)
    throw new KubeconfigError(
      `${where} is not a kubeconfig: it has no clusters and no contexts (give the whole file kubectl uses, such as ~/.kube/config)`,
    );
  if (!contextName)
    throw new KubeconfigError(
      `${where} has no current-context: name the context to use (--context, or the Context field)`,
    );
  const context = contexts.find((c) => c.name === contextName);
  if (!context) {
    throw new KubeconfigError(
      `context "${contextName}" is not in ${where} (it has: ${contexts.map((c) => c.name).join(', ') || 'none'})`,
    );
  }
  const cluster = doc.clusters?.find((c) => c.name === context.context?.cluster)?.cluster;
  if (!cluster?.server) {
    throw new KubeconfigError(`context "${contextName}" in ${where} names no cluster with a server URL`);
  }
  const user = doc.users?.find((u) => u.name === context.context?.user)?.user ?? {};
  if ('inlineOnly' in source && source.inlineOnly) refuseNonInline(contextName, cluster, user);
  if (user.exec || user['auth-provider']) return viaClientNode(text, contextName, where);

  const file = (path: string) => readFileSync(isAbsolute(path) ? path : resolve(baseDir, path));
  const b64 = (data: string) => Buffer.from(data, 'base64');
  const material = (data: string | undefined, path: string | undefined, what: string): Buffer | undefined => {
    try {
      if (data) return b64(data);
      if (path) return file(path);
    } catch (error) {
      throw new KubeconfigError(
        `cannot read the ${what} of context "${contextName}": ${(error as Error).message}`,
      );
    }
    return undefined;
  };
  const tls: KubeConnection['tls'] = { rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true };
  const ca = material(
    cluster['certificate-authority-data'],
    cluster['certificate-authority'],
    'certificate authority',
  );
  const cert = material(user['client-certificate-data'], user['client-certificate'], 'client certificate');
  const key = material(user['client-key-data'], user['client-key'], 'client key');
  if (ca) tls.ca = ca;
  if (cert) tls.cert = cert;
  if (key) tls.key = key;
  if (Boolean(cert) !== Boolean(key)) {
    throw new KubeconfigError(
      `user of context "${contextName}" has a client certificate without a key, or a key without a certificate`,
    );
  }
  if (cluster['tls-server-name']) tls.servername = cluster['tls-server-name'];
  const tokenFile = user.tokenFile;
  return {
    server: cluster.server.replace(/\/+$/, ''),
    context: contextName,
    tls,
    async authHeaders() {
      // A token file is read each time: it is rotated in place (projected service-account tokens).
      const token = tokenFile ? file(tokenFile).toString('utf8').trim() : user.token;
      if (token) return { authorization: `Bearer ${token}` };
      if (user.username !== undefined) {
        return {
          authorization: `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}`,
        };
      }
      return {};
    },
  };
}

async function viaClientNode(text: string, contextName: string, where: string): Promise<KubeConnection> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const config = new KubeConfig();
  try {
    config.loadFromString(text);
    config.setCurrentContext(contextName);
  } catch (error) {
    throw new KubeconfigError(`cannot read ${where}: ${(error as Error).message}`, { cause: error });
  }
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new KubeconfigError(`context "${contextName}" in ${where} names no cluster`);
  const options: RequestOptions = {};
  await config.applyToHTTPSOptions(options);
  const tls: KubeConnection['tls'] = { rejectUnauthorized: !cluster.skipTLSVerify };
  if (options.ca) tls.ca = options.ca as string | Buffer;
  if (options.cert) tls.cert = options.cert as string | Buffer;
  if (options.key) tls.key = options.key as string | Buffer;
  if (cluster.tlsServerName) tls.servername = cluster.tlsServerName;
  return {
    server: cluster.server.replace(/\/+$/, ''),
    context: contextName,
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
