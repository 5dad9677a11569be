/**
 * What the test bed's nodes change on the machine itself, shared by every test bed on it, and how `down`
 * gives it back: kernel settings kubelet and the CNI bridge plugin change, machine-wide folders containerd
 * and kubelet create, and one bridge per test bed holding the addresses pods reach the API servers and the
 * object store on. A lock and a state file under /run/lifeboat-testbed record which test beds hold nodes;
 * the first one saves the machine's values, the last one to leave restores them.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);
const stateDir = process.env.LIFEBOAT_TESTBED_HOST_STATE ?? '/run/lifeboat-testbed';
const stateFile = `${stateDir}/state.json`;
const lockFile = `${stateDir}/lock`;

/** Kernel settings kubelet sets on start (container manager) and the bridge plugin sets (forwarding). */
export const changedSysctls = [
  'vm/overcommit_memory',
  'vm/panic_on_oom',
  'kernel/panic',
  'kernel/panic_on_oops',
  'kernel/keys/root_maxkeys',
  'kernel/keys/root_maxbytes',
  'net/ipv4/ip_forward',
];

/** Machine-wide paths kubelet and containerd create whatever their own folders are. */
export const sharedPaths = [
  '/var/lib/kubelet',
  '/var/log/containers',
  '/var/log/pods',
  '/var/lib/cni',
  '/run/containerd',
  '/var/run/netns',
];

/** The addresses of one test bed: a /16 of 10.0.0.0/8 nobody else on the machine uses. */
export interface HostNetwork {
  /** Bridge holding the test bed's own addresses (and prefix of its pod bridges). */
  bridge: string;
  /** Second octet of the test bed's 10.N.0.0/16. */
  block: number;
  /** Address the object store listens on. */
  storeAddress: string;
}

interface Holder {
  dir: string;
  block: number;
  bridge: string;
}

interface HostState {
  sysctls: Record<string, string>;
  /** Shared paths that did not exist before the first test bed started a node. */
  created: string[];
  holders: Holder[];
}

/** Cluster `index`'s addresses within the test bed's block. */
export function clusterAddresses(network: HostNetwork, index: number) {
  const n = network.block;
  return {
    /** The API server listens here on 443: it is also the `kubernetes` service's cluster IP. */
    apiAddress: `10.${n}.${8 + 8 * index}.1`,
    serviceRange: `10.${n}.${8 + 8 * index}.0/22`,
    nodeAddress: `10.${n}.0.${10 + index}`,
    podSubnet: `10.${n}.${12 + 8 * index}.0/22`,
    podBridge: `${network.bridge}${String.fromCharCode(97 + index)}`,
  };
}

async function withLock<T>(use: () => Promise<T>): Promise<T> {
  await mkdir(stateDir, { recursive: true });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // The last test bed to leave removes the folder: make it again.
      if (code === 'ENOENT') await mkdir(stateDir, { recursive: true });
      else if (code !== 'EEXIST') throw error;
      const owner = Number(await readFile(lockFile, 'utf8').catch(() => '0'));
      if (owner > 0 && !alive(owner)) await unlink(lockFile).catch(() => {});
      if (Date.now() > deadline)
        throw new Error(`${lockFile} is held by process ${owner}; remove it if that is gone`);
      await sleep(50);
    }
  }
  try {
    return await use();
  } finally {
    await unlink(lockFile).catch(() => {});
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function loadState(): Promise<HostState | undefined> {
  try {
    return JSON.parse(await readFile(stateFile, 'utf8')) as HostState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function saveState(state: HostState): Promise<void> {
  await writeFile(`${stateFile}.tmp`, JSON.stringify(state, null, 2));
  await rename(`${stateFile}.tmp`, stateFile);
}

export function readSysctl(name: string): string {
  return readFileSync(`/proc/sys/${name}`, 'utf8').trim();
}

async function ip(...args: string[]): Promise<string> {
  return (await run('ip', args)).stdout;
}

function linkExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

/** Second octets of 10.N.x.x networks the machine already uses (addresses and routes). */
async function usedBlocks(): Promise<Set<number>> {
  const text = `${await ip('-4', '-o', 'addr')}\n${await ip('-4', 'route', 'show', 'table', 'all')}`;
  return new Set([...text.matchAll(/\b10\.(\d+)\.\d+\.\d+/g)].map((m) => Number(m[1])));
}

/**
 * Registers test bed `dir` as holding nodes: saves the machine's settings if it is the first, picks its
 * address block and creates its bridge with the store's address. Idempotent per `dir`.
 */
export async function acquireHost(dir: string): Promise<HostNetwork> {
  const hash = createHash('sha256').update(dir).digest('hex');
  const bridge = `lbt${hash.slice(0, 6)}`;
  return withLock(async () => {
    let state = await loadState();
    // A test bed that vanished without `down` (its bridge is gone) no longer holds anything.
    if (state) state.holders = state.holders.filter((h) => h.dir !== dir && linkExists(h.bridge));
    if (!state || state.holders.length === 0) {
      state = {
        sysctls: Object.fromEntries(
          changedSysctls.map((name) => [name, state?.sysctls[name] ?? readSysctl(name)]),
        ),
        created: state?.created ?? sharedPaths.filter((path) => !existsSync(path)),
        holders: [],
      };
    }
    const taken = new Set([...(await usedBlocks()), ...state.holders.map((h) => h.block)]);
    const start = 100 + (Number.parseInt(hash.slice(6, 10), 16) % 150);
    let block = -1;
    for (let i = 0; i < 150 && block < 0; i++) {
      const candidate = 100 + ((start - 100 + i) % 150);
      if (!taken.has(candidate)) block = candidate;
    }
    if (block < 0)
      throw new Error('no free 10.N.0.0/16 block (N 100-249) is left on this machine for test-bed nodes');
    state.holders.push({ dir, block, bridge });
    await saveState(state);
    if (linkExists(bridge)) await ip('link', 'del', bridge);
    await ip('link', 'add', bridge, 'type', 'bridge');
    await ip('addr', 'add', `10.${block}.0.1/32`, 'dev', bridge);
    await ip('link', 'set', bridge, 'up');
    return { bridge, block, storeAddress: `10.${block}.0.1` };
  });
}

/** Adds an address (an API server's or a node's) to the test bed's bridge. */
export async function addAddress(network: HostNetwork, address: string): Promise<void> {
  await ip('addr', 'add', `${address}/32`, 'dev', network.bridge);
}

/**
 * Unregisters test bed `dir`: removes its bridges; the last test bed to leave restores the saved kernel
 * settings and removes the shared folders that did not exist before. Call once its nodes are stopped.
 */
export async function releaseHost(dir: string): Promise<void> {
  const last = await withLock(async () => {
    const state = await loadState();
    const mine = state?.holders.find((h) => h.dir === dir);
    const bridge = mine?.bridge ?? `lbt${createHash('sha256').update(dir).digest('hex').slice(0, 6)}`;
    for (const name of await podBridges(bridge)) await ip('link', 'del', name).catch(() => {});
    if (!state) return true;
    state.holders = state.holders.filter((h) => h.dir !== dir && linkExists(h.bridge));
    if (state.holders.length > 0) {
      await saveState(state);
      return false;
    }
    for (const [name, value] of Object.entries(state.sysctls)) {
      if (readSysctl(name) !== value) await writeFile(`/proc/sys/${name}`, value);
    }
    for (const path of state.created) await rm(path, { recursive: true, force: true });
    await rm(stateFile, { force: true });
    return true;
  });
  // Leaves the machine without the folder, unless another test bed started meanwhile.
  if (last) await rmdir(stateDir).catch(() => {});
}

/** The test bed's bridge and its pod bridges (its name plus one letter per cluster). */
async function podBridges(bridge: string): Promise<string[]> {
  const links = await ip('-o', 'link', 'show');
  return [...links.matchAll(/^\d+: ([^:@\s]+)/gm)]
    .map((m) => m[1] as string)
    .filter((name) => name === bridge || (name.startsWith(bridge) && name.length === bridge.length + 1));
}
