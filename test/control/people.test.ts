/**
 * People through the API, on the embedded store and on PostgreSQL: users, project members and their roles
 * (the last admin of a project kept), and API tokens with a name and an expiry — shown once, stored hashed,
 * listed with their last use, and refused with a 401 that says revoked or expired. On PostgreSQL, two
 * admins demoting each other at the same moment leave one admin, and `admin reset-token` gives a working
 * administrator token to whoever has the database and the master key (and to no one with another key).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { AdminResetError, ManualClock, resetAdminToken } from '../../src/control/index.ts';
import { type StoreKind, startTestPlane, type TestPlane, testMasterKey } from '../support/control.ts';
import { uniqueName } from '../support/kube.ts';
import { useTestbed } from '../testbed/index.ts';

type Json = Record<string, unknown>;
interface Token {
  id: string;
  name: string;
  token?: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  state: string;
  current: boolean;
}
interface Member {
  userName: string;
  role: string;
}

const hour = 3_600_000;

for (const store of ['embedded', 'postgres'] as const satisfies StoreKind[]) {
  describe(`people on the ${store} store`, () => {
    let t: TestPlane;
    let admin: string;
    const clock = new ManualClock(new Date());
    const project = uniqueName('crew');
    const call = <T = Json>(method: string, path: string, token: string | undefined, body?: unknown) =>
      t.api.call<T>(method, path, token, body);
    const message = (answer: { body: unknown }) =>
      String(((answer.body as Json).error as Json | undefined)?.message);
    const makeUser = async (name: string, role?: string): Promise<string> => {
      const created = await call<{ token: string }>('POST', '/users', admin, { name });
      assert.equal(created.status, 201, created.text);
      if (role)
        assert.equal(
          (await call('PUT', `/projects/${project}/members/${name}`, admin, { role })).status,
          204,
        );
      return created.body.token;
    };

    before(async () => {
      await useTestbed();
      t = await startTestPlane(store, { clock });
      admin = t.adminToken;
      assert.equal((await call('POST', '/projects', admin, { name: project })).status, 201);
    });
    after(async () => {
      await t?.close();
    });

    test('a token is made with a name and an expiry, shown once, stored hashed, listed with its last use', async () => {
      const ana = await makeUser(uniqueName('ana'), 'viewer');
      const expiresAt = new Date(clock.now().getTime() + 24 * hour).toISOString();
      const created = await call<Token>('POST', '/tokens', ana, { name: 'ci pipeline', expiresAt });
      assert.equal(created.status, 201, created.text);
      const value = String(created.body.token);
      assert.match(value, /^lbt_[A-Za-z0-9_-]{43}$/);
      assert.equal(created.body.name, 'ci pipeline');
      assert.equal(created.body.expiresAt, expiresAt);
      assert.equal(created.body.state, 'active');
      assert.equal(created.body.lastUsedAt, null);

      // The store keeps the SHA-256 only: no column of any token row holds the value.
      const rows = await t.plane.ctx.db.query('select * from tokens where id = $1', [created.body.id]);
      assert.equal(rows[0]?.token_hash, createHash('sha256').update(value).digest('hex'));
      assert.ok(!JSON.stringify(rows).includes(value.slice(4)), 'the value is not stored');

      clock.advance(60_000);
      assert.equal((await call('GET', '/me', value)).status, 200, 'the new token signs in');
      const listed = await call<Token[]>('GET', '/tokens', value);
      assert.equal(listed.status, 200);
      assert.ok(!listed.text.includes(value.slice(4)), 'a list never carries a value');
      const mine = listed.body.find((token) => token.id === created.body.id);
      assert.ok(mine);
      assert.equal(mine.current, true, 'the token the list was asked with is marked current');
      assert.equal(mine.lastUsedAt, clock.now().toISOString());
      assert.equal(mine.token, undefined);
      const first = listed.body.find((token) => token.name === 'first sign-in');
      assert.equal(first?.current, false);
      assert.equal(first?.expiresAt, null, 'a token without an expiry never expires');
      assert.deepEqual(
        listed.body.map((token) => token.name),
        ['ci pipeline', 'first sign-in'],
        'newest first',
      );
    });

    test('an expiry that is not in the future, or not a time, is refused on its field', async () => {
      const past = await call('POST', '/tokens', admin, {
        name: 'late',
        expiresAt: new Date(clock.now().getTime() - 1000).toISOString(),
      });
      assert.equal(past.status, 400);
      assert.match(message(past), /not in the future/);
      assert.equal((((past.body as Json).error as Json).issues as Json[])[0]?.path, 'expiresAt');
      const garbled = await call('POST', '/tokens', admin, { name: 'x', expiresAt: 'next tuesday' });
      assert.equal(garbled.status, 400);
      assert.match(garbled.text, /ISO 8601/);
      assert.equal((await call('POST', '/tokens', admin, { name: '' })).status, 400);
    });

    test('a revoked token and an expired one are refused with a 401 that says which', async () => {
      const bo = await makeUser(uniqueName('bo'), 'operator');
      const short = await call<Token>('POST', '/tokens', bo, {
        name: 'one hour',
        expiresAt: new Date(clock.now().getTime() + hour).toISOString(),
      });
      const spare = await call<Token>('POST', '/tokens', bo, { name: 'spare' });
      const spareValue = String(spare.body.token);
      assert.equal((await call('GET', `/projects/${project}`, String(short.body.token))).status, 200);

      const revoked = await call('DELETE', `/tokens/${spare.body.id}`, bo);
      assert.equal(revoked.status, 204);
      const refused = await call('GET', `/projects/${project}`, spareValue);
      assert.equal(refused.status, 401);
      assert.match(message(refused), /the token "spare" was revoked at .*: sign in with a current token/);
      assert.equal(
        (await call('DELETE', `/tokens/${spare.body.id}`, bo)).status,
        204,
        'revoking twice changes nothing',
      );

      clock.advance(hour + 1000);
      const expired = await call('GET', `/projects/${project}`, String(short.body.token));
      assert.equal(expired.status, 401);
      assert.match(message(expired), /the token "one hour" expired at /);

      const states = new Map(
        (await call<Token[]>('GET', '/tokens', bo)).body.map((token) => [token.name, token]),
      );
      assert.equal(states.get('spare')?.state, 'revoked');
      assert.ok(states.get('spare')?.revokedAt);
      assert.equal(states.get('one hour')?.state, 'expired');
      assert.equal(states.get('first sign-in')?.state, 'active');

      // Another user's token is not found (and not revoked).
      const theirs = (await call<Token[]>('GET', '/tokens', admin)).body[0];
      assert.ok(theirs);
      assert.equal((await call('DELETE', `/tokens/${theirs.id}`, bo)).status, 404);
      assert.equal((await call('GET', '/me', admin)).status, 200);
    });

    test('members: added, given another role and removed by project admins only', async () => {
      const cy = uniqueName('cy');
      const cyToken = await makeUser(cy);
      const viewerToken = await makeUser(uniqueName('dee'), 'viewer');
      assert.equal((await call('GET', `/projects/${project}`, cyToken)).status, 404, 'not a member yet');

      assert.equal(
        (await call('PUT', `/projects/${project}/members/${cy}`, admin, { role: 'viewer' })).status,
        204,
      );
      assert.equal((await call('GET', `/projects/${project}`, cyToken)).body.role, 'viewer');
      const asViewer = await call('PUT', `/projects/${project}/members/${cy}`, viewerToken, {
        role: 'admin',
      });
      assert.equal(asViewer.status, 403, 'a viewer cannot change roles');
      assert.match(message(asViewer), /only admins may change the configuration/);

      assert.equal(
        (await call('PUT', `/projects/${project}/members/${cy}`, admin, { role: 'operator' })).status,
        204,
      );
      const members = await call<Member[]>('GET', `/projects/${project}/members`, viewerToken);
      assert.equal(members.status, 200, 'viewers see who is in the project');
      assert.equal(members.body.find((member) => member.userName === cy)?.role, 'operator');

      const unknown = await call('PUT', `/projects/${project}/members/nobody-here`, admin, {
        role: 'viewer',
      });
      assert.equal(unknown.status, 400);
      assert.match(message(unknown), /no user "nobody-here": an administrator creates users first/);
      const badRole = await call('PUT', `/projects/${project}/members/${cy}`, admin, { role: 'owner' });
      assert.equal(badRole.status, 400);

      assert.equal((await call('DELETE', `/projects/${project}/members/${cy}`, admin)).status, 204);
      assert.equal(
        (await call('GET', `/projects/${project}`, cyToken)).status,
        404,
        'removed: gone from view',
      );
      assert.equal((await call('DELETE', `/projects/${project}/members/${cy}`, admin)).status, 404);
    });

    test('the last admin of a project cannot be removed, demoted, or deleted as a user', async () => {
      const own = uniqueName('own');
      const ed = uniqueName('ed');
      assert.equal((await call('POST', '/projects', admin, { name: own })).status, 201);
      await call('POST', '/users', admin, { name: ed });
      // The creator (the administrator "admin") is the project's only admin.
      const demote = await call('PUT', `/projects/${own}/members/admin`, admin, { role: 'operator' });
      assert.equal(demote.status, 409);
      assert.match(
        message(demote),
        new RegExp(
          `"admin" is the last admin of project "${own}" and cannot be made operator: make another member admin first`,
        ),
      );
      const remove = await call('DELETE', `/projects/${own}/members/admin`, admin);
      assert.equal(remove.status, 409);
      assert.match(message(remove), /is the last admin of project .* cannot be removed/);

      assert.equal(
        (await call('PUT', `/projects/${own}/members/${ed}`, admin, { role: 'admin' })).status,
        204,
      );
      assert.equal(
        (await call('PUT', `/projects/${own}/members/admin`, admin, { role: 'viewer' })).status,
        204,
      );
      const gone = await call('DELETE', `/users/${ed}`, admin);
      assert.equal(gone.status, 409, 'ed is now the only admin of the project');
      assert.match(message(gone), new RegExp(`"${ed}" is the last admin of project "${own}"`));
      const members = await call<Member[]>('GET', `/projects/${own}/members`, admin);
      assert.deepEqual(
        members.body.map((member) => [member.userName, member.role]).sort(),
        [
          ['admin', 'viewer'],
          [ed, 'admin'],
        ].sort(),
      );
    });

    test('users: created and deleted by administrators; a deleted user’s tokens stop working', async () => {
      const fay = uniqueName('fay');
      const fayToken = await makeUser(fay, 'viewer');
      const refused = await call('POST', '/users', fayToken, { name: uniqueName('gus') });
      assert.equal(refused.status, 403);
      assert.match(message(refused), /only a Lifeboat administrator may create a user/);
      assert.equal((await call('GET', '/users', fayToken)).status, 403);
      const users = await call<{ name: string; isAdmin: boolean }[]>('GET', '/users', admin);
      assert.ok(users.body.some((user) => user.name === fay && !user.isAdmin));
      assert.equal((await call('POST', '/users', admin, { name: fay })).status, 409);
      assert.equal((await call('DELETE', `/users/${fay}`, admin)).status, 204);
      const after = await call('GET', '/me', fayToken);
      assert.equal(after.status, 401);
      assert.match(message(after), /not valid/);
    });

    if (store === 'postgres') {
      test('two admins demoting each other at the same moment leave one admin', async (context) => {
        const duo = uniqueName('duo');
        const [hal, ida] = [uniqueName('hal'), uniqueName('ida')];
        assert.equal((await call('POST', '/projects', admin, { name: duo })).status, 201);
        const tokens: string[] = [];
        for (const name of [hal, ida]) {
          tokens.push(String((await call('POST', '/users', admin, { name })).body.token));
          await call('PUT', `/projects/${duo}/members/${name}`, admin, { role: 'admin' });
        }
        assert.equal(
          (await call('PUT', `/projects/${duo}/members/admin`, tokens[0], { role: 'viewer' })).status,
          204,
        );
        const answers = await Promise.all([
          call('PUT', `/projects/${duo}/members/${ida}`, tokens[0], { role: 'operator' }),
          call('PUT', `/projects/${duo}/members/${hal}`, tokens[1], { role: 'operator' }),
        ]);
        context.diagnostic(`concurrent demotions answered ${answers.map((a) => a.status).join(' and ')}`);
        // One wins. The other is refused: as the last admin's demotion (409) when both were checked at once, or
        // as no longer an admin (403) when it was checked after the winner's change — both leave one admin.
        const [first, second] = answers.map((a) => a.status).sort();
        assert.equal(first, 204);
        assert.ok(second === 403 || second === 409, `the other demotion answered ${second}`);
        const admins = (await call<Member[]>('GET', `/projects/${duo}/members`, admin)).body.filter(
          (member) => member.role === 'admin',
        );
        assert.equal(admins.length, 1);
      });

      test('admin reset-token: a new administrator token for whoever has the database and the master key', async () => {
        assert.ok(t.databaseUrl);
        const wrongKey = randomBytes(32).toString('base64');
        await assert.rejects(
          resetAdminToken({ databaseUrl: t.databaseUrl, env: { LIFEBOAT_MASTER_KEY: wrongKey } }),
          (error: unknown) =>
            error instanceof AdminResetError &&
            /is not the one this store was set up with/.test(error.message),
        );
        await assert.rejects(
          resetAdminToken({ databaseUrl: t.databaseUrl, env: {} }),
          /no master key: set LIFEBOAT_MASTER_KEY/,
        );
        const reset = await resetAdminToken({
          databaseUrl: t.databaseUrl,
          env: { LIFEBOAT_MASTER_KEY: testMasterKey },
          revokeOthers: true,
          clock,
        });
        assert.equal(reset.user.name, 'admin');
        assert.equal(reset.createdUser, false);
        assert.equal(reset.keyCheck, 'matched');
        assert.ok(reset.revokedOthers >= 1, 'the lost first token was revoked');
        assert.equal(reset.otherActive, 0);
        // The running server takes the new token at once; the old one is refused as revoked.
        const me = await call<{ user: { name: string; isAdmin: boolean } }>('GET', '/me', reset.token);
        assert.equal(me.status, 200);
        assert.deepEqual([me.body.user.name, me.body.user.isAdmin], ['admin', true]);
        const old = await call('GET', '/me', admin);
        assert.equal(old.status, 401);
        assert.match(message(old), /the token "first sign-in" was revoked/);
        const listed = await call<Token[]>('GET', '/tokens', reset.token);
        assert.equal(listed.body[0]?.name, reset.tokenName);
        assert.match(reset.tokenName, /^admin reset-token /);
        admin = reset.token;
        await assert.rejects(
          resetAdminToken({
            databaseUrl: t.databaseUrl,
            env: { LIFEBOAT_MASTER_KEY: testMasterKey },
            user: 'nobody-at-all',
          }),
          /no user "nobody-at-all"/,
        );
      });
    }
  });
}
