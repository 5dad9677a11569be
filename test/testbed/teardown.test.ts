/**
 * `down` of a test bed with nodes stops exactly what `up` started and gives the machine back: no process,
 * shim, mount, cgroup or bridge of it is left; when no other test bed holds nodes, the kernel settings,
 * machine-wide folders and iptables rules are as they were before.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { eventually, kubectl, uniqueName } from '../support/kube.ts';
import { changedSysctls, readSysctl, sharedPaths } from './host.ts';
import { nodeRunDir } from './node.ts';
import { defaultDir, down, readEnv, up } from './testbed.ts';

/** Processes whose command line names `dir` (the test bed's own, containerd's shims, kubelet...). */
function processesOf(...dirs: string[]): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (dirs.some((dir) => cmdline.includes(dir))) found.push(`${pid} ${cmdline.slice(0, 120)}`);
    } catch {
      // Ended meanwhile.
    }
  }
  return found;
}

function mountsBelow(...dirs: string[]): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((path) => dirs.some((dir) => path.startsWith(`${dir}/`)));
}

const lifeboatCgroups = () =>
  readdirSync('/sys/fs/cgroup').flatMap((hierarchy) => {
    try {
      return readdirSync(join('/sys/fs/cgroup', hierarchy))
        .filter((entry) => entry.startsWith('lifeboat-'))
        .map((entry) => `${hierarchy}/${entry}`);
    } catch {
      return [];
    }
  });
const links = (...filter: string[]): string[] =>
  execFileSync('ip', ['-o', 'link', 'show', ...filter], { encoding: 'utf8' }).match(/^\d+: [^:@\s]+/gm) ?? [];
// Rule sets without packet counters.
const iptables = () => execFileSync('iptables-save', { encoding: 'utf8' }).replace(/^#.*$|\[\d+:\d+\]/gm, '');

test('down of a test bed with nodes leaves nothing of it behind and restores the machine', async () => {
  // A checkout in a deep folder: no Unix socket (at most 107 bytes of path) could be created below it, so
  // sockets and kubelet's root must live on a short path of their own.
  const dir = resolve(
    defaultDir,
    `teardown-${process.pid}`,
    'a-folder-as-deep-as-some-checkouts-are'.repeat(3),
  );
  assert.ok(dir.length > 107);
  const runDir = nodeRunDir(dir);
  // Another test bed holding nodes (this run's, side by side) keeps the machine-wide changes: then only
  // this test bed's own leftovers are checked.
  const alone = !existsSync('/run/lifeboat-testbed/state.json');
  const before = {
    sysctls: changedSysctls.map((name) => `${name}=${readSysctl(name)}`),
    shared: sharedPaths.filter((path) => existsSync(path)),
    links: links(),
    cgroups: lifeboatCgroups(),
    iptables: iptables(),
  };
  const own: (string | undefined)[] = [];
  try {
    const env = await readEnv(await up({ dir, clusters: 1, nodes: true }));
    const cluster = env.clusters[0];
    assert.ok(cluster?.node && env.images);
    // A pod with a volume: mounts, a pod network namespace, a shim and container processes to take apart.
    const ns = uniqueName('teardown');
    await kubectl(env, cluster, ['create', 'namespace', ns]);
    const objects = [
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'data', namespace: ns },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } },
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'sleeper', namespace: ns },
        spec: {
          containers: [
            {
              name: 'main',
              image: env.images.busybox,
              command: ['sleep', '3600'],
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
          ],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
        },
      },
    ];
    await kubectl(
      env,
      cluster,
      ['apply', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
    );
    await eventually(
      'the pod to run',
      async () =>
        (await kubectl(env, cluster, [
          'get',
          'pod',
          'sleeper',
          '-n',
          ns,
          '-o',
          'jsonpath={.status.phase}',
        ])) === 'Running'
          ? true
          : undefined,
      120_000,
    );
    assert.ok(mountsBelow(dir, runDir).length > 0, 'the running pod has mounts below the test bed');
    assert.ok(
      processesOf(dir, runDir).some((line) => line.includes('containerd-shim-runc-v2')),
      'a shim runs',
    );
    // This test bed's bridges are the new ones (another test bed's pods may add and remove veths meanwhile,
    // so only this test bed's own links are checked): each bridge and the veths of its pods.
    const bridges = links()
      .filter((link) => !before.links.includes(link))
      .map((link) => link.split(': ')[1] ?? '')
      .filter((name) => name.startsWith('lbt'));
    assert.ok(bridges.length > 0, 'the test bed has its bridges');
    own.push(
      ...bridges.flatMap((bridge) => [bridge, ...links('master', bridge).map((l) => l.split(': ')[1])]),
    );
    assert.ok(own.length > bridges.length, 'the running pod has a veth on its bridge');
  } finally {
    await down({ dir });
  }
  try {
    assert.deepEqual(processesOf(dir, runDir), [], 'no process of the test bed is left');
    assert.deepEqual(mountsBelow(dir, runDir), [], 'nothing stays mounted below the test bed');
    assert.equal(existsSync(runDir), false, `its short folder ${runDir} is removed`);
    assert.deepEqual(lifeboatCgroups(), before.cgroups, 'its cgroups are gone');
    const names = new Set(links().map((link) => link.split(': ')[1]));
    assert.deepEqual(
      own.filter((name) => names.has(name)),
      [],
      "its bridges and its pods' veths are gone",
    );
    if (alone) {
      assert.deepEqual(
        changedSysctls.map((name) => `${name}=${readSysctl(name)}`),
        before.sysctls,
        'kernel settings are restored',
      );
      assert.deepEqual(
        sharedPaths.filter((path) => existsSync(path)),
        before.shared,
        'machine-wide folders are as before',
      );
      assert.equal(iptables(), before.iptables, 'iptables rules are as before');
      assert.equal(existsSync('/run/lifeboat-testbed'), false, 'no test-bed state is left in /run');
    }
  } finally {
    await rm(resolve(defaultDir, `teardown-${process.pid}`), { recursive: true, force: true });
  }
});
