/**
 * Day two with the `lifeboat` command (remote mode, a child process as a user runs it, against a control
 * plane served over HTTP from this process): a cluster's kubeconfig replaced — refused with the reason while
 * the new one does not work, the old one kept — renamed and removed (said first with --dry-run); a
 * workspace's clusters, namespaces and name changed; a project renamed and an empty one deleted.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../../src/api/index.ts';
import { type CliRun, lifeboat, serveForCli, setUpProjectByCli } from '../support/cli.ts';
import { uniqueName } from '../support/kube.ts';
import { type ClusterEnv, type TestbedEnv, useTestbed } from '../testbed/index.ts';

type Json = Record<string, unknown>;

describe('lifeboat cluster|workspace|project management (--server)', () => {
  let env: TestbedEnv;
  let a: ClusterEnv;
  let b: ClusterEnv;
  let server: RunningServer;
  let token: string;
  let dir: string;
  const project = uniqueName('cli-day2');
  const cli = (args: string[], projectName = project): Promise<CliRun> =>
    lifeboat(args, { LIFEBOAT_SERVER: server.url, LIFEBOAT_TOKEN: token, LIFEBOAT_PROJECT: projectName });
  const ok = (run: CliRun, what: string) => assert.equal(run.code, 0, `${what}: ${run.stderr}${run.stdout}`);
  /** A's kubeconfig pointed at a port nothing listens on. */
  const deadKubeconfig = (port: number) => {
    const file = join(dir, `dead-${port}.kubeconfig`);
    writeFileSync(
      file,
      readFileSync(a.kubeconfig, 'utf8').replace(/https:\/\/127\.0\.0\.1:\d+/, `https://127.0.0.1:${port}`),
    );
    return file;
  };

  before(async () => {
    env = await useTestbed();
    [a, b] = env.clusters as [ClusterEnv, ClusterEnv];
    dir = mkdtempSync(join(tmpdir(), 'lifeboat-cli-manage-'));
    server = await serveForCli(join(dir, 'plane'));
    token = server.plane.firstAdminToken ?? '';
    await setUpProjectByCli(cli, {
      env,
      project,
      dir,
      prefix: uniqueName('cli-day2'),
      clusters: { prod: a, staging: b },
    });
  });
  after(async () => {
    await server?.close(5000);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('cluster rotate-kubeconfig saves a kubeconfig only once it works, and says why not', async () => {
    const registered = await cli(['cluster', 'register', 'old', '--kubeconfig', deadKubeconfig(1)]);
    ok(registered, 'register old');
    assert.match(registered.stdout, /Cluster "old" registered .*: Unhealthy: cannot reach the API server/);
    const refused = await cli(['cluster', 'rotate-kubeconfig', 'old', '--kubeconfig', deadKubeconfig(2)]);
    assert.equal(refused.code, 2, refused.stdout);
    assert.match(
      refused.stderr,
      /^error: the new kubeconfig was not saved: cannot reach the API server at https:\/\/127\.0\.0\.1:2.*; cluster "old" keeps its current kubeconfig/,
    );
    const kept = JSON.parse((await cli(['cluster', 'get', 'old', '-o', 'json'])).stdout) as Json;
    assert.equal(kept.server, 'https://127.0.0.1:1');
    const missing = await cli(['cluster', 'rotate-kubeconfig', 'old', '--kubeconfig', join(dir, 'nope')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--kubeconfig: cannot read .*nope/);

    const rotated = await cli(['cluster', 'rotate-kubeconfig', 'old', '--kubeconfig', a.kubeconfig]);
    ok(rotated, 'rotate-kubeconfig');
    assert.equal(rotated.stdout, `Cluster "old": new kubeconfig saved (${a.server}): Healthy\n`);
    // The stored one works now: a kubeconfig of another cluster is refused.
    const other = await cli(['cluster', 'rotate-kubeconfig', 'old', '--kubeconfig', b.kubeconfig]);
    assert.equal(other.code, 2);
    assert.match(other.stderr, /reaches another cluster than "old"/);
  });

  test('cluster rename, then cluster remove: --dry-run says what happens, remove does it', async () => {
    const renamed = await cli(['cluster', 'rename', 'old', 'canary']);
    ok(renamed, 'rename');
    assert.equal(renamed.stdout, 'Cluster "old" renamed "canary"\n');
    const taken = await cli(['cluster', 'rename', 'canary', 'prod']);
    assert.equal(taken.code, 2);
    assert.match(taken.stderr, /a cluster named "prod" already exists/);
    ok(
      await cli([
        'policy',
        'set',
        '--cluster',
        'canary',
        '--prefix',
        'canary',
        '--location',
        'minio',
        '--schedule',
        'weekly',
      ]),
      'policy set',
    );
    ok(await cli(['workspace', 'create', 'fleet', '--clusters', 'prod']), 'workspace create');

    const updated = await cli([
      'workspace',
      'update',
      'fleet',
      '--add-clusters',
      'canary,staging',
      '--namespaces',
      'web,api',
    ]);
    ok(updated, 'workspace update');
    assert.match(
      updated.stdout,
      /^Workspace "fleet" updated: .*canary \(Healthy\).*; namespaces web, api\n$/,
    );
    ok(
      await cli(['workspace', 'update', 'fleet', '--remove-clusters', 'staging', '--all-namespaces']),
      'update',
    );
    const renamed2 = await cli(['workspace', 'rename', 'fleet', 'shop']);
    ok(renamed2, 'workspace rename');
    const shop = JSON.parse((await cli(['workspace', 'get', 'shop', '-o', 'json'])).stdout) as {
      clusters: Json[];
      namespaces: string[];
    };
    assert.deepEqual(shop.clusters.map((c) => c.name).sort(), ['canary', 'prod']);
    assert.deepEqual(shop.namespaces, []);
    const nothing = await cli(['workspace', 'update', 'shop']);
    assert.equal(nothing.code, 2);
    assert.match(nothing.stderr, /nothing to change/);

    const dry = await cli(['cluster', 'remove', 'canary', '--dry-run']);
    ok(dry, 'remove --dry-run');
    assert.equal(
      dry.stdout,
      [
        'Removing cluster "canary" would do this:',
        '  - It has no backups.',
        '  - Its backup policy is deleted: its scheduled backups stop.',
        '  - Workspace "shop" keeps prod.',
        '',
      ].join('\n'),
    );
    assert.equal((await cli(['cluster', 'get', 'canary'])).code, 0, 'a dry run changes nothing');
    const removed = await cli(['cluster', 'remove', 'canary']);
    ok(removed, 'remove');
    assert.match(removed.stdout, /^Cluster "canary" removed\.\n {2}- It has no backups\./);
    const gone = await cli(['cluster', 'get', 'canary']);
    assert.equal(gone.code, 2);
    assert.match(gone.stderr, /cluster "canary" not found/);
    const policy = await cli(['policy', 'get', '--cluster', 'canary']);
    assert.equal(policy.code, 2, 'its policy went with it');
    // `delete` still works, as an alias.
    ok(await cli(['cluster', 'register', 'spare', '--kubeconfig', b.kubeconfig]), 'register spare');
    ok(await cli(['cluster', 'delete', 'spare']), 'delete spare');
  });

  test('project rename, and an empty project deleted', async () => {
    const renamed = await cli(['project', 'rename', project, `${project}-x`]);
    ok(renamed, 'project rename');
    assert.match(renamed.stdout, new RegExp(`renamed "${project}-x": use --project ${project}-x`));
    const listed = await cli(['cluster', 'list'], `${project}-x`);
    ok(listed, 'cluster list in the renamed project');
    assert.match(listed.stdout, /^prod\s+Healthy/m);
    ok(await cli(['project', 'rename', `${project}-x`, project]), 'rename back');
    const empty = uniqueName('empty');
    ok(await cli(['project', 'create', empty]), 'project create');
    const deleted = await cli(['project', 'delete', empty]);
    ok(deleted, 'project delete');
    assert.equal(deleted.stdout, `Project "${empty}" deleted\n`);
  });
});
