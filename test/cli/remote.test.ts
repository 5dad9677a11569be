/**
 * The `lifeboat` command in remote mode, run as a user runs it (a child process) against a real control
 * plane served over HTTP from this process: a project, two clusters and a MinIO location set up through the
 * command, a backup followed with --wait, a restore planned and then run into the other cluster under a
 * mapped namespace, and the errors a user meets on the way (a wrong token, no token, no server).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../../src/api/index.ts';
import { type CliRun, lifeboat, namespaceWithSettings, serveForCli } from '../support/cli.ts';
import { minioLocationBody } from '../support/control.ts';
import { configMapValue, kubectl, uniqueName } from '../support/kube.ts';
import { type ClusterEnv, minioCredentials, type TestbedEnv, useTestbed } from '../testbed/index.ts';

type Json = Record<string, unknown>;

/** A port nothing listens on (taken from the system, then let go). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address && typeof address === 'object');
  return address.port;
}

describe('lifeboat through the control plane (--server)', () => {
  let env: TestbedEnv;
  let a: ClusterEnv;
  let b: ClusterEnv;
  let server: RunningServer;
  let token: string;
  let dir: string;
  let locationFile: string;
  const project = uniqueName('cli');
  const ns = uniqueName('shop');
  const target = `${ns}-copy`;
  const backupName = uniqueName('cli-backup');
  const restoreName = `${backupName}-r`;

  /** Runs `lifeboat` with the server, token and project of this test in its environment. */
  const cli = (args: string[], extra: Record<string, string> = {}): Promise<CliRun> =>
    lifeboat(args, {
      LIFEBOAT_SERVER: server.url,
      LIFEBOAT_TOKEN: token,
      LIFEBOAT_PROJECT: project,
      ...extra,
    });
  const ok = (run: CliRun, what: string) => assert.equal(run.code, 0, `${what}: ${run.stderr}${run.stdout}`);

  before(async () => {
    env = await useTestbed();
    [a, b] = env.clusters as [ClusterEnv, ClusterEnv];
    assert.ok(a && b, 'the test bed has two clusters');
    dir = mkdtempSync(join(tmpdir(), 'lifeboat-cli-remote-'));
    server = await serveForCli(join(dir, 'plane'));
    token = server.plane.firstAdminToken ?? '';
    assert.match(token, /^lbt_/);
    locationFile = join(dir, 'location.json');
    writeFileSync(locationFile, JSON.stringify(minioLocationBody(env, 'minio', uniqueName('cli')), null, 2));
    await namespaceWithSettings(env, a, ns, { color: 'teal' }, [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'prices', namespace: ns },
        data: { apple: '3' },
      },
    ]);
  });

  after(async () => {
    await server?.close(5000);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('project create, cluster register and location create --file set a project up', async () => {
    const created = await cli(['project', 'create', project]);
    ok(created, 'project create');
    assert.match(created.stdout, new RegExp(`Project "${project}" created`));
    const projects = await cli(['project', 'list', '-o', 'json']);
    ok(projects, 'project list');
    assert.ok((JSON.parse(projects.stdout) as Json[]).some((p) => p.name === project && p.role === 'admin'));

    const prod = await cli(['cluster', 'register', 'prod', '--kubeconfig', a.kubeconfig, '-o', 'json']);
    ok(prod, 'cluster register prod');
    assert.equal((JSON.parse(prod.stdout) as Json).health, 'Healthy', prod.stdout);
    const staging = await cli(['cluster', 'register', 'staging', '--kubeconfig', b.kubeconfig]);
    ok(staging, 'cluster register staging');
    assert.match(staging.stdout, /Cluster "staging" registered .*: Healthy/);
    const clusters = await cli(['cluster', 'list']);
    ok(clusters, 'cluster list');
    assert.match(clusters.stdout, /^prod\s+Healthy/m);
    assert.match(clusters.stdout, /^staging\s+Healthy/m);

    const location = await cli(['location', 'create', '--file', locationFile, '-o', 'json']);
    ok(location, 'location create');
    const view = JSON.parse(location.stdout) as Json;
    assert.equal(view.status, 'Valid');
    assert.deepEqual(view.secretFields, ['secretAccessKey']);
    assert.ok(!location.stdout.includes(minioCredentials(env).secretAccessKey), 'the secret is not echoed');
    const validated = await cli(['location', 'validate', 'minio']);
    ok(validated, 'location validate (saved location)');
    assert.match(validated.stdout, /Location "minio" .* is usable/);
  });

  test('backup create --wait follows the backup until it completes; list, describe and logs show it', async () => {
    const created = await cli([
      'backup',
      'create',
      backupName,
      '--cluster',
      'prod',
      '--location',
      'minio',
      '--include-namespaces',
      ns,
      '--ttl',
      '48h',
      '--wait',
    ]);
    ok(created, 'backup create --wait');
    assert.match(created.stdout, new RegExp(`Backup "${backupName}" of cluster "prod" Completed`));
    assert.match(created.stderr, /progress: \d+\/\d+ items/);

    const listed = await cli(['backup', 'list', '-o', 'json']);
    ok(listed, 'backup list');
    const backup = (JSON.parse(listed.stdout) as Json[]).find((item) => item.name === backupName);
    assert.ok(backup, listed.stdout);
    assert.equal(backup.phase, 'Completed');
    assert.equal((backup.cluster as Json).name, 'prod');
    assert.equal(backup.expiresAt !== null, true);
    const table = await cli(['backup', 'list', '--cluster', 'prod']);
    ok(table, 'backup list --cluster');
    assert.match(table.stdout, new RegExp(`^${backupName}\\s+Completed\\s+prod`, 'm'));

    const described = await cli(['backup', 'describe', backupName, '--details', '-o', 'json']);
    ok(described, 'backup describe --details');
    const contents = (JSON.parse(described.stdout) as { contents: { namespaces: Json[] } }).contents;
    const kinds = contents.namespaces.find((entry) => entry.namespace === ns)?.kinds as
      | { kind: string; items: string[] }[]
      | undefined;
    assert.ok(
      kinds?.some((kind) => kind.kind === 'ConfigMap' && kind.items.includes('settings')),
      described.stdout,
    );

    const logs = await cli(['backup', 'logs', backupName]);
    ok(logs, 'backup logs');
    assert.match(logs.stdout, /backed up a total of \d+ items/);
  });

  test('restore create --dry-run prints the plan; --wait restores into the other cluster', async () => {
    const request = [
      'restore',
      'create',
      restoreName,
      '--from-backup',
      backupName,
      '--target-cluster',
      'staging',
      '--namespace-mappings',
      `${ns}:${target}`,
    ];
    const plan = await cli([...request, '--dry-run']);
    ok(plan, 'restore create --dry-run');
    assert.match(plan.stdout, /Dry run of restore .* \(nothing was written\)/);
    assert.match(plan.stdout, new RegExp(`^create\\s+ConfigMap\\s+${target}\\s+settings`, 'm'));
    assert.match(plan.stdout, new RegExp(`^${target}\\s+${ns}\\s+will be created`, 'm'));
    assert.equal(
      (await kubectl(env, b, ['get', 'namespace', target, '--ignore-not-found'])).trim(),
      '',
      'the plan wrote nothing',
    );

    const restored = await cli([...request, '--wait']);
    ok(restored, 'restore create --wait');
    assert.match(
      restored.stdout,
      new RegExp(
        `Restore "${restoreName}" of backup "${backupName}" into cluster "staging" Completed: [1-9]\\d* created, 0 updated, \\d+ unchanged, 0 left as they were \\(differ\\), \\d+ skipped, 0 failed;`,
      ),
      'the same words as a local restore and the plan',
    );
    const color = await configMapValue(env, b, target, 'settings', 'color');
    assert.equal(color, 'teal');
    const prices = await configMapValue(env, b, target, 'prices', 'apple');
    assert.equal(prices, '3');

    const listed = await cli(['restore', 'list', '-o', 'json']);
    ok(listed, 'restore list');
    const restore = (JSON.parse(listed.stdout) as Json[]).find((item) => item.name === restoreName);
    assert.equal(restore?.phase, 'Completed', listed.stdout);
    const described = await cli(['restore', 'describe', restoreName, '--details', '-o', 'json']);
    ok(described, 'restore describe --details');
    const items = (JSON.parse(described.stdout) as { items: Json[] }).items;
    assert.ok(
      items.some((item) => item.name === 'prices' && item.namespace === target && item.action === 'created'),
      described.stdout,
    );
  });

  test('errors say what to do: a wrong or missing token, no project, an unknown name, no server', async () => {
    const wrongToken = await cli(['backup', 'list'], { LIFEBOAT_TOKEN: 'lbt_not-a-token' });
    assert.equal(wrongToken.code, 2, wrongToken.stderr);
    assert.match(wrongToken.stderr, /the token is not valid .*sign in/);

    const noToken = await cli(['backup', 'list'], { LIFEBOAT_TOKEN: '' });
    assert.equal(noToken.code, 2, noToken.stderr);
    assert.match(noToken.stderr, /no API token .*LIFEBOAT_TOKEN/);

    const noProject = await cli(['cluster', 'list'], { LIFEBOAT_PROJECT: '' });
    assert.equal(noProject.code, 2, noProject.stderr);
    assert.match(noProject.stderr, /--project NAME or set LIFEBOAT_PROJECT/);

    const unknown = await cli(['backup', 'describe', 'no-such-backup']);
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.match(unknown.stderr, /backup "no-such-backup" not found/);

    const badInput = await cli(['workspace', 'create', 'Not_OK', '--clusters', 'prod']);
    assert.equal(badInput.code, 2, badInput.stderr);
    assert.match(badInput.stderr, /name: use lower-case letters/);

    // The flag wins over LIFEBOAT_SERVER, before or after the verb.
    const blocked = await cli(['--server', 'http://127.0.0.1:1', 'backup', 'list']);
    assert.equal(blocked.code, 1, blocked.stderr);
    assert.match(blocked.stderr, /cannot reach the Lifeboat server at http:\/\/127\.0\.0\.1:1\b/);
    const port = await closedPort();
    const refused = await cli(['backup', 'list', '--server', `http://127.0.0.1:${port}`]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(
      refused.stderr,
      new RegExp(`cannot reach the Lifeboat server at http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
    );
  });

  test('without a server, remote-only verbs say how to reach one', async () => {
    const run = await lifeboat(['cluster', 'list'], {
      LIFEBOAT_SERVER: '',
      LIFEBOAT_TOKEN: '',
      LIFEBOAT_PROJECT: '',
    });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /acts through the control plane: give --server URL/);
  });
});
