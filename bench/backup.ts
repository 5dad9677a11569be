/**
 * `npm run bench -- backup --objects N`: fills a test-bed cluster, then times a full-cluster backup to MinIO
 * (objects/s, wall time, peak RSS of the backup process) against the baseline a user might script instead:
 * `kubectl get <every listable resource> -A -o json`.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { nodeFlags } from '../src/cli/runtime.ts';
import {
  backupResources,
  discoverResources,
  HttpKubeClient,
  loadConnection,
  qualifiedName,
} from '../src/kube/index.ts';
import { minioLocationUrl, type TestbedEnv } from '../test/testbed/testbed.ts';
import { fillCluster } from './cluster-fill.ts';

const run = promisify(execFile);

export async function benchBackup(
  env: TestbedEnv,
  objects: number,
  print: (line: string) => void,
): Promise<void> {
  const cluster = env.clusters[0];
  if (!cluster) throw new Error('the test bed has no cluster');
  const kube = new HttpKubeClient(await loadConnection({ file: cluster.kubeconfig }), { maxInFlight: 32 });
  print(
    `backup benchmark: ${objects} objects (ConfigMaps and Secrets of ~1 KiB, Deployments) in 100 namespaces`,
  );
  await fillCluster(kube, objects, 'bench', print);
  const resources = backupResources(await discoverResources(kube));
  await kube.close();

  // Baseline: one kubectl call listing every listable resource type across all namespaces.
  const kinds = resources.map(qualifiedName).join(',');
  const kubectlStart = performance.now();
  const { stdout } = await run(
    env.kubectl,
    ['--kubeconfig', cluster.kubeconfig, 'get', kinds, '-A', '-o', 'json'],
    {
      maxBuffer: 2 ** 32,
    },
  );
  const kubectlSeconds = (performance.now() - kubectlStart) / 1000;
  const kubectlItems = (JSON.parse(stdout) as { items: unknown[] }).items.length;

  const location = minioLocationUrl(env, 'bench');
  const name = `bench-${Date.now()}`;
  const child = await run(
    process.execPath,
    [...nodeFlags, 'bench/backup-once.ts', cluster.kubeconfig, location, name],
    {
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: env.s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: env.s3.secretAccessKey,
      },
      maxBuffer: 64 << 20,
    },
  );
  const result = JSON.parse(child.stdout) as {
    phase: string;
    items: number;
    bytes: number;
    seconds: number;
    peakRssMiB: number;
  };
  print('');
  print(
    `lifeboat backup to MinIO:  ${result.items} objects in ${result.seconds.toFixed(2)} s = ${Math.round(result.items / result.seconds)} objects/s; tarball ${(result.bytes / 1048576).toFixed(1)} MiB; peak RSS ${result.peakRssMiB.toFixed(0)} MiB; phase ${result.phase}`,
  );
  print(
    `kubectl get (all listable resources) -A -o json:  ${kubectlItems} objects in ${kubectlSeconds.toFixed(2)} s = ${Math.round(kubectlItems / kubectlSeconds)} objects/s`,
  );
  print(
    `ratio: lifeboat is ${(kubectlSeconds / result.seconds).toFixed(2)}x the speed of the kubectl baseline (which writes nothing to storage)`,
  );
}
