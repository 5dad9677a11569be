/** Helpers tests share to drive a test-bed cluster: kubectl, apply, polling, raw GETs. */
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { HttpKubeClient, type KubeClient, loadConnection } from '../../src/kube/index.ts';
import type { ClusterEnv, TestbedEnv } from '../testbed/index.ts';

const run = promisify(execFile);

/** Runs kubectl against a cluster; `input` goes to stdin. */
export async function kubectl(
  env: TestbedEnv,
  cluster: ClusterEnv,
  args: string[],
  input?: string,
): Promise<string> {
  const child = run(env.kubectl, ['--kubeconfig', cluster.kubeconfig, ...args], { maxBuffer: 256 << 20 });
  if (input !== undefined) child.child.stdin?.end(input);
  return (await child).stdout;
}

/**
 * Creates namespace `ns` and waits for its `default` service account: the API server refuses a pod until
 * the service-account controller has made it, which under load can take a moment after the namespace.
 */
export async function createNamespace(env: TestbedEnv, cluster: ClusterEnv, ns: string): Promise<void> {
  await kubectl(env, cluster, ['create', 'namespace', ns]);
  await eventually(`service account ${ns}/default`, async () =>
    (
      await kubectl(env, cluster, [
        'get',
        'serviceaccount',
        'default',
        '-n',
        ns,
        '--ignore-not-found',
        '-o',
        'name',
      ])
    ).trim()
      ? true
      : undefined,
  );
}

/** Merges `data` into the data of ConfigMap `name` in namespace `ns` (as someone changing it by hand). */
export async function patchConfigMapData(
  env: TestbedEnv,
  cluster: ClusterEnv,
  ns: string,
  name: string,
  data: Record<string, string>,
): Promise<void> {
  await kubectl(env, cluster, [
    '-n',
    ns,
    'patch',
    'configmap',
    name,
    '--type=merge',
    '-p',
    JSON.stringify({ data }),
  ]);
}

/** The value under `key` in the data of ConfigMap `name` in namespace `ns` ('' when it has none). */
export async function configMapValue(
  env: TestbedEnv,
  cluster: ClusterEnv,
  ns: string,
  name: string,
  key: string,
): Promise<string> {
  // A dot in the key is escaped in a JSONPath (a.conf is {.data.a\.conf}).
  const path = key.replaceAll('.', '\\.');
  return kubectl(env, cluster, ['get', 'configmap', name, '-n', ns, '-o', `jsonpath={.data.${path}}`]);
}

/** Applies objects with server-side apply (handles large objects, unlike client-side apply's annotation). */
export async function apply(env: TestbedEnv, cluster: ClusterEnv, objects: readonly object[]): Promise<void> {
  const list = { apiVersion: 'v1', kind: 'List', items: objects };
  await kubectl(
    env,
    cluster,
    ['apply', '--server-side', '--force-conflicts', '-f', '-'],
    JSON.stringify(list),
  );
}

/** Polls `probe` until it returns a value other than undefined. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
}

/** A Lifeboat kube client for a test-bed cluster. Close it when done. */
export async function kubeClient(cluster: ClusterEnv): Promise<KubeClient> {
  return new HttpKubeClient(await loadConnection({ file: cluster.kubeconfig }));
}

/** A name unique to this run, for namespaces and backups. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e4).toString(36)}`;
}
