/**
 * One real node per cluster, as plain host processes: its own containerd (Debian's, with runc and the CNI
 * bridge plugin; images imported from local archives, no registry) and a kubelet on the test bed's address
 * block. `stopNode` undoes everything a node did to the machine: pods removed through the CRI (network,
 * mounts, shims), processes stopped, leftover mounts below its folder unmounted, its cgroups removed.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { addAddress, clusterAddresses, type HostNetwork } from './host.ts';
import { type ManagedProcess, type ProcessRegistry, stopProcess, waitFor } from './processes.ts';

const run = promisify(execFile);
const cgroupMount = '/sys/fs/cgroup';

/** What `down` needs to take a node apart (saved in the test bed's nodes.json). */
export interface NodeRecord {
  cluster: string;
  name: string;
  /** Its configuration and logs, in the test bed's folder. */
  dir: string;
  /** Its sockets and kubelet's root, on a short path (see `nodeRunDir`). */
  runDir: string;
  socket: string;
  cgroupRoot: string;
}

export interface NodeOptions {
  bin: string;
  index: number;
  kubeconfig: string;
  network: HostNetwork;
  /** containerd's root (its image store), kept across `up`s so unchanged images import quickly. */
  imageStore: string;
  /** Image archives (docker-archive tars) to import into the node's containerd. */
  images: string[];
  /** OCI image layouts to import, tagged `testbed`, under a name. */
  ociImages: { layout: string; name: string }[];
}

/**
 * Where the nodes of the test bed in `testbedDir` keep their sockets and kubelet's root: a short path named
 * by a hash of the folder. A Unix socket's path holds at most 107 bytes, and kubelet's plugin-registration
 * sockets sit deep below its root, so below a checkout in a deep folder they could not be created.
 */
export function nodeRunDir(testbedDir: string): string {
  return `/run/lbn-${createHash('sha256').update(testbedDir).digest('hex').slice(0, 10)}`;
}

/** The node of cluster `cluster`: its name, folders, containerd socket and cgroup root. */
export function nodeRecord(dir: string, runDir: string, cluster: string, network: HostNetwork): NodeRecord {
  return {
    cluster,
    name: `${cluster}-node`,
    dir,
    runDir,
    socket: join(runDir, 'containerd.sock'),
    cgroupRoot: `/lifeboat-${network.bridge.slice(3)}-${cluster}`,
  };
}

function containerdConfig(dir: string, root: string, socket: string, podBridge: string): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `version = 2
root = "${root}"
state = "${dir}/containerd/state"
disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.internal.v1.tracing", "io.containerd.tracing.processor.v1.otlp"]

[grpc]
  address = "${socket}"
[ttrpc]
  address = "${socket}.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""

[${cri}]
  sandbox_image = "lifeboat.test/pause:testbed"
  # This VM lacks CAP_SYS_RESOURCE: without this runc fails every sandbox setting oom_score_adj.
  restrict_oom_score_adj = true
  disable_apparmor = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [${cri}.containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [${cri}.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [${cri}.containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "${dir}/runc"
  [${cri}.cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${dir}/cni/net.d"
    # ${podBridge}
`;
}

function cniConfig(dir: string, name: string, bridge: string, subnet: string): string {
  return JSON.stringify(
    {
      cniVersion: '0.4.0',
      name,
      plugins: [
        {
          type: 'bridge',
          bridge,
          isGateway: true,
          // No masquerading: pods only talk to the host's addresses, and no iptables rules are left behind.
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet }]],
            routes: [{ dst: '0.0.0.0/0' }],
            dataDir: join(dir, 'cni', 'ipam'),
          },
        },
      ],
    },
    null,
    2,
  );
}

function kubeletConfig(options: {
  dir: string;
  socket: string;
  address: string;
  cgroupRoot: string;
}): string {
  return JSON.stringify(
    {
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      address: options.address,
      port: 10250,
      readOnlyPort: 0,
      healthzBindAddress: options.address,
      healthzPort: 10248,
      authentication: { anonymous: { enabled: true }, webhook: { enabled: false } },
      authorization: { mode: 'AlwaysAllow' },
      containerRuntimeEndpoint: `unix://${options.socket}`,
      // This host has cgroup v1.
      failCgroupV1: false,
      cgroupDriver: 'cgroupfs',
      cgroupRoot: options.cgroupRoot,
      failSwapOn: false,
      // kubelet's iptables rules serve kube-proxy, which the test bed does not run: leave iptables alone.
      makeIPTablesUtilChains: false,
      // A busy shared disk must not make kubelet evict pods or remove the locally imported images.
      imageGCHighThresholdPercent: 100,
      imageGCLowThresholdPercent: 99,
      evictionHard: {
        'memory.available': '1Mi',
        'nodefs.available': '1%',
        'nodefs.inodesFree': '1%',
        'imagefs.available': '1%',
      },
      serializeImagePulls: false,
      volumePluginDir: join(options.dir, 'volume-plugins'),
      podLogsDir: join(options.dir, 'pod-logs'),
      resolvConf: '/etc/resolv.conf',
      staticPodPath: '',
      nodeStatusReportFrequency: '10s',
      shutdownGracePeriod: '0s',
    },
    null,
    2,
  );
}

/** The cgroup hierarchies mounted on this (cgroup v1, hybrid) host; kubelet creates its cgroups in each. */
async function hierarchies(): Promise<string[]> {
  const entries = await readdir(cgroupMount);
  return entries
    .filter((entry) => existsSync(join(cgroupMount, entry, 'cgroup.procs')))
    .map((entry) => join(cgroupMount, entry));
}

/** Creates the node's cgroup root in every hierarchy (cpuset needs its cpus and mems filled in). */
async function createCgroupRoot(root: string): Promise<void> {
  for (const hierarchy of await hierarchies()) {
    const path = join(hierarchy, root);
    await mkdir(path, { recursive: true });
    if (hierarchy.endsWith('/cpuset')) {
      for (const file of ['cpuset.cpus', 'cpuset.mems']) {
        await writeFile(join(path, file), await readFile(join(hierarchy, file), 'utf8'));
      }
    }
  }
}

/** Kills what still runs in the node's cgroups and removes them, deepest first. */
async function removeCgroupRoot(root: string): Promise<void> {
  for (const hierarchy of await hierarchies()) {
    const top = join(hierarchy, root);
    if (!existsSync(top)) continue;
    const dirs: string[] = [];
    const walk = async (path: string) => {
      dirs.push(path);
      for (const entry of await readdir(path, { withFileTypes: true })) {
        if (entry.isDirectory()) await walk(join(path, entry.name));
      }
    };
    await walk(top);
    for (const path of dirs.reverse()) {
      for (let attempt = 0; ; attempt++) {
        for (const pid of readFileSync(join(path, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {
            // Gone already.
          }
        }
        try {
          await rmdir(path);
          break;
        } catch (error) {
          if (attempt >= 50) throw new Error(`cannot remove cgroup ${path}: ${(error as Error).message}`);
          await sleep(100);
        }
      }
    }
  }
}

/**
 * Removes the nodes' short folder (`nodeRunDir`) once nothing is mounted below it: a volume still mounted
 * there would otherwise have its files removed through the mount.
 */
export async function removeRunDir(dir: string): Promise<void> {
  await unmountBelow(dir);
  const left = mountsBelow(dir);
  if (left.length > 0) throw new Error(`still mounted, so ${dir} is kept: ${left.join(', ')}`);
  await rm(dir, { recursive: true, force: true });
}

function mountsBelow(dir: string): string[] {
  const decode = (path: string) =>
    path.replace(/\\(\d{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => decode(line.split(' ')[4] ?? ''))
    .filter((path) => path === dir || path.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Unmounts every mount at or below `dir`, deepest first (lazily if a mount is still busy). */
export async function unmountBelow(dir: string): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const mounts = mountsBelow(dir);
    if (mounts.length === 0) return;
    for (const path of mounts) {
      await run('umount', [path]).catch(() => run('umount', ['-l', path]).catch(() => {}));
    }
  }
}

/** Starts the node `record` describes and resolves once it is Ready. */
export async function startNode(
  registry: ProcessRegistry,
  record: NodeRecord,
  options: NodeOptions,
): Promise<void> {
  const { bin, index, network } = options;
  const { cluster, name, dir, runDir, socket, cgroupRoot } = record;
  const addresses = clusterAddresses(network, index);
  await mkdir(options.imageStore, { recursive: true });
  await Promise.all(
    ['cni/net.d', 'cni/ipam', 'pod-logs', 'volume-plugins'].map((sub) =>
      mkdir(join(dir, sub), { recursive: true }),
    ),
  );
  await mkdir(join(runDir, 'kubelet'), { recursive: true, mode: 0o700 });
  await addAddress(network, addresses.nodeAddress);
  await createCgroupRoot(cgroupRoot);
  await writeFile(
    join(dir, 'containerd.toml'),
    containerdConfig(dir, options.imageStore, socket, addresses.podBridge),
  );
  await writeFile(
    join(dir, 'cni/net.d/10-pods.conflist'),
    cniConfig(
      dir,
      `lifeboat-${network.bridge.slice(3)}-${cluster}`,
      addresses.podBridge,
      addresses.podSubnet,
    ),
  );
  await writeFile(
    join(dir, 'kubelet.json'),
    kubeletConfig({ dir, socket, address: addresses.nodeAddress, cgroupRoot }),
  );

  const containerd = await registry.start({
    name: `${cluster}-containerd`,
    executable: join(bin, 'containerd'),
    log: join(dir, 'containerd.log'),
    args: ['--config', join(dir, 'containerd.toml'), '--log-level', 'warn'],
  });
  const ctr = (...args: string[]) =>
    run(join(bin, 'ctr'), ['--address', socket, '--namespace', 'k8s.io', ...args]);
  await waitFor(
    `containerd of cluster ${cluster}`,
    async () => {
      await ctr('version');
      return true;
    },
    {
      proc: containerd,
      timeoutMs: 30_000,
    },
  );
  await Promise.all([
    ...options.images.map((image) => ctr('images', 'import', image)),
    ...options.ociImages.map(({ layout, name: base }) =>
      run('bash', [
        '-o',
        'pipefail',
        '-c',
        'tar -C "$1" -cf - . | "$2" --address "$3" --namespace k8s.io images import --base-name "$4" -',
        'import',
        layout,
        join(bin, 'ctr'),
        socket,
        base,
      ]),
    ),
  ]);

  const kubelet = await registry.start({
    name: `${cluster}-kubelet`,
    executable: join(bin, 'kubelet'),
    log: join(dir, 'kubelet.log'),
    args: [
      `--config=${join(dir, 'kubelet.json')}`,
      `--kubeconfig=${options.kubeconfig}`,
      `--root-dir=${kubeletRoot(record)}`,
      `--hostname-override=${name}`,
      `--node-ip=${addresses.nodeAddress}`,
      '--v=0',
    ],
  });
  await waitFor(
    `the node of cluster ${cluster} to be Ready`,
    async () => {
      const { stdout } = await run(join(bin, 'kubectl'), [
        `--kubeconfig=${options.kubeconfig}`,
        'get',
        'node',
        name,
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
      ]);
      return stdout.trim() === 'True';
    },
    { proc: kubelet, timeoutMs: 120_000, intervalMs: 250 },
  );
}

/**
 * Takes a node apart: its pods through the CRI (so containerd tears down their network and mounts and
 * ends their shims), then kubelet's and containerd's processes, shims left over, its cgroups (killing what
 * still runs there) and leftover mounts. Every step runs even when an earlier one failed; the failures are
 * returned, one line each.
 */
export async function stopNode(
  bin: string,
  node: NodeRecord,
  processes: readonly ManagedProcess[],
): Promise<string[]> {
  const problems: string[] = [];
  const step = async (what: string, action: () => Promise<unknown>) => {
    try {
      await action();
    } catch (error) {
      problems.push(`${node.name}: ${what}: ${(error as Error).message}`);
    }
  };
  const mine = (suffix: string) => processes.filter((p) => p.name === `${node.cluster}-${suffix}`);
  await step('stopping kubelet', () => Promise.all(mine('kubelet').map((p) => stopProcess(p))));
  if (existsSync(node.socket)) {
    await step('removing its pods through the CRI', () =>
      run(join(bin, 'podreset'), ['--socket', node.socket], { timeout: 90_000 }),
    );
  }
  await step('stopping containerd', () => Promise.all(mine('containerd').map((p) => stopProcess(p))));
  await step('ending shims', () => killShims(node.socket));
  await step('removing its cgroups', () => removeCgroupRoot(node.cgroupRoot));
  await step('unmounting', async () => {
    await unmountBelow(node.runDir);
    await unmountBelow(node.dir);
  });
  return problems;
}

/** kubelet's root folder (pods' volumes, plugin registration) on node `node`. */
export function kubeletRoot(node: NodeRecord): string {
  return join(node.runDir, 'kubelet');
}

/** Ends containerd shims still serving this node's containerd (they outlive containerd by design). */
async function killShims(socket: string): Promise<void> {
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (args[0]?.endsWith('containerd-shim-runc-v2') && args.includes(socket))
        process.kill(Number(pid), 'SIGKILL');
    } catch {
      // The process ended meanwhile.
    }
  }
}
