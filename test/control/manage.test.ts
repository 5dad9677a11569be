/**
 * Day two through the API: a cluster's kubeconfig replaced when its token is rotated (checked against the
 * cluster before it is saved, the old one kept with the reason otherwise), renamed and removed (its backups
 * stay, its policies stop, running work blocks it); workspaces changed; projects renamed and deleted only
 * once empty; every backup of the project restorable into a cluster; a workspace's backup group restored as a
 * group, one plan and one restore per member. Jobs run when the test says so (`runner.poll()`), so a queued
 * backup stays queued for as long as the test needs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { kubeconfigText, minioLocationBody, startTestPlane, type TestPlane } from '../support/control.ts';
import { apply, eventually, kubectl, uniqueName } from '../support/kube.ts';
import { type TestbedEnv, useTestbed } from '../testbed/index.ts';

type Json = Record<string, unknown>;

/** A kubeconfig of a test-bed cluster whose user is `token`. */
function tokenKubeconfig(text: string, token: string): string {
  const config = JSON.parse(text) as { users: Json[]; contexts: { context: Json }[] };
  config.users = [{ name: 'rotated', user: { token } }];
  for (const context of config.contexts) context.context.user = 'rotated';
  return JSON.stringify(config);
}

describe('managing what was registered', () => {
  let env: TestbedEnv;
  let t: TestPlane;
  let admin = '';
  const project = uniqueName('day2');
  const p = `/projects/${project}`;
  const ns = uniqueName('shop');
  const saNs = uniqueName('lb-rotate');
  const binding = uniqueName('lb-rotate');
  const restoredNs = `${ns}-again`;
  const call = <T = Json>(method: string, path: string, body?: unknown) =>
    t.api.call<T>(method, path, admin, body);
  const message = (answer: { body: unknown }) =>
    String(((answer.body as Json).error as Json | undefined)?.message);
  /** Lets the job runner take what is queued, then waits for `path` to reach one of `phases`. */
  const settle = async (path: string, phases = ['Completed', 'PartiallyFailed', 'Failed']) => {
    await t.plane.runner.poll();
    return eventually(
      `${path} to reach ${phases.join(' or ')}`,
      async () => {
        const answer = await call(`GET`, path);
        return phases.includes(String(answer.body.phase)) ? answer.body : undefined;
      },
      120_000,
    );
  };
  const token = async (sa: string, secret: string) => {
    const [a] = env.clusters;
    assert.ok(a);
    return (
      await kubectl(env, a, [
        'create',
        'token',
        sa,
        '-n',
        saNs,
        '--bound-object-kind',
        'Secret',
        '--bound-object-name',
        secret,
      ])
    ).trim();
  };

  before(async () => {
    env = await useTestbed();
    // Jobs run only when the test polls the runner.
    t = await startTestPlane('embedded', { pollMs: 3_600_000 });
    admin = t.adminToken;
    const [a, b] = env.clusters;
    assert.ok(a && b);
    for (const cluster of [a, b]) {
      await kubectl(env, cluster, ['create', 'namespace', ns]);
      await apply(env, cluster, [
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'settings', namespace: ns },
          data: { from: cluster.name },
        },
      ]);
    }
    // A service account whose tokens are bound to Secrets: deleting the Secret revokes the token.
    await kubectl(env, a, ['create', 'namespace', saNs]);
    await kubectl(env, a, ['create', 'serviceaccount', 'lifeboat', '-n', saNs]);
    await kubectl(env, a, ['create', 'serviceaccount', 'reader', '-n', saNs]);
    await kubectl(env, a, [
      'create',
      'clusterrolebinding',
      binding,
      '--clusterrole=cluster-admin',
      `--serviceaccount=${saNs}:lifeboat`,
    ]);
    for (const secret of ['first', 'second', 'third'])
      await kubectl(env, a, ['create', 'secret', 'generic', secret, '-n', saNs]);
    assert.equal((await call('POST', '/projects', { name: project })).status, 201);
    const location = await call(
      'POST',
      `${p}/locations`,
      minioLocationBody(env, 'minio', uniqueName('day2')),
    );
    assert.equal(location.status, 201, location.text);
  });
  after(async () => {
    const [a, b] = env.clusters;
    for (const cluster of [a, b]) {
      if (!cluster) continue;
      await kubectl(env, cluster, [
        'delete',
        'namespace',
        ns,
        restoredNs,
        '--ignore-not-found',
        '--wait=false',
      ]);
    }
    if (a) {
      await kubectl(env, a, ['delete', 'namespace', saNs, '--ignore-not-found', '--wait=false']);
      await kubectl(env, a, ['delete', 'clusterrolebinding', binding, '--ignore-not-found']);
    }
    await t?.close();
  });

  test('a rotated token: the new kubeconfig is checked against the cluster before it replaces the old one', async () => {
    const [a, b] = env.clusters;
    assert.ok(a && b);
    const base = kubeconfigText(a);
    const first = await token('lifeboat', 'first');
    const registered = await call('POST', `${p}/clusters`, {
      name: 'rotating',
      kubeconfig: tokenKubeconfig(base, first),
    });
    assert.equal(registered.status, 201, registered.text);
    assert.equal(registered.body.health, 'Healthy', String(registered.body.healthReason));

    // The token is revoked: the cluster turns Unhealthy, and the reason says what to do.
    await kubectl(env, a, ['delete', 'secret', 'first', '-n', saNs]);
    const revoked = await eventually('the revoked token to be refused', async () => {
      const checked = await call('POST', `${p}/clusters/rotating/health-check`);
      return checked.body.health === 'Unhealthy' ? checked.body : undefined;
    });
    assert.match(String(revoked.healthReason), /refused the kubeconfig credentials \(401\)/);
    assert.match(String(revoked.healthReason), /rotate-kubeconfig/);

    // A replacement that does not work is not saved: the answer says why, the old one stays.
    const stale = await call('PATCH', `${p}/clusters/rotating`, { kubeconfig: tokenKubeconfig(base, first) });
    assert.equal(stale.status, 422, stale.text);
    assert.match(message(stale), /^the new kubeconfig was not saved: .*new kubeconfig’s credentials \(401\)/);
    assert.match(message(stale), /cluster "rotating" keeps its current kubeconfig/);
    const reader = await call('PATCH', `${p}/clusters/rotating`, {
      kubeconfig: tokenKubeconfig(
        base,
        (await kubectl(env, a, ['create', 'token', 'reader', '-n', saNs])).trim(),
      ),
    });
    assert.equal(reader.status, 422, reader.text);
    assert.match(message(reader), /may not list all resources .*bind it to cluster-admin/);
    const garbage = await call('PATCH', `${p}/clusters/rotating`, { kubeconfig: 'foo: bar' });
    assert.equal(garbage.status, 400);
    assert.equal((((garbage.body.error as Json).issues as Json[])[0] as Json).path, 'kubeconfig');
    assert.equal((await call('GET', `${p}/clusters/rotating`)).body.health, 'Unhealthy');

    // The rotated token works: saved, Healthy at once.
    const rotated = await call('PATCH', `${p}/clusters/rotating`, {
      kubeconfig: tokenKubeconfig(base, await token('lifeboat', 'second')),
    });
    assert.equal(rotated.status, 200, rotated.text);
    assert.equal(rotated.body.health, 'Healthy');
    assert.equal(rotated.body.kubeconfig, undefined);
    assert.equal((await call('POST', `${p}/clusters/rotating/health-check`)).body.health, 'Healthy');

    // While the stored kubeconfig works, a kubeconfig of another cluster is refused.
    const elsewhere = await call('PATCH', `${p}/clusters/rotating`, { kubeconfig: kubeconfigText(b) });
    assert.equal(elsewhere.status, 422, elsewhere.text);
    assert.match(message(elsewhere), /reaches another cluster than "rotating" \(kube-system uid/);
    assert.equal((await call('GET', `${p}/clusters/rotating`)).body.server, a.server);
    // An admin kubeconfig of the same cluster is fine.
    const same = await call('PATCH', `${p}/clusters/rotating`, { kubeconfig: base });
    assert.equal(same.status, 200, same.text);
  });

  test('clusters are renamed; their backups show the new name', async () => {
    const [a, b] = env.clusters;
    assert.ok(a && b);
    for (const [name, cluster] of [
      ['prod', a],
      ['staging', b],
    ] as const)
      assert.equal(
        (await call('POST', `${p}/clusters`, { name, kubeconfig: kubeconfigText(cluster) })).status,
        201,
      );
    const dead = kubeconfigText(a).replace(/https:\/\/127\.0\.0\.1:\d+/, 'https://127.0.0.1:1');
    assert.equal((await call('POST', `${p}/clusters`, { name: 'gone', kubeconfig: dead })).status, 201);
    const backup = await call('POST', `${p}/clusters/rotating/backups`, {
      name: uniqueName('before-rename'),
      location: 'minio',
      namespaces: [ns],
    });
    assert.equal(backup.status, 202, backup.text);
    await settle(`${p}/backups/${String(backup.body.id)}`);
    const taken = await call('PATCH', `${p}/clusters/rotating`, { name: 'prod' });
    assert.equal(taken.status, 409);
    assert.match(message(taken), /a cluster named "prod" already exists/);
    const renamed = await call('PATCH', `${p}/clusters/rotating`, { name: 'canary' });
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal(renamed.body.name, 'canary');
    assert.equal((await call('GET', `${p}/clusters/rotating`)).status, 404);
    const listed = await call<Json[]>('GET', `${p}/backups?cluster=canary`);
    assert.deepEqual(
      listed.body.map((b) => (b.cluster as Json).name),
      ['canary'],
    );
  });

  test('workspaces change their members, namespaces and name', async () => {
    const created = await call('POST', `${p}/workspaces`, {
      name: 'fleet',
      clusters: ['prod'],
      namespaces: ['x'],
    });
    assert.equal(created.status, 201, created.text);
    const changed = await call<{ name: string; clusters: Json[]; namespaces: string[] }>(
      'PATCH',
      `${p}/workspaces/fleet`,
      { name: 'shop', clusters: ['prod', 'staging', 'gone'], namespaces: [ns] },
    );
    assert.equal(changed.status, 200, changed.text);
    assert.equal(changed.body.name, 'shop');
    assert.deepEqual(changed.body.clusters.map((c) => c.name).sort(), ['gone', 'prod', 'staging']);
    assert.deepEqual(changed.body.namespaces, [ns]);
    const unknown = await call('PATCH', `${p}/workspaces/shop`, { clusters: ['nope'] });
    assert.equal(unknown.status, 400);
    assert.match(message(unknown), /cluster "nope" is not in this project/);
    const none = await call('PATCH', `${p}/workspaces/shop`, { clusters: [] });
    assert.equal(none.status, 400);
    assert.equal((await call('POST', `${p}/workspaces`, { name: 'solo', clusters: ['gone'] })).status, 201);
    const clash = await call('PATCH', `${p}/workspaces/solo`, { name: 'shop' });
    assert.equal(clash.status, 409);
  });

  let groupId = '';
  test('a cluster can restore every backup of the project: its own first, then others by cluster', async () => {
    const group = await call<{ groupId: string; backups: Json[]; skipped: Json[] }>(
      'POST',
      `${p}/workspaces/shop/backups`,
      { location: 'minio', name: uniqueName('shop') },
    );
    assert.equal(group.status, 202, group.text);
    groupId = group.body.groupId;
    assert.deepEqual(
      group.body.skipped.map((s) => s.cluster),
      ['gone'],
    );
    for (const backup of group.body.backups.filter((b) => b.phase !== 'Failed'))
      assert.equal((await settle(`${p}/backups/${String(backup.id)}`)).phase, 'Completed');
    const restorable = await call<{
      own: Json[];
      others: { cluster: Json; backups: Json[] }[];
    }>('GET', `${p}/clusters/staging/restorable-backups`);
    assert.equal(restorable.status, 200, restorable.text);
    assert.deepEqual(
      restorable.body.own.map((b) => (b.cluster as Json).name),
      ['staging'],
    );
    assert.deepEqual(
      restorable.body.others.map((o) => [o.cluster.name, o.backups.length]),
      [
        ['canary', 1],
        ['prod', 1],
      ],
      'no group for "gone": its skipped backup cannot be restored',
    );
  });

  test('a backup group is restored as a group: one plan and one restore per member', async () => {
    const [a, b] = env.clusters;
    assert.ok(a && b);
    const request = { namespaceMappings: { [ns]: restoredNs } };
    const plan = await call<{ members: Json[]; skipped: Json[] }>(
      'POST',
      `${p}/backup-groups/${groupId}/restores/plan`,
      request,
    );
    assert.equal(plan.status, 200, plan.text);
    assert.deepEqual(
      plan.body.members.map((m) => [(m.backup as Json).cluster, (m.targetCluster as Json).name, m.problem]),
      [
        ['prod', 'prod', null],
        ['staging', 'staging', null],
      ],
    );
    for (const member of plan.body.members)
      assert.ok(
        ((member.plan as Json).items as Json[]).some(
          (item) => item.name === 'settings' && item.namespace === restoredNs && item.action === 'create',
        ),
      );
    assert.match(
      String(plan.body.skipped[0]?.reason),
      /backup is Failed: skipped: cluster "gone" is Unhealthy/,
    );
    // A chosen target per member.
    const backups = await call<Json[]>('GET', `${p}/backups?group=${groupId}`);
    const prodBackup = backups.body.find((b) => (b.cluster as Json).name === 'prod');
    const goneBackup = backups.body.find((b) => (b.cluster as Json).name === 'gone');
    const chosen = await call<{ members: Json[] }>('POST', `${p}/backup-groups/${groupId}/restores/plan`, {
      ...request,
      members: [{ backup: prodBackup?.id, targetCluster: 'staging' }],
    });
    assert.deepEqual(
      chosen.body.members.map((m) => (m.targetCluster as Json).name),
      ['staging'],
    );
    const failedMember = await call('POST', `${p}/backup-groups/${groupId}/restores/plan`, {
      members: [{ backup: goneBackup?.id }],
    });
    assert.equal(failedMember.status, 400);
    assert.match(
      message(failedMember),
      /is Failed: only a Completed or PartiallyFailed backup can be restored/,
    );
    assert.equal((await call('POST', `${p}/backup-groups/nope/restores/plan`, {})).status, 404);

    const started = await call<{ id: string; name: string; members: Json[]; skipped: Json[]; phase: string }>(
      'POST',
      `${p}/backup-groups/${groupId}/restores`,
      { ...request, name: 'shop-back' },
    );
    assert.equal(started.status, 202, started.text);
    assert.equal(started.body.phase, 'Queued');
    assert.deepEqual(
      started.body.members.map((m) => [m.name, (m.targetCluster as Json).name]),
      [
        ['shop-back-prod', 'prod'],
        ['shop-back-staging', 'staging'],
      ],
    );
    const again = await call('POST', `${p}/backup-groups/${groupId}/restores`, {
      ...request,
      name: 'shop-back',
    });
    assert.equal(again.status, 409);
    const done = await settle(`${p}/group-restores/shop-back`, ['Completed', 'PartiallyFailed', 'Failed']);
    assert.equal(done.phase, 'Completed', JSON.stringify(done));
    assert.equal((done.progress as Json).percent, 100);
    assert.deepEqual(done.phases, { Completed: 2 });
    assert.ok(Number((done.counts as Json).created) >= 2);
    for (const member of done.members as Json[]) assert.equal(member.phase, 'Completed');
    for (const cluster of [a, b])
      assert.equal(
        await kubectl(env, cluster, [
          'get',
          'configmap',
          'settings',
          '-n',
          restoredNs,
          '-o',
          'jsonpath={.data.from}',
        ]),
        cluster.name,
      );
    const byId = await call('GET', `${p}/group-restores/${started.body.id}`);
    assert.equal(byId.body.name, 'shop-back');
    const listed = await call<Json[]>('GET', `${p}/group-restores?workspace=shop`);
    assert.deepEqual(
      listed.body.map((g) => g.name),
      ['shop-back'],
    );
    const member = await call<{ options: Json }>('GET', `${p}/restores/shop-back-prod`);
    assert.equal((member.body.options.groupRestore as Json).name, 'shop-back');
  });

  test('removing a cluster says what happens first; running work blocks it; its backups stay', async () => {
    assert.equal(
      (
        await call('PUT', `${p}/clusters/canary/policy`, {
          prefix: 'canary',
          location: 'minio',
          schedule: { kind: 'weekly' },
        })
      ).status,
      200,
    );
    assert.equal(
      (
        await call('PUT', `${p}/workspaces/solo/policy`, {
          prefix: 'solo',
          location: 'minio',
          schedule: { kind: 'weekly' },
        })
      ).status,
      200,
    );
    assert.equal(
      (
        await call('PUT', `${p}/workspaces/shop/policy`, {
          prefix: 'shop',
          location: 'minio',
          schedule: { kind: 'weekly' },
        })
      ).status,
      200,
    );
    const gone = await call<{ summary: string[]; workspaces: Json[]; policy: string }>(
      'GET',
      `${p}/clusters/gone/removal`,
    );
    assert.equal(gone.status, 200, gone.text);
    assert.deepEqual(
      gone.body.workspaces.map((w) => [w.name, w.clustersLeft, w.policy]),
      [
        ['shop', ['prod', 'staging'], 'continues'],
        ['solo', [], 'deleted'],
      ],
    );
    assert.ok(
      gone.body.summary.includes(
        'Workspace "solo" has no cluster left: its backup policy is deleted, so its scheduled backups stop (the workspace stays, empty).',
      ),
      gone.text,
    );

    // A queued backup (the runner is not polled) blocks the removal, named.
    const queued = await call('POST', `${p}/clusters/canary/backups`, {
      name: uniqueName('queued'),
      location: 'minio',
      namespaces: [ns],
    });
    assert.equal(queued.status, 202, queued.text);
    const preview = await call<{ blockedBy: Json[]; summary: string[]; policy: string; backups: Json }>(
      'GET',
      `${p}/clusters/canary/removal`,
    );
    assert.deepEqual(
      preview.body.blockedBy.map((w) => [w.kind, w.name, w.phase]),
      [['backup', queued.body.name, 'Queued']],
    );
    assert.equal(preview.body.policy, 'deleted');
    assert.deepEqual(preview.body.backups, { kept: 2, withDisks: 0 });
    const blocked = await call('DELETE', `${p}/clusters/canary`);
    assert.equal(blocked.status, 409);
    assert.match(
      message(blocked),
      new RegExp(`still has work queued or running: backup "${String(queued.body.name)}" \\(Queued\\)`),
    );
    await settle(`${p}/backups/${String(queued.body.id)}`);

    assert.equal((await call('DELETE', `${p}/clusters/canary`)).status, 204);
    assert.equal((await call('DELETE', `${p}/clusters/gone`)).status, 204);
    assert.equal((await call('GET', `${p}/clusters/canary`)).status, 404);
    assert.equal((await call('GET', `${p}/clusters/canary/policy`)).status, 404);
    assert.equal(
      (await call('GET', `${p}/workspaces/solo/policy`)).status,
      404,
      'an emptied workspace stops',
    );
    assert.equal((await call('GET', `${p}/workspaces/shop/policy`)).status, 200, 'the others continue');
    const solo = await call<{ clusters: Json[] }>('GET', `${p}/workspaces/solo`);
    assert.deepEqual(solo.body.clusters, []);
    // Its backups stay, under the name it had, and can be restored elsewhere.
    const restorable = await call<{ others: { cluster: Json; backups: Json[] }[] }>(
      'GET',
      `${p}/clusters/prod/restorable-backups`,
    );
    const removed = restorable.body.others.find((o) => o.cluster.name === 'canary');
    assert.equal(removed?.cluster.removed, true);
    assert.equal(removed?.backups.length, 2);
  });

  test('projects are renamed, and deleted only once empty, the refusal naming what is left', async () => {
    const renamed = await call('PATCH', p, { name: `${project}-x` });
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal(renamed.body.name, `${project}-x`);
    assert.equal((await call('GET', p)).status, 404);
    const back = await call('PATCH', `${p}-x`, { name: project });
    assert.equal(back.status, 200);
    const other = uniqueName('other');
    assert.equal((await call('POST', '/projects', { name: other })).status, 201);
    const clash = await call('PATCH', p, { name: other });
    assert.equal(clash.status, 409);
    const contents = await call<Json>('GET', `${p}/contents`);
    assert.equal(contents.body.empty, false);
    assert.deepEqual(contents.body.clusters, { count: 2, names: ['prod', 'staging'] });
    assert.equal((await call('DELETE', `/projects/${other}`)).status, 204, 'an empty project goes');
  });

  test('a project that is not empty is not deleted', async () => {
    const refused = await call('DELETE', p);
    assert.equal(refused.status, 409);
    assert.match(
      message(refused),
      /is not empty: it still has 2 clusters \("prod", "staging"\), 2 workspaces \("shop", "solo"\), 1 backup location \("minio"\) and \d+ backups/,
    );
  });
});
