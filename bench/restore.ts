/**
 * `npm run bench -- restore --objects N`: fills cluster a (as the backup benchmark does), backs up its bench
 * namespaces to MinIO, then times the restore of that backup into cluster b, where they do not exist:
 * objects/s, wall time, peak RSS. The namespaces restored into cluster b and the backup are removed again
 * (a shared test bed's other namespaces are neither taken nor restored); cluster a keeps its fill for the
 * next run.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { nodeFlags } from '../src/cli/runtime.ts';
import { HttpKubeClient, loadConnection } from '../src/kube/index.ts';
import { openObjectStore, parseLocation } from '../src/storage/index.ts';
import {
  minioCredentials,
  minioLocationUrl,
  type TestbedCluster,
  type TestbedEnv,
} from '../test/testbed/testbed.ts';
import { fillCluster, waitForSettled } from './cluster-fill.ts';

const run = promisify(execFile);

export async function benchRestore(
  env: TestbedEnv,
  objects: number,
  print: (line: string) => void,
): Promise<void> {
  const [source, target] = env.clusters;
  if (!source || !target) throw new Error('the restore benchmark needs a test bed with two clusters');
  const kube = new HttpKubeClient(await loadConnection({ file: source.kubeconfig }), { maxInFlight: 32 });
  print(
    `restore benchmark: ${objects} objects (ConfigMaps and Secrets of ~1 KiB, Deployments) in 100 namespaces`,
  );
  const namespaces = await fillCluster(kube, objects, 'bench', print);
  await waitForSettled(kube, print);
  await kube.close();
  const location = minioLocationUrl(env, 'bench-restore');
  const backupName = `bench-${Date.now()}`;
  try {
    await timeRestore(env, location, namespaces, backupName, print);
  } finally {
    await run(env.kubectl, [
      `--kubeconfig=${target.kubeconfig}`,
      'delete',
      'namespace',
      ...namespaces,
      '--ignore-not-found',
      '--timeout=600s',
    ]);
    const store = openObjectStore(parseLocation(location), { s3Credentials: minioCredentials(env) });
    const keys: string[] = [];
    for (const prefix of [`backups/${backupName}/`, `restores/${backupName}-r/`])
      for await (const object of store.list(prefix)) keys.push(object.key);
    if (keys.length > 0) await store.delete(keys);
    await store.close();
  }
}

async function timeRestore(
  env: TestbedEnv,
  location: string,
  namespaces: string[],
  backupName: string,
  print: (line: string) => void,
): Promise<void> {
  const [source, target] = env.clusters as [TestbedCluster, TestbedCluster];
  const childEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: env.s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: env.s3.secretAccessKey,
  };
  const backup = JSON.parse(
    (
      await run(
        process.execPath,
        [...nodeFlags, 'bench/backup-once.ts', source.kubeconfig, location, backupName, namespaces.join(',')],
        {
          env: childEnv,
          maxBuffer: 64 << 20,
        },
      )
    ).stdout,
  ) as { items: number; seconds: number };
  print(`  backed up ${backup.items} objects in ${backup.seconds.toFixed(2)} s`);
  const child = await run(
    process.execPath,
    [...nodeFlags, 'bench/restore-once.ts', target.kubeconfig, location, backupName, `${backupName}-r`],
    {
      env: childEnv,
      maxBuffer: 64 << 20,
    },
  );
  const result = JSON.parse(child.stdout) as {
    phase: string;
    counts: Record<string, number>;
    total: number;
    seconds: number;
    peakRssMiB: number;
  };
  const written = (result.counts.created ?? 0) + (result.counts.updated ?? 0);
  print('');
  print(
    `lifeboat restore into an empty cluster: ${written} objects created in ${result.seconds.toFixed(2)} s = ${Math.round(written / result.seconds)} objects/s ` +
      `(${result.total} in the backup: ${result.counts.skipped} skipped as recreated by their owners or cluster-made, ${result.counts.unchanged} already there, ${result.counts.exists} differing, ${result.counts.failed} failed); peak RSS ${result.peakRssMiB.toFixed(0)} MiB; phase ${result.phase}`,
  );
}
