/**
 * Real CSI storage, as host processes beside the nodes. ONE csi-driver-host-path process per test bed (its
 * volumes are folders under its state dir, its snapshots archives there) serves every cluster, the way one
 * cloud account's disk service serves every cluster in it: a snapshot taken in one cluster can be restored
 * in another (issue 13's "one cloud"). Each cluster keeps its own side of it: the test bed's registrar
 * (kubelet learns the driver's socket from it), external-provisioner, and external-snapshotter's
 * snapshot-controller and csi-snapshotter, all talking to the one driver socket; plus the snapshot CRDs, a
 * CSIDriver, two StorageClasses and a VolumeSnapshotClass of its own.
 *
 * Why one process and not one per cluster sharing a state dir: the driver reads `<statedir>/state.json`
 * once, at start, keeps volumes and snapshots in memory, and on every change writes its whole memory back
 * over the file (pkg/state: `restore` in `New`, `dump` in every Update and Delete). A second process on the
 * same dir would neither see the first one's snapshots nor keep them: each write drops the other's
 * entries. One process serialises every call under one mutex (pkg/hostpath), so one state is safe.
 *
 * The node id. The driver answers NodeGetInfo with its `--nodeid` and topology
 * `topology.hostpath.csi/node=<nodeid>`; each kubelet records that id in its CSINode and labels its node
 * with the topology, and every volume the driver creates is accessible only there (the provisioner writes it
 * as the PV's node affinity). With one process both kubelets get the same id, so it names what is true of
 * the test bed: every node runs on this one machine and reaches the state dir, so a volume is usable by any
 * node of any cluster here — like a cloud zone both clusters' nodes sit in. The id is a topology value, not
 * a node name: each cluster has one node, and CSINode objects and node labels live per cluster, so the
 * shared id never collides. The driver records the id on a published volume (informational only) and
 * compares it only in ControllerPublishVolume, which it is never asked for (the CSIDriver has
 * attachRequired false); staging and publishing paths are kubelet's own, below each node's root.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, realpath, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { type ProcessRegistry, waitFor } from './processes.ts';

const run = promisify(execFile);
export const csiDriver = 'hostpath.csi.k8s.io';
/** The driver's node id, the same for every node of the test bed (see the top of this file). */
export const csiNodeId = 'testbed-host';
/** The topology key the driver reports; nodes carry it as a label and PVs as their node affinity. */
export const csiTopologyKey = 'topology.hostpath.csi/node';

/** A cluster's storage as env.json describes it. */
export interface StorageEnv {
  csiDriver: string;
  /** StorageClass names; the first is the cluster's default. */
  storageClasses: string[];
  /** The default VolumeSnapshotClass. */
  snapshotClass: string;
  /**
   * The driver's state dir on the host: a volume's files are in `<csiStateDir>/<volume handle>`, a
   * snapshot's archive is `<csiStateDir>/<snapshot handle>.snap`. Every cluster of a test bed names the same
   * folder: one driver serves them all.
   */
  csiStateDir: string;
}

type StorageNames = Omit<StorageEnv, 'csiDriver' | 'csiStateDir'>;

/** Class names of cluster `index`: the first cluster's are plain, the others' carry the cluster's name. */
export function storageNames(cluster: string, index: number): StorageNames {
  const suffix = index === 0 ? '' : `-${cluster}`;
  return { storageClasses: [`fast${suffix}`, `standard${suffix}`], snapshotClass: `snapshots${suffix}` };
}

function storageObjects(names: StorageNames): object {
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

/**
 * The controllers' API client limits. Their defaults (5 requests/s, bursts of 10) make a backup of 20 volumes
 * wait ~45 s on the controllers alone; managed clusters run these controllers with their own settings, so the
 * test bed raises the limits to measure Lifeboat rather than them.
 */
const clientLimits = ['--kube-api-qps=50', '--kube-api-burst=100'];

/** The test bed's one CSI driver, once it listens. */
export interface SharedDriver {
  /** Its socket: on a short path, as a Unix socket's path is at most 107 bytes. */
  socket: string;
  stateDir: string;
}

/** Starts the test bed's one csi-driver-host-path (logs and state in `dir`) and resolves once it listens. */
export async function startDriver(
  registry: ProcessRegistry,
  options: { bin: string; dir: string; socket: string },
): Promise<SharedDriver> {
  const { bin, dir, socket } = options;
  const stateDir = join(dir, 'state');
  await mkdir(stateDir, { recursive: true });
  await mkdir(dirname(socket), { recursive: true, mode: 0o700 });
  // A socket left by an earlier run must not pass for this driver listening.
  await rm(socket, { force: true });
  const driver = await registry.start({
    name: 'csi-hostpathplugin',
    executable: join(bin, 'hostpathplugin'),
    log: join(dir, 'hostpathplugin.log'),
    args: [
      `--drivername=${csiDriver}`,
      `--endpoint=unix://${socket}`,
      `--nodeid=${csiNodeId}`,
      `--statedir=${stateDir}`,
      '--v=0',
    ],
  });
  await waitFor('the CSI driver to listen', async () => existsSync(socket), { proc: driver });
  return { socket, stateDir };
}

export interface CsiOptions {
  bin: string;
  /** The cluster's own CSI folder (its controllers' logs). */
  dir: string;
  cluster: string;
  index: number;
  kubeconfig: string;
}

/**
 * Creates the cluster's storage objects and, once the shared driver listens, starts the cluster's own
 * controllers on its socket (they need only the API server). The registrar starts later, with
 * `registerDriver`, once kubelet runs.
 */
export async function startCsi(
  registry: ProcessRegistry,
  options: CsiOptions,
  driver: Promise<SharedDriver>,
): Promise<StorageEnv> {
  const { bin, dir, cluster, kubeconfig } = options;
  await mkdir(dir, { recursive: true });
  const kubectl = (args: string[], input?: string) => {
    const child = run(join(bin, 'kubectl'), [`--kubeconfig=${kubeconfig}`, ...args]);
    if (input !== undefined) child.child.stdin?.end(input);
    return child;
  };
  const names = storageNames(cluster, options.index);
  // kubectl reads a folder given by a symbolic link as a file: name the folder itself.
  await kubectl(['apply', '--server-side', '-f', await realpath(join(bin, 'snapshot-crds'))]);
  await waitFor(
    `the snapshot CRDs of cluster ${cluster} to be Established`,
    async () => {
      // kubectl wait fails outright (".status.conditions accessor error") when it reads a CRD before the API
      // server has written its first status: retried.
      await kubectl([
        'wait',
        '--for=condition=Established',
        '--timeout=60s',
        'crd/volumesnapshots.snapshot.storage.k8s.io',
        'crd/volumesnapshotcontents.snapshot.storage.k8s.io',
        'crd/volumesnapshotclasses.snapshot.storage.k8s.io',
      ]);
      return true;
    },
    { timeoutMs: 90_000, intervalMs: 500 },
  );
  await waitFor(
    `the storage objects of cluster ${cluster}`,
    async () => {
      // The API server serves new CRDs' kinds a moment after they are Established: retry until it does.
      await kubectl(['apply', '-f', '-'], JSON.stringify(storageObjects(names)));
      return true;
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );

  const { socket, stateDir } = await driver;
  const common = (name: string, args: string[]) =>
    registry.start({
      name: `${cluster}-${name}`,
      executable: join(bin, name),
      log: join(dir, `${name}.log`),
      args,
    });
  await Promise.all([
    // Volume names (pvc-<claim uid>) and snapshot names (snapshot-<VolumeSnapshot uid>) are unique across
    // clusters, so two clusters' controllers never ask the one driver for the same name.
    common('csi-provisioner', [
      `--csi-address=${socket}`,
      `--kubeconfig=${kubeconfig}`,
      '--leader-election=false',
      '--immediate-topology=false',
      '--extra-create-metadata',
      '--timeout=60s',
      ...clientLimits,
    ]),
    // Without the VolumeGroupSnapshot CRDs (not installed) the controller waits 30 s for them before it
    // starts; the gate off, it starts at once.
    common('snapshot-controller', [
      `--kubeconfig=${kubeconfig}`,
      '--leader-election=false',
      '--feature-gates=CSIVolumeGroupSnapshot=false',
      ...clientLimits,
    ]),
    common('csi-snapshotter', [
      `--csi-address=${socket}`,
      `--kubeconfig=${kubeconfig}`,
      '--leader-election=false',
      '--timeout=60s',
      ...clientLimits,
    ]),
  ]);
  return { csiDriver, ...names, csiStateDir: stateDir };
}

/** Registers the shared driver with the node's kubelet and waits until the node's CSINode lists it. */
export async function registerDriver(
  registry: ProcessRegistry,
  options: CsiOptions & { socket: string; kubeletRoot: string; nodeName: string },
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
