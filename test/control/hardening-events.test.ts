/**
 * Server-sent events stop at once for a caller who lost access: a revoked token, a member removed from the
 * project, and a token revoked behind this replica's back (another replica, straight in the database).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApi } from '../../src/api/index.ts';
import { startTestPlane, type TestPlane } from '../support/control.ts';

interface OpenStream {
  /** Resolves with the time the stream ended (ms, performance.now()). */
  ended: Promise<number>;
  text: () => string;
  close: () => Promise<void>;
}

describe('event streams of a caller who lost access', () => {
  let t: TestPlane;
  let app: ReturnType<typeof createApi>;
  let watcherToken: string;
  const backupId = randomUUID();

  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const response = await app.request(`/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };

  /** Opens the backup's event stream and waits for its first event. */
  const open = async (token: string): Promise<OpenStream> => {
    const response = await app.request(`/api/v1/projects/watched/backups/${backupId}/events`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(response.status, 200);
    assert.ok(response.body);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    let first: () => void = () => undefined;
    const firstEvent = new Promise<void>((resolve) => {
      first = resolve;
    });
    const ended = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return performance.now();
        text += value;
        if (text.includes('\n\n')) first();
      }
    })();
    await firstEvent;
    return { ended, text: () => text, close: () => reader.cancel() };
  };

  /** Milliseconds until the stream ends, or Infinity when it is still open after `limitMs`. */
  const endsWithin = async (stream: OpenStream, since: number, limitMs: number): Promise<number> => {
    const end = await Promise.race([stream.ended, sleep(limitMs).then(() => Number.POSITIVE_INFINITY)]);
    return end - since;
  };

  before(async () => {
    t = await startTestPlane('embedded');
    app = createApi(t.plane.ctx);
    assert.equal((await call('POST', '/projects', t.adminToken, { name: 'watched' })).status, 201);
    const user = await call('POST', '/users', t.adminToken, { name: 'watcher' });
    watcherToken = String(user.body.token);
    await call('PUT', '/projects/watched/members/watcher', t.adminToken, { role: 'viewer' });
    // A backup that stays in progress (no job runs it), so its stream stays open.
    const project = (await call('GET', '/projects/watched', t.adminToken)).body;
    const locationId = randomUUID();
    const now = new Date();
    await t.plane.ctx.db.execute(
      'insert into locations (id, project_id, name, provider, config, created_at) values ($1, $2, $3, $4, $5, $6)',
      [locationId, project.id, 'somewhere', 'minio', JSON.stringify({ bucket: 'b' }), now],
    );
    await t.plane.ctx.db.execute(
      `insert into backups (id, project_id, location_id, name, trigger, phase, options, created_at, started_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
      [backupId, project.id, locationId, 'long-running', 'manual', 'InProgress', JSON.stringify({}), now],
    );
  });
  after(async () => {
    await t?.close();
  });

  test('a revoked token stops its stream at once; the same user’s other token goes on', async (context) => {
    const second = await call('POST', '/tokens', watcherToken, { name: 'second' });
    const secondToken = String(second.body.token);
    const revoked = await open(watcherToken);
    const other = await open(secondToken);
    const tokens = (await call('GET', '/tokens', secondToken)).body as unknown as {
      id: string;
      name: string;
    }[];
    const first = tokens.find((token) => token.name === 'first sign-in');
    assert.ok(first);
    const at = performance.now();
    assert.equal((await call('DELETE', `/tokens/${first.id}`, secondToken)).status, 204);
    const ms = await endsWithin(revoked, at, 3000);
    context.diagnostic(`revoked token: its stream ended ${ms.toFixed(0)} ms after the revocation`);
    assert.ok(ms < 1000, `the stream ended after ${ms} ms`);
    assert.match(revoked.text(), /event: error\ndata: .*the token was revoked/);
    assert.equal(
      await endsWithin(other, at, 1200),
      Number.POSITIVE_INFINITY,
      'the other token still streams',
    );
    await other.close();
    watcherToken = secondToken;
  });

  test('a member removed from the project stops receiving at once', async (context) => {
    const stream = await open(watcherToken);
    const at = performance.now();
    assert.equal((await call('DELETE', '/projects/watched/members/watcher', t.adminToken)).status, 204);
    const ms = await endsWithin(stream, at, 3000);
    context.diagnostic(`removed member: the stream ended ${ms.toFixed(0)} ms after the removal`);
    assert.ok(ms < 1000, `the stream ended after ${ms} ms`);
    assert.match(stream.text(), /event: error\ndata: .*not found/);
    await call('PUT', '/projects/watched/members/watcher', t.adminToken, { role: 'viewer' });
  });

  test('a token revoked by another replica (straight in the database) stops the stream within a second', async (context) => {
    const stream = await open(watcherToken);
    const at = performance.now();
    await t.plane.ctx.db.execute(
      'delete from tokens where token_hash is not null and user_id in (select id from users where name = $1)',
      ['watcher'],
    );
    const ms = await endsWithin(stream, at, 3000);
    context.diagnostic(`token deleted in the database: the stream ended ${ms.toFixed(0)} ms later`);
    assert.ok(ms < 1000, `the stream ended after ${ms} ms`);
  });
});
