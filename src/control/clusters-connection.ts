/**
 * Connecting to a cluster from a kubeconfig: the stored one (sealed in the vault) or one a user just gave, once
 * the network policy allows its API server's address.
 */
import type { ClusterRecord } from '../db/index.ts';
import { HttpKubeClient, type KubeClient, KubeconfigError, loadConnection } from '../kube/index.ts';
import type { ControlContext } from './context.ts';
import { InputError } from './errors.ts';
import { checkTarget } from './network-policy.ts';

/** The vault context a cluster's kubeconfig is sealed under (binds the secret to this cluster). */
export const kubeconfigSecretContext = (id: string) => `cluster:${id}`;

const apiServer = (server: string) => `the kubeconfig's API server ${server}`;

export interface ClientOptions {
  maxInFlight?: number;
  timeoutMs?: number;
  maxAttempts?: number;
}

/**
 * Opens a Kubernetes client from kubeconfig text, once the network policy allows its API server's address
 * (throws `TargetRefusedError` otherwise). Only self-contained kubeconfigs are read: no files, no programs.
 */
export async function openKubeconfig(
  ctx: ControlContext,
  text: string,
  context: string | null | undefined,
  options: ClientOptions = {},
): Promise<KubeClient> {
  const connection = await loadConnection(
    context ? { text, context, inlineOnly: true } : { text, inlineOnly: true },
  );
  await checkTarget(ctx.networkPolicy, 'cluster', connection.server, apiServer(connection.server));
  return new HttpKubeClient(connection, { maxInFlight: options.maxInFlight ?? 8, ...options });
}

/**
 * Opens a Kubernetes client for a registered cluster, once the network policy allows its API server's
 * address (throws `TargetRefusedError` otherwise).
 */
export async function openClusterClient(
  ctx: ControlContext,
  cluster: ClusterRecord,
  options: ClientOptions = {},
): Promise<KubeClient> {
  const text = ctx.vault.open(cluster.kubeconfigSecret, kubeconfigSecretContext(cluster.id));
  return openKubeconfig(ctx, text, cluster.context, options);
}

/** The stored kubeconfig of a cluster, in the clear (for checking a new context of it). */
export function storedKubeconfig(ctx: ControlContext, cluster: ClusterRecord): string {
  return ctx.vault.open(cluster.kubeconfigSecret, kubeconfigSecretContext(cluster.id));
}

/**
 * Reads a kubeconfig a user gave and checks its API server's address is allowed; answers the server URL.
 * A kubeconfig that cannot be used is an `InputError` on the `kubeconfig` field.
 */
export async function checkKubeconfig(
  ctx: ControlContext,
  kubeconfig: string,
  context: string | undefined,
): Promise<string> {
  try {
    const connection = await loadConnection(
      context ? { text: kubeconfig, context, inlineOnly: true } : { text: kubeconfig, inlineOnly: true },
    );
    await checkTarget(ctx.networkPolicy, 'cluster', connection.server, apiServer(connection.server));
    return connection.server;
  } catch (error) {
    if (error instanceof KubeconfigError)
      throw new InputError(`the kubeconfig cannot be used: ${error.message}`, [
        { path: 'kubeconfig', message: error.message },
      ]);
    throw error;
  }
}
