/**
 * `lifeboat restore create` with snapshotted claims, run as a user runs it (a child process), against a
 * test-bed cluster with a node and the CSI hostpath driver. Local mode: a backup with disks; the dry run
 * prints the Volumes table (claim, size, class, snapshot, driver, what the target has, verdict), a mapping onto
 * another driver's class is refused there with the data mover named (exit 3), `-o json` carries the volumes;
 * the restore with --volume-timeout prints the claim Bound, and a bad --volume-timeout is a usage error.
 * Remote mode (--server): the same table from the control plane's plan, and a restore followed with --wait
 * whose summary, JSON and describe show the claim Bound. `--volume-source copy` on these backups (snapshots,
 * no copies) fails the claim by name in the dry run, locally and through the server (whose describe shows
 * the source); a bad `--volume-source` is a usage error naming the allowed values.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../../src/api/index.ts';
import { type CliRun, lifeboat, serveForCli } from '../support/cli.ts';
import { kubeconfigText, minioLocationBody } from '../support/control.ts';
import { apply, eventually, kubectl, uniqueName } from '../support/kube.ts';
import { claimWithFiles, driverHasSnapshot, type NodeCluster } from '../support/volumes.ts';
import {
  minioLocationUrl,
  type TestbedCluster,
  type TestbedEnv,
  useTestbedWithNodes,
} from '../testbed/index.ts';

type Json = Record<string, unknown>;
interface Volume {
  namespace: string;
  pvc: string;
  phase?: string;
  verdict?: string;
  snapshotHandle?: string;
}

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('lifeboat restore with claims made from CSI snapshots', () => {
  let env: TestbedEnv;
  let cluster: NodeCluster;
  let server: RunningServer;
  let dir = '';
  let ns = '';
  let location = '';
  let creds: Record<string, string> = {};
  const prefix = uniqueName('cli-rv');
  const localBackup = uniqueName('cli-rv');
  const remoteBackup = uniqueName('cli-rv-remote');
  const project = uniqueName('cli-rv');
  const otherClass = uniqueName('elsewhere');
  const targets: string[] = [];
  const handles: string[] = [];
  const ok = (run: CliRun, what: string) => assert.equal(run.code, 0, `${what}: ${run.stderr}${run.stdout}`);
  /** Local mode: the location and its credentials. */
  const local = (args: string[]) => lifeboat([...args, '--location', location], creds);
  /** A local dry run of the backup taken in local mode, its namespace mapped to `into`. */
  const localDryRun = (into: string) => [
    ...['restore', 'create', '--from-backup', localBackup, '--kubeconfig', cluster.kubeconfig],
    ...['--namespace-mappings', `${ns}:${into}`, '--dry-run'],
  ];
  /** Remote mode: the server, its token and the project. */
  const remote = (args: string[]) =>
    lifeboat(args, {
      LIFEBOAT_SERVER: server.url,
      LIFEBOAT_TOKEN: server.plane.firstAdminToken ?? '',
      LIFEBOAT_PROJECT: project,
    });
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${server.plane.firstAdminToken ?? ''}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, text, body: (text ? JSON.parse(text) : {}) as Json };
  };
  const target = () => {
    const name = uniqueName('cli-rv-copy');
    targets.push(name);
    return name;
  };
  /** The table row of claim `data` restored into `into`, from a dry run. */
  const planRow = (into: string) =>
    new RegExp(
      `^${into}/data \\(from ${ns}\\)\\s+10Mi\\s+${literal(cluster.node.storageClasses[0] ?? '')}\\s+\\S+\\s+${literal(cluster.node.csiDriver)}\\s+driver yes, class yes\\s+restore$`,
      'm',
    );

  before(async () => {
    env = await useTestbedWithNodes();
    const first = env.clusters[0] as TestbedCluster;
    assert.ok(first.node && env.images, 'the test bed has no nodes: start it without --no-nodes');
    cluster = { ...first, node: first.node };
    location = minioLocationUrl(env, prefix);
    creds = { AWS_ACCESS_KEY_ID: env.s3.accessKeyId, AWS_SECRET_ACCESS_KEY: env.s3.secretAccessKey };
    ({ ns } = await claimWithFiles(env, cluster, 'cli-rv', { 'a.txt': 'from the command line' }));
    await apply(env, cluster, [
      {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: { name: otherClass },
        provisioner: 'elsewhere.example.com',
      },
    ]);
    dir = mkdtempSync(join(tmpdir(), 'lifeboat-cli-rv-'));
    server = await serveForCli(join(dir, 'plane'));
    assert.equal((await call('POST', '/projects', { name: project })).status, 201);
    const stored = await call(
      'POST',
      `/projects/${project}/locations`,
      minioLocationBody(env, 'minio', `${prefix}-remote`),
    );
    assert.equal(stored.status, 201, stored.text);
    const registered = await call('POST', `/projects/${project}/clusters`, {
      name: 'prod',
      kubeconfig: kubeconfigText(cluster),
    });
    assert.equal(registered.body.health, 'Healthy', registered.text);
  });

  after(async () => {
    if (server) {
      // Deleting the backups deletes their snapshots from the driver's storage.
      await local(['backup', 'delete', localBackup, '--kubeconfig', cluster.kubeconfig]);
      await call('DELETE', `/projects/${project}/backups/${remoteBackup}`);
      await eventually(
        'the remote backup to be deleted',
        async () =>
          (await call('GET', `/projects/${project}/backups/${remoteBackup}`)).status === 404
            ? true
            : undefined,
        180_000,
      ).catch(() => undefined);
      await server.close(5000);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (env && cluster) {
      for (const name of [ns, ...targets].filter(Boolean))
        await kubectl(env, cluster, ['delete', 'namespace', name, '--wait=false', '--ignore-not-found']);
      await kubectl(env, cluster, ['delete', 'storageclass', otherClass, '--ignore-not-found']);
      for (const handle of handles)
        assert.equal(
          await driverHasSnapshot(cluster, handle),
          false,
          `snapshot ${handle} went with its backup`,
        );
    }
  });

  test('local mode: the dry run prints the Volumes table; onto another driver’s class it says FAIL and exits 3', async () => {
    const made = await local([
      'backup',
      'create',
      localBackup,
      '--kubeconfig',
      cluster.kubeconfig,
      '--include-namespaces',
      ns,
      '--include-disks',
    ]);
    ok(made, 'backup create --include-disks');
    const into = target();
    const request = localDryRun(into);
    const plan = await local(request);
    ok(plan, 'restore create --dry-run');
    assert.match(
      plan.stdout,
      /\nVolumes \(claims made from CSI snapshots\):\nNAMESPACE\/PVC\s+SIZE\s+CLASS \(FROM\)\s+SNAPSHOT\s+DRIVER\s+IN TARGET\s+VERDICT\/REASON\n/,
    );
    assert.match(plan.stdout, planRow(into));

    const json = await local([...request, '-o', 'json']);
    ok(json, 'restore create --dry-run -o json');
    const [volume] = (JSON.parse(json.stdout) as { volumes: Volume[] }).volumes;
    assert.equal(volume?.namespace, into);
    assert.equal(volume?.verdict, 'restore');
    assert.ok(volume?.snapshotHandle);
    handles.push(volume.snapshotHandle);

    const [defaultClass] = cluster.node.storageClasses;
    const refused = await local([...request, '--storage-class-mappings', `${defaultClass}:${otherClass}`]);
    assert.equal(refused.code, 3, refused.stderr);
    assert.match(
      refused.stdout,
      new RegExp(
        `^${into}/data \\(from ${ns}\\)\\s+10Mi\\s+${otherClass} \\(from ${defaultClass}\\)\\s+.*driver yes, class NO \\(its driver is elsewhere\\.example\\.com\\)\\s+FAIL: .*"copy volume data to the backup location" \\(the data mover\\)`,
        'm',
      ),
    );
    assert.match(refused.stdout, /1 claim cannot be restored: a restore would fail it by name/);
    assert.equal(
      (await kubectl(env, cluster, ['get', 'namespace', into, '--ignore-not-found'])).trim(),
      '',
      'the dry run wrote nothing',
    );
  });

  test('local mode: the restore with --volume-timeout prints the claim Bound; a bad timeout is a usage error', async () => {
    const bad = await local([
      'restore',
      'create',
      '--from-backup',
      localBackup,
      '--kubeconfig',
      cluster.kubeconfig,
      '--volume-timeout',
      '5s',
    ]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--volume-timeout: 5s is out of bounds: give between 10s and 1h/);

    const into = target();
    const restored = await local([
      'restore',
      'create',
      '--from-backup',
      localBackup,
      '--kubeconfig',
      cluster.kubeconfig,
      '--namespace-mappings',
      `${ns}:${into}`,
      '--volume-timeout',
      '2m',
    ]);
    ok(restored, 'restore create --volume-timeout 2m');
    assert.match(restored.stdout, /Restore ".*" of backup ".*" Completed/);
    assert.match(restored.stdout, /\nVolumes \(claims made from CSI snapshots, 1 of 1 Bound\):\n/);
    assert.match(restored.stdout, new RegExp(`^${into}/data\\s+\\S+\\s+\\S+\\s+Bound$`, 'm'));
    const phase = await kubectl(env, cluster, [
      'get',
      'pvc',
      'data',
      '-n',
      into,
      '-o',
      'jsonpath={.status.phase}',
    ]);
    assert.equal(phase, 'Bound');

    const again = target();
    const json = await local([
      'restore',
      'create',
      '--from-backup',
      localBackup,
      '--kubeconfig',
      cluster.kubeconfig,
      '--namespace-mappings',
      `${ns}:${again}`,
      '-o',
      'json',
    ]);
    ok(json, 'restore create -o json');
    const outcome = JSON.parse(json.stdout) as { phase: string; volumes: Volume[] };
    assert.equal(outcome.phase, 'Completed');
    assert.deepEqual(
      outcome.volumes.map((v) => [v.namespace, v.pvc, v.phase]),
      [[again, 'data', 'Bound']],
    );
  });

  test('remote mode: the plan prints the Volumes table; --wait --volume-timeout shows the claim Bound, as do -o json and describe', async () => {
    const made = await remote([
      'backup',
      'create',
      remoteBackup,
      '--cluster',
      'prod',
      '--location',
      'minio',
      '--include-namespaces',
      ns,
      '--include-disks',
      '--wait',
    ]);
    ok(made, 'backup create --include-disks --wait');
    const detail = await call('GET', `/projects/${project}/backups/${remoteBackup}`);
    const items = (detail.body.volumes as { items: { pvc: string; snapshotHandle: string }[] }).items;
    const handle = items.find((item) => item.pvc === 'data')?.snapshotHandle;
    assert.ok(handle, detail.text);
    handles.push(handle);

    const into = target();
    const restoreName = uniqueName('cli-rv-r');
    const request = [
      'restore',
      'create',
      restoreName,
      '--from-backup',
      remoteBackup,
      '--target-cluster',
      'prod',
      '--namespace-mappings',
      `${ns}:${into}`,
    ];
    const plan = await remote([...request, '--dry-run']);
    ok(plan, 'restore create --dry-run (remote)');
    assert.match(plan.stdout, /\nVolumes \(claims made from CSI snapshots\):\nNAMESPACE\/PVC\s+SIZE/);
    assert.match(plan.stdout, planRow(into));
    assert.ok(plan.stdout.includes(handle), 'the snapshot is named');

    const bad = await remote([...request, '--volume-timeout', '2h']);
    assert.equal(bad.code, 2, bad.stderr);

    const restored = await remote([...request, '--volume-timeout', '2m', '--wait']);
    ok(restored, 'restore create --wait (remote)');
    assert.match(restored.stdout, /\nVolumes \(claims made from CSI snapshots, 1 of 1 Bound\):\n/);
    assert.match(restored.stdout, new RegExp(`^${into}/data\\s+${literal(handle)}\\s+\\S+\\s+Bound$`, 'm'));

    const described = await remote(['restore', 'describe', restoreName]);
    ok(described, 'restore describe');
    assert.match(described.stdout, /^Volume timeout:\s+120 s$/m);
    assert.match(described.stdout, new RegExp(`^${into}/data\\s+${literal(handle)}\\s+\\S+\\s+Bound$`, 'm'));
    const json = await remote(['restore', 'describe', restoreName, '-o', 'json']);
    ok(json, 'restore describe -o json');
    const view = JSON.parse(json.stdout) as { options: Json; volumes: Volume[] };
    assert.equal(view.options.volumeTimeoutMs, 120_000);
    assert.deepEqual(
      view.volumes.map((v) => [v.namespace, v.pvc, v.snapshotHandle, v.phase]),
      [[into, 'data', handle, 'Bound']],
    );
  });
  test('--volume-source copy: a claim with only a snapshot fails by name in the dry run; a bad value is a usage error', async () => {
    const into = target();
    const request = localDryRun(into);
    const bad = await local([...request, '--volume-source', 'both']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(
      bad.stderr,
      /--volume-source must be auto \(.*\), snapshot \(.*\) or copy \(.*\), got "both"/,
    );
    const refusal = (claim: string) =>
      new RegExp(
        `^${claim}/data .*FAIL: the claim ${claim}/data is not restored: the restore was asked for volume source "copy" \\(copies in the location's volume repository only\\), and the backup has no copy of its data, only its CSI snapshot`,
        'm',
      );
    const plan = await local([...request, '--volume-source', 'copy']);
    assert.equal(plan.code, 3, plan.stderr);
    assert.match(plan.stdout, refusal(into));
    const snapshots = await local([...request, '--volume-source', 'snapshot']);
    ok(snapshots, 'restore create --dry-run --volume-source snapshot');
    assert.match(snapshots.stdout, planRow(into));

    const remoteRequest = [
      'restore',
      'create',
      '--from-backup',
      remoteBackup,
      '--target-cluster',
      'prod',
      '--namespace-mappings',
      `${ns}:${into}`,
    ];
    assert.equal((await remote([...remoteRequest, '--volume-source', 'Copy', '--dry-run'])).code, 2);
    const remotePlan = await remote([...remoteRequest, '--volume-source', 'copy', '--dry-run']);
    assert.equal(remotePlan.code, 3, remotePlan.stderr);
    assert.match(remotePlan.stdout, refusal(into));
    const restoreName = uniqueName('cli-rv-src');
    const restored = await remote([
      ...remoteRequest.slice(0, 2),
      restoreName,
      ...remoteRequest.slice(2),
      '--volume-source',
      'copy',
      '--wait',
    ]);
    assert.equal(restored.code, 3, `PartiallyFailed: ${restored.stderr}${restored.stdout}`);
    assert.match(
      restored.stdout,
      new RegExp(`^${into}/data\\s+.*Failed\\s+the claim ${into}/data is not restored`, 'm'),
    );
    const described = await remote(['restore', 'describe', restoreName]);
    ok(described, 'restore describe');
    assert.match(
      described.stdout,
      /^Volume source:\s+copy \(copies in the location's volume repository only\)$/m,
    );
    assert.equal(
      (await kubectl(env, cluster, ['get', 'pvc', 'data', '-n', into, '--ignore-not-found'])).trim(),
      '',
      'no claim was made',
    );
  });
});
