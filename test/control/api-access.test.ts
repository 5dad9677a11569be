/**
 * The control plane's API end to end, on the embedded store and on PostgreSQL: who may call it. A first
 * administrator, tokens refused, projects, users and their roles (api-resources and api-backups test what
 * the roles allow on clusters, locations, backups and restores).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { apiScene, type Json } from '../support/api-scene.ts';
import type { StoreKind } from '../support/control.ts';

for (const store of ['embedded', 'postgres'] as const satisfies StoreKind[]) {
  describe(`control plane API on the ${store} store: accounts and roles`, () => {
    const s = apiScene(store, 'plane');
    const { call, project, other } = s;

    test('a first administrator exists; no token, or a wrong one, is refused', async () => {
      assert.match(s.admin, /^lbt_/);
      const none = await call('GET', '/projects', undefined);
      assert.equal(none.status, 401);
      assert.match(String((none.body.error as Json).message), /Authorization: Bearer/);
      assert.equal((await call('GET', '/projects', 'lbt_nope')).status, 401);
      const me = await call<{ user: Json }>('GET', '/me', s.admin);
      assert.equal(me.body.user.name, 'admin');
      assert.equal(me.body.user.isAdmin, true);
      const doc = await s.t.api.call<Json>('GET', '/openapi.json', undefined);
      assert.equal(doc.status, 200);
      const paths = doc.body.paths as Record<string, Json>;
      assert.ok(paths['/api/v1/projects/{project}/restores']?.post, 'restores are in the OpenAPI document');
    });

    test('projects, users and roles', async () => {
      assert.equal((await call('POST', '/projects', s.admin, { name: project })).status, 201);
      assert.equal((await call('POST', '/projects', s.admin, { name: other })).status, 201);
      const dup = await call('POST', '/projects', s.admin, { name: project });
      assert.equal(dup.status, 409);
      const bad = await call('POST', '/projects', s.admin, { name: 'Not OK' });
      assert.equal(bad.status, 400);
      assert.equal(((bad.body.error as Json).issues as Json[])[0]?.path, 'name');
      for (const [name, role] of [
        [`op-${project}`, 'operator'],
        [`view-${project}`, 'viewer'],
      ] as const) {
        const created = await call<{ token: string }>('POST', '/users', s.admin, { name });
        assert.equal(created.status, 201);
        assert.equal(
          (await call('PUT', `/projects/${project}/members/${name}`, s.admin, { role })).status,
          204,
        );
        if (role === 'operator') s.operator = created.body.token;
        else s.viewer = created.body.token;
      }
      const mine = await call<Json[]>('GET', '/projects', s.viewer);
      assert.deepEqual(
        mine.body.map((p) => [p.name, p.role]),
        [[project, 'viewer']],
      );
      // A project one is not a member of does not exist, as far as one can tell.
      assert.equal((await call('GET', `/projects/${other}`, s.viewer)).status, 404);
      assert.equal((await call('POST', '/users', s.operator, { name: 'sneaky' })).status, 403);
    });
  });
}
