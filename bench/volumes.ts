/**
 * `npm run bench -- volumes --volumes N` (default 20): N claims on the test bed's CSI storage in cluster a,
 * each written by one pod (1 MiB of random data); a backup with include-disks, timed from its start to every
 * snapshot ready to use and to Completed; then a restore of it under another namespace of the same cluster,
 * timed to every claim Bound. Snapshots, namespaces and backups are removed afterwards.
 */
import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { promisify } from 'node:util';
import { backupKeys, decodeVolumeInfo } from '../src/archive/index.ts';
import { runBackup } from '../src/backup/index.ts';
import { HttpKubeClient, loadConnection } from '../src/kube/index.ts';
import { runRestore } from '../src/restore/index.ts';
import { openObjectStore, parseLocation } from '../src/storage/index.ts';
import { deleteSnapshots, retainedSnapshotsOf } from '../src/volumes/index.ts';
import { minioCredentials, minioLocationUrl, type TestbedEnv } from '../test/testbed/testbed.ts';

const run = promisify(execFile);

export async function benchVolumes(
  env: TestbedEnv,
  volumes: number,
  print: (line: string) => void,
): Promise<void> {
  const cluster = env.clusters[0];
  if (!cluster?.node || !env.images) throw new Error('the volumes benchmark needs a test bed with nodes');
  const kubectl = async (args: string[], input?: string) => {
    const child = run(env.kubectl, ['--kubeconfig', cluster.kubeconfig, ...args], { maxBuffer: 64 << 20 });
    if (input !== undefined) child.child.stdin?.end(input);
    return (await child).stdout;
  };
  const id = Date.now().toString(36);
  const ns = `bench-vol-${id}`;
  const target = `${ns}-r`;
  const kube = new HttpKubeClient(await loadConnection({ file: cluster.kubeconfig }), { maxInFlight: 32 });
  const store = openObjectStore(parseLocation(minioLocationUrl(env, `bench-volumes-${id}`)), {
    s3Credentials: minioCredentials(env),
  });
  const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(2);
  print(`volumes benchmark: ${volumes} claims of 10 MiB on ${cluster.node.csiDriver}, 1 MiB written to each`);
  try {
    await kubectl(['create', 'namespace', ns]);
    const claims = Array.from({ length: volumes }, (_, i) => `data-${i}`);
    const objects = [
      ...claims.map((name) => ({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name, namespace: ns },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Mi' } } },
      })),
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'writer', namespace: ns },
        spec: {
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 0,
          containers: [
            {
              name: 'main',
              image: env.images.busybox,
              command: [
                'sh',
                '-c',
                claims.map((c) => `dd if=/dev/urandom of=/${c}/data bs=1M count=1 2>/dev/null`).join(' && '),
              ],
              volumeMounts: claims.map((c) => ({ name: c, mountPath: `/${c}` })),
            },
          ],
          volumes: claims.map((c) => ({ name: c, persistentVolumeClaim: { claimName: c } })),
        },
      },
    ];
    await kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
    await kubectl([
      'wait',
      '-n',
      ns,
      '--for=jsonpath={.status.phase}=Succeeded',
      '--timeout=300s',
      'pod/writer',
    ]);
    print(`  ${volumes} claims written`);

    const backupName = `bench-vol-${id}`;
    const started = performance.now();
    let snapshotsReady: string | undefined;
    const backup = await runBackup({
      name: backupName,
      kube,
      store,
      includeNamespaces: [ns],
      includeDisks: true,
      onProgress: (progress) => {
        const v = progress.volumes;
        if (v && !snapshotsReady && v.ready + v.failed === v.total) snapshotsReady = seconds(started);
      },
    });
    const backupSeconds = seconds(started);
    const { description } = backup;
    print(
      `  backup ${description.phase}: ${description.volumeSnapshotsCompleted ?? 0}/${volumes} snapshots ready to use after ${snapshotsReady} s, backup completed after ${backupSeconds} s`,
    );

    const restoreStarted = performance.now();
    let lastBound = '';
    const restore = await runRestore({
      name: `${backupName}-r`,
      backupName,
      kube,
      store,
      namespaceMappings: { [ns]: target },
      onVolume: (volume) => {
        if (volume.phase === 'Bound') lastBound = seconds(restoreStarted);
      },
    });
    const bound = restore.volumes.filter((volume) => volume.phase === 'Bound').length;
    print(
      `  restore ${restore.phase}: ${bound}/${volumes} claims Bound after ${lastBound} s, restore done after ${seconds(restoreStarted)} s`,
    );
    print(
      `  load average (1, 5, 15 min): ${loadavg()
        .map((l) => l.toFixed(2))
        .join(', ')}`,
    );

    const info = await decodeVolumeInfo(await store.get(backupKeys(backupName).volumeInfo));
    const deleted = await deleteSnapshots(kube, retainedSnapshotsOf(info));
    const failed = deleted.filter((outcome) => !outcome.ok);
    print(
      `  cleanup: ${deleted.length - failed.length} snapshots deleted${failed.length ? `, ${failed.length} not` : ''}`,
    );
  } finally {
    await kubectl(['delete', 'namespace', ns, target, '--ignore-not-found', '--wait=false']).catch(() => '');
    const keys: string[] = [];
    for await (const object of store.list('')) keys.push(object.key);
    await store.delete(keys).catch(() => {});
    await Promise.all([kube.close(), store.close()]);
  }
}
