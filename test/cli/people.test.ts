/**
 * People from the `lifeboat` command (a child process, as a user runs it) against a control plane served
 * over HTTP from this process: an administrator makes a user and adds them to a project; the user makes a
 * token with an expiry, uses it, revokes it and is refused with a sentence saying so; an expired token is
 * refused as expired; the last admin stays. Then the first token is "lost": `admin reset-token --data DIR`
 * is refused while the server runs and with another key, and otherwise prints a token the restarted server
 * takes.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { type RunningServer, serve } from '../../src/api/index.ts';
import { ManualClock } from '../../src/control/index.ts';
import { type CliRun, lifeboat } from '../support/cli.ts';
import { uniqueName } from '../support/kube.ts';

type Json = Record<string, unknown>;

describe('people from the command line', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lifeboat-cli-people-'));
  const clock = new ManualClock(new Date());
  const project = uniqueName('crew');
  const dana = uniqueName('dana');
  let server: RunningServer;
  let admin: string;
  let danaToken: string;

  const start = () =>
    serve({
      port: 0,
      dataDir,
      // No LIFEBOAT_MASTER_KEY: the server makes DIR/master.key, as on a first `npm start`.
      env: {},
      clock,
      log: pino({ level: process.env.LIFEBOAT_TEST_LOG ?? 'silent' }),
      loops: { scheduler: 0, expiry: 0, sync: 0, health: 0 },
    });
  /** Runs `lifeboat` against the server as the holder of `token`, in the project of this test. */
  const as = (token: string, args: string[]): Promise<CliRun> =>
    lifeboat(args, { LIFEBOAT_SERVER: server.url, LIFEBOAT_TOKEN: token, LIFEBOAT_PROJECT: project });
  const ok = (run: CliRun, what: string) => assert.equal(run.code, 0, `${what}: ${run.stderr}${run.stdout}`);

  before(async () => {
    server = await start();
    admin = server.plane.firstAdminToken ?? '';
    assert.match(admin, /^lbt_/);
  });
  after(async () => {
    await server?.close(5000);
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('an administrator makes a user, a member of the project; roles are listed', async () => {
    ok(await as(admin, ['project', 'create', project]), 'project create');
    const created = await as(admin, ['user', 'create', dana, '--role', 'operator', '-o', 'json']);
    ok(created, 'user create');
    const body = JSON.parse(created.stdout) as { token: string; user: Json; member: Json };
    danaToken = body.token;
    assert.match(danaToken, /^lbt_/);
    assert.deepEqual(body.member, { project, role: 'operator' });
    const members = await as(danaToken, ['member', 'list']);
    ok(members, 'member list');
    assert.match(members.stdout, /USER\s+ROLE/);
    assert.match(members.stdout, new RegExp(`${dana}\\s+operator`));
    assert.match(members.stdout, /admin\s+admin/);
    const users = await as(danaToken, ['user', 'list']);
    assert.equal(users.code, 2, 'only administrators list users');
    assert.match(users.stderr, /only a Lifeboat administrator may list users/);
  });

  test('a token created, used by the CLI, revoked and refused', async () => {
    const created = await as(danaToken, ['token', 'create', 'ci pipeline', '--expires-in', '30d']);
    ok(created, 'token create');
    const value = created.stdout.match(/^ {2}(lbt_\S+)$/m)?.[1];
    assert.ok(value, created.stdout);
    assert.match(created.stdout, /shown only this once/);
    assert.match(created.stdout, /It stops working at \d{4}-/);

    const used = await as(value, ['project', 'list']);
    ok(used, 'project list with the new token');
    assert.match(used.stdout, new RegExp(`${project}\\s+operator`));
    const listed = await as(value, ['token', 'list']);
    ok(listed, 'token list');
    assert.match(listed.stdout, /ID\s+NAME\s+STATE\s+EXPIRES\s+LAST USED\s+CREATED/);
    assert.match(listed.stdout, /ci pipeline \(this one\)\s+active/);
    assert.ok(!listed.stdout.includes(value.slice(4)), 'a list never shows a value');

    const revoked = await as(danaToken, ['token', 'revoke', 'ci pipeline']);
    ok(revoked, 'token revoke');
    assert.match(
      revoked.stdout,
      /Token "ci pipeline" \(id [0-9a-f-]{36}\) revoked: it is refused from now on/,
    );

    const refused = await as(value, ['project', 'list']);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(
      refused.stderr,
      /error: the token "ci pipeline" was revoked at .*: sign in with a current token/,
    );
    assert.match(refused.stderr, /the token is read from LIFEBOAT_TOKEN/);
    const after = await as(danaToken, ['token', 'list']);
    assert.match(after.stdout, /ci pipeline\s+revoked\s+revoked \d{4}-/);
  });

  test('an expired token is refused as expired; bad expiries and roles are usage errors', async () => {
    const created = await as(danaToken, ['token', 'create', 'short', '--expires-in', '1m', '-o', 'json']);
    ok(created, 'token create');
    const value = String((JSON.parse(created.stdout) as Json).token);
    ok(await as(value, ['member', 'list']), 'works before it expires');
    clock.advance(2 * 60_000);
    const refused = await as(value, ['member', 'list']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /the token "short" expired at /);
    const bad = await as(danaToken, ['token', 'create', 'x', '--expires-in', 'soon']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--expires-in: "soon" is not a duration/);
    const role = await as(admin, ['member', 'set', dana, 'owner']);
    assert.equal(role.code, 2);
    assert.match(role.stderr, /unknown role "owner"/);
  });

  test('the last admin of a project stays; roles change; a member is removed', async () => {
    const last = await as(admin, ['member', 'remove', 'admin']);
    assert.equal(last.code, 2);
    assert.match(
      last.stderr,
      /"admin" is the last admin of project .* cannot be removed: make another member admin first/,
    );
    const demote = await as(admin, ['member', 'set', 'admin', 'viewer']);
    assert.equal(demote.code, 2);
    assert.match(demote.stderr, /cannot be made viewer/);
    ok(await as(admin, ['member', 'add', dana, 'admin']), 'member add (set)');
    const changed = await as(danaToken, ['member', 'set', 'admin', 'viewer']);
    ok(changed, 'the other admin demotes the first');
    assert.match(changed.stdout, /"admin" is a viewer of project/);
    ok(await as(danaToken, ['member', 'remove', 'admin']), 'member remove');
    const members = await as(danaToken, ['member', 'list', '-o', 'json']);
    assert.deepEqual(
      (JSON.parse(members.stdout) as Json[]).map((m) => [m.userName, m.role]),
      [[dana, 'admin']],
    );
  });

  test('a lost administrator token: admin reset-token --data DIR issues a new one', async (context) => {
    const keyFile = join(dataDir, 'master.key');
    assert.ok(existsSync(keyFile), 'the server made its master key');
    const busy = await lifeboat(['admin', 'reset-token', '--data', dataDir]);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /is in use by process \d+: stop it first/);

    await server.close(5000);
    const wrong = await lifeboat(['admin', 'reset-token', '--data', dataDir], {
      LIFEBOAT_MASTER_KEY: randomBytes(32).toString('base64'),
    });
    assert.equal(wrong.code, 2);
    assert.match(
      wrong.stderr,
      /the master key from LIFEBOAT_MASTER_KEY is not the one this store was set up with/,
    );
    const nowhere = await lifeboat(['admin', 'reset-token', '--data', join(dataDir, 'elsewhere')]);
    assert.equal(nowhere.code, 2);
    assert.match(nowhere.stderr, /no master key: .*elsewhere\/master\.key does not exist/);

    const started = performance.now();
    const reset = await lifeboat(['admin', 'reset-token', '--data', dataDir, '--revoke-others']);
    context.diagnostic(`admin reset-token took ${(performance.now() - started).toFixed(0)} ms`);
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(
      reset.stdout,
      /Issued the administrator "admin" a new token in the embedded store in .*pglite/,
    );
    assert.match(
      reset.stdout,
      new RegExp(
        `master key from ${keyFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, checked against the store`,
      ),
    );
    assert.match(reset.stdout, /Revoked the administrator's 1 other active token/);
    const token = reset.stdout.match(/^ {2}(lbt_\S+)$/m)?.[1];
    assert.ok(token, reset.stdout);

    server = await start();
    assert.equal(server.plane.firstAdminToken, undefined, 'no second first start');
    const me = await as(token, ['user', 'list', '-o', 'json']);
    ok(me, 'the new token works as an administrator');
    assert.ok((JSON.parse(me.stdout) as Json[]).some((user) => user.name === dana));
    const old = await as(admin, ['project', 'list']);
    assert.equal(old.code, 2);
    assert.match(old.stderr, /the token "first sign-in" was revoked/);
  });
});
