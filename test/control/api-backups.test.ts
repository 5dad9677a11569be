/**
 * The control plane's API end to end, on the embedded store and on PostgreSQL: on-demand and workspace
 * backups, contents and logs, a restore into the other cluster with a namespace mapping (plan, per-item
 * progress, server-sent events), deletion, another writer's backup of the same name, what a viewer may not
 * do, and a check that no secret ever appears in an answer.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openObjectStore, parseLocation } from '../../src/storage/index.ts';
import { apiScene, assertNoSecretAnswered, type Json } from '../support/api-scene.ts';
import { lifeboat } from '../support/cli.ts';
import type { StoreKind } from '../support/control.ts';
import { configMapValue, eventually, kubectl, uniqueName } from '../support/kube.ts';
import { minioCredentials, minioLocationUrl } from '../testbed/index.ts';

for (const store of ['embedded', 'postgres'] as const satisfies StoreKind[]) {
  describe(`control plane API on the ${store} store: backups and restores`, () => {
    const s = apiScene(store, 'resources');
    const { call, waitFor, project, other, ns, restoreTarget, prefix } = s;

    let backupName = '';
    test('an on-demand backup runs as a job and shows progress, contents and logs', async () => {
      const refused = await call('POST', `/projects/${project}/clusters/gone/backups`, s.operator, {
        location: 'minio',
      });
      assert.equal(refused.status, 422);
      assert.match(String((refused.body.error as Json).message), /cluster "gone" is Unhealthy/);
      const started = await call('POST', `/projects/${project}/clusters/prod/backups`, s.operator, {
        name: uniqueName('nightly'),
        location: 'minio',
        namespaces: [ns],
        expiryHours: 48,
        includeDisks: true,
      });
      assert.equal(started.status, 202, started.text);
      backupName = String(started.body.name);
      const done = await waitFor(`/projects/${project}/backups/${backupName}`, [
        'Completed',
        'PartiallyFailed',
        'Failed',
      ]);
      assert.equal(done.phase, 'Completed', JSON.stringify(done));
      assert.equal((done.progress as Json).percent, 100);
      assert.ok(Number(done.bytes) > 0);
      assert.ok(Number((done.progress as Json).itemsDone) >= 4, 'namespace, 2 configmaps and a secret');
      // Disks were asked for: not supported yet, and said so.
      assert.ok(JSON.stringify(done.warnings).includes('volume'), JSON.stringify(done.warnings));
      const contents = await call<{
        namespaces: { namespace: string | null; kinds: { kind: string; items: string[] }[] }[];
      }>('GET', `/projects/${project}/backups/${backupName}/contents`, s.viewer);
      const inNs = contents.body.namespaces.find((n) => n.namespace === ns);
      // With the CA bundle the controller manager puts in every namespace.
      assert.deepEqual(inNs?.kinds.find((k) => k.kind === 'ConfigMap')?.items, [
        'kube-root-ca.crt',
        'prices',
        'settings',
      ]);
      assert.deepEqual(inNs?.kinds.find((k) => k.kind === 'Secret')?.items, ['db']);
      const logs = await call<string>('GET', `/projects/${project}/backups/${backupName}/logs`, s.viewer);
      assert.match(logs.body, /backup/i);
      const events = await s.t.api.call<string>(
        'GET',
        `/projects/${project}/backups/${backupName}/events`,
        s.viewer,
      );
      assert.match(events.body, /event: end\ndata: .*"phase":"Completed"/);
      const listed = await call<Json[]>('GET', `/projects/${project}/backups?cluster=prod`, s.viewer);
      assert.ok(listed.body.some((b) => b.name === backupName && b.trigger === 'manual'));
    });

    test('a restore goes only to a cluster of the same project, with a plan first and per-item progress', async () => {
      const [, b] = s.env.clusters;
      assert.ok(b);
      const target = restoreTarget;
      const request = { backup: backupName, targetCluster: 'staging', namespaceMappings: { [ns]: target } };
      const intoOther = await call('POST', `/projects/${project}/restores`, s.operator, {
        ...request,
        targetCluster: 'theirs',
      });
      assert.equal(intoOther.status, 400);
      assert.match(String((intoOther.body.error as Json).message), /not a cluster of project/);
      const otherId = (await call<Json[]>('GET', `/projects/${other}/clusters`, s.admin)).body[0]?.id;
      const byId = await call('POST', `/projects/${project}/restores`, s.admin, {
        ...request,
        targetCluster: otherId,
      });
      assert.equal(byId.status, 400, 'not by id either');
      assert.equal((await call('POST', `/projects/${project}/restores`, s.viewer, request)).status, 403);

      const plan = await call<{ items: Json[]; namespaces: Json[] }>(
        'POST',
        `/projects/${project}/restores/plan`,
        s.operator,
        request,
      );
      assert.equal(plan.status, 200, plan.text);
      assert.ok(
        plan.body.items.some(
          (item) => item.name === 'settings' && item.namespace === target && item.action === 'create',
        ),
      );
      assert.deepEqual(
        plan.body.namespaces.map((n) => [n.name, n.state]),
        [[target, 'will be created']],
      );
      assert.equal(
        (await kubectl(s.env, b, ['get', 'namespace', target, '--ignore-not-found'])).trim(),
        '',
        'the plan wrote nothing',
      );

      const started = await call('POST', `/projects/${project}/restores`, s.operator, request);
      assert.equal(started.status, 202, started.text);
      const name = String(started.body.name);
      const events = await s.t.api.call<string>(
        'GET',
        `/projects/${project}/restores/${name}/events`,
        s.viewer,
      );
      assert.match(events.body, /event: item\ndata: \{"seq":1,.*\nid: 1\n/);
      assert.match(events.body, /event: end\ndata: .*"phase":"Completed"/);
      const done = await waitFor(`/projects/${project}/restores/${name}`, [
        'Completed',
        'PartiallyFailed',
        'Failed',
      ]);
      assert.equal(done.phase, 'Completed', JSON.stringify(done));
      const items = await call<Json[]>('GET', `/projects/${project}/restores/${name}/items`, s.viewer);
      assert.ok(
        items.body.some(
          (item) =>
            item.name === 'prices' &&
            item.namespace === target &&
            item.action === 'created' &&
            item.kind === 'ConfigMap' &&
            item.groupResource === 'configmaps',
        ),
        'each item names its kind, as the plan does, beside its resource',
      );
      assert.deepEqual(
        items.body.map((item) => item.seq),
        items.body.map((_, i) => i + 1),
      );
      const color = await configMapValue(s.env, b, target, 'settings', 'color');
      assert.equal(color, 'teal');
      const logs = await call<string>('GET', `/projects/${project}/restores/${name}/logs`, s.viewer);
      assert.match(logs.body, /restore/i);
    });

    test('a workspace backup makes one grouped backup per cluster, skipping unhealthy ones with the reason', async () => {
      const ws = await call('POST', `/projects/${project}/workspaces`, s.admin, {
        name: 'fleet',
        clusters: ['prod', 'staging', 'gone'],
        namespaces: [ns],
      });
      assert.equal(ws.status, 201, ws.text);
      const group = await call<{ groupId: string; backups: Json[]; skipped: Json[] }>(
        'POST',
        `/projects/${project}/workspaces/fleet/backups`,
        s.operator,
        { location: 'minio', name: uniqueName('fleet') },
      );
      assert.equal(group.status, 202, group.text);
      assert.deepEqual(
        group.body.skipped.map((s) => s.cluster),
        ['gone'],
      );
      assert.equal(group.body.backups.length, 3);
      for (const backup of group.body.backups.filter((b) => b.phase !== 'Failed')) {
        const done = await waitFor(`/projects/${project}/backups/${String(backup.name)}`, [
          'Completed',
          'PartiallyFailed',
          'Failed',
        ]);
        assert.equal(done.phase, 'Completed');
      }
      const grouped = await call<Json[]>(
        'GET',
        `/projects/${project}/backups?group=${group.body.groupId}`,
        s.viewer,
      );
      assert.equal(grouped.body.length, 3);
      const skipped = grouped.body.find((b) => (b.cluster as Json).name === 'gone');
      assert.match(String(skipped?.failureReason), /skipped: cluster "gone" is Unhealthy/);
    });

    test('a location in use cannot be deleted; a backup is deleted from its location, then from the list', async () => {
      const policy = await call('PUT', `/projects/${project}/clusters/prod/policy`, s.admin, {
        prefix: 'weekly',
        location: 'minio',
        schedule: { kind: 'weekly' },
        expiryHours: 168,
      });
      assert.equal(policy.status, 200, policy.text);
      assert.equal((policy.body.upcomingRuns as string[]).length, 5);
      const refused = await call('DELETE', `/projects/${project}/locations/minio`, s.admin);
      assert.equal(refused.status, 409);
      assert.match(
        String((refused.body.error as Json).message),
        /used by the backup policies of cluster prod/,
      );
      assert.equal(
        (await call('DELETE', `/projects/${project}/backups/${backupName}`, s.operator)).status,
        403,
      );
      const deleting = await call('DELETE', `/projects/${project}/backups/${backupName}`, s.admin);
      assert.equal(deleting.status, 202);
      assert.equal(deleting.body.phase, 'Deleting');
      await eventually('the backup to be gone', async () =>
        (await call('GET', `/projects/${project}/backups/${backupName}`, s.admin)).status === 404
          ? true
          : undefined,
      );
      const sync = await call<{ added: string[] }>(
        'POST',
        `/projects/${project}/locations/minio/sync`,
        s.operator,
      );
      assert.ok(
        !sync.body.added.includes(backupName),
        'deleted from the bucket too, so sync does not bring it back',
      );
      // It still holds the workspace's backups: it cannot be pointed elsewhere.
      const moved = await call('PATCH', `/projects/${project}/locations/minio`, s.admin, {
        prefix: 'elsewhere',
      });
      assert.equal(moved.status, 409);
      assert.match(
        String((moved.body.error as Json).message),
        /holds \d+ backup\(s\).*cannot point elsewhere/,
      );
      const spaced = await call('POST', '/schedule-preview', s.viewer, {
        schedule: { kind: 'custom', minute: '* *', hour: '2' },
      });
      assert.equal(spaced.status, 400);
      assert.match(
        String((spaced.body.error as Json).message),
        /schedule.minute: use digits.*without spaces/,
      );
      const huge = await call('POST', `/projects/${project}/clusters`, s.admin, {
        name: 'big',
        kubeconfig: 'x'.repeat(5 << 20),
      });
      assert.equal(huge.status, 413);
    });

    test("another writer's backup of the same name is never deleted by Lifeboat, and sync brings it in", async () => {
      const [a] = s.env.clusters;
      assert.ok(a);
      const name = uniqueName('foreign');
      // Written straight to the bucket by the CLI in local mode, unknown to the control plane.
      const local = await lifeboat(
        [
          'backup',
          'create',
          name,
          '--kubeconfig',
          a.kubeconfig,
          '--location',
          minioLocationUrl(s.env, prefix),
          '--include-namespaces',
          ns,
        ],
        { AWS_ACCESS_KEY_ID: s.env.s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s.env.s3.secretAccessKey },
      );
      assert.equal(local.code, 0, local.stderr);
      const clash = await call('POST', `/projects/${project}/clusters/prod/backups`, s.operator, {
        name,
        location: 'minio',
      });
      assert.equal(clash.status, 202);
      const failed = await waitFor(`/projects/${project}/backups/${name}`, ['Completed', 'Failed']);
      assert.equal(failed.phase, 'Failed');
      assert.match(String(failed.failureReason), /already/);
      assert.equal((await call('DELETE', `/projects/${project}/backups/${name}`, s.admin)).status, 202);
      await eventually('the failed row to go', async () =>
        (await call('GET', `/projects/${project}/backups/${name}`, s.admin)).status === 404
          ? true
          : undefined,
      );
      const store = openObjectStore(parseLocation(minioLocationUrl(s.env, prefix)), {
        s3Credentials: minioCredentials(s.env),
      });
      try {
        assert.ok(
          await store.head(`backups/${name}/velero-backup.json`),
          "the other writer's backup is still there",
        );
      } finally {
        await store.close();
      }
      const sync = await call<{ added: string[] }>(
        'POST',
        `/projects/${project}/locations/minio/sync`,
        s.operator,
      );
      assert.deepEqual(sync.body.added, [name]);
      const synced = await call('GET', `/projects/${project}/backups/${name}`, s.viewer);
      assert.equal(synced.body.trigger, 'sync');
      assert.equal(synced.body.phase, 'Completed');
    });

    test('a viewer cannot change anything', async () => {
      const attempts: [string, string, unknown][] = [
        ['POST', `/projects/${project}/clusters`, { name: 'v', kubeconfig: 'x' }],
        ['PATCH', `/projects/${project}/clusters/prod`, { name: 'renamed' }],
        ['DELETE', `/projects/${project}/clusters/prod`, undefined],
        ['POST', `/projects/${project}/workspaces`, { name: 'w', clusters: ['prod'] }],
        ['DELETE', `/projects/${project}/workspaces/fleet`, undefined],
        ['PATCH', `/projects/${project}/locations/minio`, { prefix: 'elsewhere' }],
        ['DELETE', `/projects/${project}/locations/gcs`, undefined],
        ['POST', `/projects/${project}/locations/minio/sync`, undefined],
        [
          'PUT',
          `/projects/${project}/clusters/prod/policy`,
          { prefix: 'p', location: 'minio', schedule: { kind: 'never' } },
        ],
        ['DELETE', `/projects/${project}/clusters/prod/policy`, undefined],
        ['POST', `/projects/${project}/clusters/prod/backups`, { location: 'minio' }],
        ['POST', `/projects/${project}/workspaces/fleet/backups`, { location: 'minio' }],
        ['POST', `/projects/${project}/restores/plan`, { backup: 'x', targetCluster: 'prod' }],
        ['PUT', `/projects/${project}/members/admin`, { role: 'viewer' }],
        ['DELETE', `/projects/${project}`, undefined],
        ['POST', '/projects', { name: 'mine' }],
      ];
      for (const [method, path, body] of attempts) {
        const answer = await call(method, path, s.viewer, body);
        assert.equal(answer.status, 403, `${method} ${path}: ${answer.text}`);
      }
      assert.equal(
        (await call('GET', `/projects/${project}/clusters/prod`, s.viewer)).body.name,
        'prod',
        'unchanged',
      );
    });

    test('no answer ever carried a secret', () => {
      assertNoSecretAnswered(s, 50);
    });
  });
}
