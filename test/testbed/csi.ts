/**
 * Real CSI storage per cluster, as host processes beside the node: csi-driver-host-path (volumes are
 * folders under its state dir, snapshots are archives there), the test bed's registrar (kubelet learns the
 * driver's socket from it), external-provisioner, and external-snapshotter's snapshot-controller and
 * csi-snapshotter; plus the snapshot CRDs, a CSIDriver, two StorageClasses and a VolumeSnapshotClass.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { type ProcessRegistry, waitFor } from './processes.ts';

const run = promisify(execFile);
export const csiDriver = 'hostpath.csi.k8s.io';

/** A cluster's storage as env.json describes it. */
export interface StorageEnv {
  csiDriver: string;
  /** StorageClass names; the first is the cluster's default. */
  storageClasses: string[];
  /** The default VolumeSnapshotClass. */
  snapshotClass: string;
  /** The driver's state dir on the host: a volume's files are in `<csiStateDir>/<volume handle>`. */
  csiStateDir: string;
}

/** Class names of cluster `index`: the first cluster's are plain, the others' carry the cluster's name. */
export function storageNames(cluster: string, index: number): Omit<StorageEnv, 'csiDriver' | 'csiStateDir'> {
  const suffix = index === 0 ? '' : `-${cluster}`;
  return { storageClasses: [`fast${suffix}`, `standard${suffix}`], snapshotClass: `snapshots${suffix}` };
}

function storageObjects(names: Omit<StorageEnv, 'csiDriver' | 'csiStateDir'>): object {
  const [defaultClass, otherClass] = names.storageClasses as [string, string];
  const storageClass = (name: string, isDefault: boolean) => ({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: {
      name,
      annotations: { 'storageclass.kubernetes.io/is-default-class': String(isDefault) },
    },
    provisioner: csiDriver,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'Immediate',
    allowVolumeExpansion: true,
  });
  return {
    apiVersion: 'v1',
    kind: 'List',
    items: [
      {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'CSIDriver',
        metadata: { name: csiDriver },
        spec: {
          attachRequired: false,
          podInfoOnMount: true,
          volumeLifecycleModes: ['Persistent', 'Ephemeral'],
          fsGroupPolicy: 'File',
        },
      },
      storageClass(defaultClass, true),
      storageClass(otherClass, false),
      {
        apiVersion: 'snapshot.storage.k8s.io/v1',
        kind: 'VolumeSnapshotClass',
        metadata: {
          name: names.snapshotClass,
          annotations: { 'snapshot.storage.kubernetes.io/is-default-class': 'true' },
        },
        driver: csiDriver,
        deletionPolicy: 'Delete',
      },
    ],
  };
}

export interface CsiOptions {
  bin: string;
  dir: string;
  /** The driver's socket: on a short path, as a Unix socket's path is at most 107 bytes. */
  socket: string;
  cluster: string;
  index: number;
  kubeconfig: string;
  nodeName: string;
}

/**
 * Creates the cluster's storage objects and starts the driver and its controllers (which need only the
 * API server). The registrar starts later, with `registerDriver`, once kubelet runs.
 */
export async function startCsi(registry: ProcessRegistry, options: CsiOptions): Promise<StorageEnv> {
  const { bin, dir, cluster, kubeconfig, socket } = options;
  const stateDir = join(dir, 'state');
  await mkdir(stateDir, { recursive: true });
  await mkdir(dirname(socket), { recursive: true, mode: 0o700 });
  const kubectl = (args: string[], input?: string) => {
    const child = run(join(bin, 'kubectl'), [`--kubeconfig=${kubeconfig}`, ...args]);
    if (input !== undefined) child.child.stdin?.end(input);
    return child;
  };
  const names = storageNames(cluster, options.index);
  // kubectl reads a folder given by a symbolic link as a file: name the folder itself.
  await kubectl(['apply', '--server-side', '-f', await realpath(join(bin, 'snapshot-crds'))]);
  await kubectl([
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    'crd/volumesnapshots.snapshot.storage.k8s.io',
    'crd/volumesnapshotcontents.snapshot.storage.k8s.io',
    'crd/volumesnapshotclasses.snapshot.storage.k8s.io',
  ]);
  await waitFor(
    `the storage objects of cluster ${cluster}`,
    async () => {
      // The API server serves new CRDs' kinds a moment after they are Established: retry until it does.
      await kubectl(['apply', '-f', '-'], JSON.stringify(storageObjects(names)));
      return true;
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );

  const common = (name: string, executable: string, args: string[]) =>
    registry.start({
      name: `${cluster}-${name}`,
      executable: join(bin, executable),
      log: join(dir, `${name}.log`),
      args,
    });
  const driver = await common('hostpathplugin', 'hostpathplugin', [
    `--drivername=${csiDriver}`,
    `--endpoint=unix://${socket}`,
    `--nodeid=${options.nodeName}`,
    `--statedir=${stateDir}`,
    '--v=0',
  ]);
  await waitFor(`the CSI driver of cluster ${cluster} to listen`, async () => existsSync(socket), {
    proc: driver,
  });
  await Promise.all([
    common('csi-provisioner', 'csi-provisioner', [
      `--csi-address=${socket}`,
      `--kubeconfig=${kubeconfig}`,
      '--leader-election=false',
      '--immediate-topology=false',
      '--extra-create-metadata',
      '--timeout=60s',
    ]),
    common('snapshot-controller', 'snapshot-controller', [
      `--kubeconfig=${kubeconfig}`,
      '--leader-election=false',
    ]),
    common('csi-snapshotter', 'csi-snapshotter', [
      `--csi-address=${socket}`,
      `--kubeconfig=${kubeconfig}`,
      '--leader-election=false',
      '--timeout=60s',
    ]),
  ]);
  return { csiDriver, ...names, csiStateDir: stateDir };
}

/** Registers the driver with the node's kubelet and waits until the node's CSINode lists it. */
export async function registerDriver(
  registry: ProcessRegistry,
  options: CsiOptions & { kubeletRoot: string },
): Promise<void> {
  const { bin, dir, cluster } = options;
  const registryDir = join(options.kubeletRoot, 'plugins_registry');
  await mkdir(registryDir, { recursive: true });
  const registrar = await registry.start({
    name: `${cluster}-registrar`,
    executable: join(bin, 'registrar'),
    log: join(dir, 'registrar.log'),
    args: [
      `--driver=${csiDriver}`,
      `--csi-socket=${options.socket}`,
      `--registration-socket=${join(registryDir, `${csiDriver}-reg.sock`)}`,
    ],
  });
  await waitFor(
    `kubelet of cluster ${cluster} to register the CSI driver`,
    async () => {
      const { stdout } = await run(join(bin, 'kubectl'), [
        `--kubeconfig=${options.kubeconfig}`,
        'get',
        'csinode',
        options.nodeName,
        '-o',
        'jsonpath={.spec.drivers[*].name}',
      ]);
      return stdout.split(' ').includes(csiDriver);
    },
    { proc: registrar, timeoutMs: 60_000, intervalMs: 250 },
  );
}
