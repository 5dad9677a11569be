/**
 * Requests the server makes on a user's behalf. A local web server answers every request with a page that
 * holds a secret (as an internal service or a metadata endpoint would): a cluster whose kubeconfig points at
 * it and locations of each provider whose endpoint is it never bring that page into an API answer or a
 * stored field. The network policy (LIFEBOAT_PRIVATE_TARGETS, LIFEBOAT_LINK_LOCAL_TARGETS) refuses private
 * and link-local targets before any request goes out: locations by default, clusters when set to deny.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { defaultNetworkPolicy, networkPolicyFromEnv } from '../../src/control/index.ts';
import { startTestPlane, type TestPlane } from '../support/control.ts';

type Json = Record<string, unknown>;

const secret = `SSRF-SECRET-${randomBytes(12).toString('hex')}`;

/** How the hostile server answers now. */
const answer = { status: 200, type: 'text/html' };
let requests = 0;

function hostileBody(): string {
  if (answer.type === 'application/json')
    return JSON.stringify({ error: { code: answer.status, message: secret }, message: secret });
  if (answer.type === 'application/xml')
    return `<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>${secret}</Message></Error>`;
  return `<html><title>Internal admin</title><body>${secret} ${'x'.repeat(600)}</body></html>`;
}

function kubeconfig(server: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: ${server}
users:
- name: u
  user:
    token: not-a-real-token
contexts:
- name: x
  context:
    cluster: c
    user: u
current-context: x
`;
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = String(privateKey.export({ type: 'pkcs8', format: 'pem' }));

/** A location of each provider whose store is reached at `endpoint`. */
function locations(endpoint: string, name: string): Json[] {
  return [
    {
      provider: 'minio',
      name: `${name}-m`,
      endpoint,
      bucket: 'b',
      accessKeyId: 'k',
      secretAccessKey: 's',
    },
    {
      provider: 'azure',
      name: `${name}-a`,
      storageAccount: 'devstoreaccount1',
      container: 'backups',
      endpoint: `${endpoint}/devstoreaccount1`,
      credentials: { kind: 'sharedKey', accountKey: Buffer.from('key').toString('base64') },
    },
    {
      provider: 'gcp',
      name: `${name}-g`,
      bucket: 'b',
      endpoint,
      serviceAccountKey: JSON.stringify({
        type: 'service_account',
        client_email: 'lifeboat@example.iam.gserviceaccount.com',
        private_key: pem,
        token_uri: `${endpoint}/token`,
      }),
    },
  ];
}

describe('requests made on a user’s behalf', () => {
  let t: TestPlane;
  let web: Server;
  let garbage: TcpServer;
  let endpoint: string;
  let garbageEndpoint: string;

  const call = async (method: string, path: string, body?: unknown) =>
    t.api.call<Json>(method, `/projects/ssrf${path}`, t.adminToken, body);

  /** Everything Lifeboat stored about clusters and locations, as text. */
  const stored = async (): Promise<string> =>
    JSON.stringify([
      await t.plane.ctx.db.query('select * from clusters'),
      await t.plane.ctx.db.query('select * from locations'),
      await t.plane.ctx.db.query('select * from backups'),
    ]);

  before(async () => {
    web = createHttpServer((request, response) => {
      requests++;
      request.resume();
      response.writeHead(answer.status, { 'content-type': answer.type });
      response.end(hostileBody());
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(web.address() as { port: number }).port}`;
    // Not HTTP at all: a line of text and the secret, then the connection closes.
    garbage = createTcpServer((socket) => {
      requests++;
      socket.end(`+OK ${secret}\r\n${secret}\r\n\r\n`);
    });
    await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
    garbageEndpoint = `http://127.0.0.1:${(garbage.address() as { port: number }).port}`;
    // The test plane lets locations be at private addresses (the test bed's stores are on 127.0.0.1).
    t = await startTestPlane('embedded');
    assert.equal(t.plane.ctx.networkPolicy.privateTargets, 'allow');
    assert.equal((await t.api.call('POST', '/projects', t.adminToken, { name: 'ssrf' })).status, 201);
  });
  after(async () => {
    await t?.close();
    web?.close();
    garbage?.close();
  });

  test('answers of a kubeconfig’s server and of location endpoints are never repeated or stored', async () => {
    const shapes = [
      { status: 200, type: 'text/html' },
      { status: 500, type: 'text/html' },
      { status: 403, type: 'application/json' },
      { status: 401, type: 'text/html' },
      { status: 404, type: 'application/xml' },
      { status: 400, type: 'application/json' },
    ];
    const registered = await call('POST', '/clusters', {
      name: 'internal',
      kubeconfig: kubeconfig(endpoint),
    });
    assert.equal(registered.status, 201, registered.text);
    for (const [i, shape] of shapes.entries()) {
      Object.assign(answer, shape);
      const checked = await call('POST', '/clusters/internal/health-check');
      assert.equal(checked.status, 200, checked.text);
      assert.equal(checked.body.health, 'Unhealthy');
      const reason = String(checked.body.healthReason);
      assert.match(reason, new RegExp(`${endpoint}|HTTP ${shape.status}|\\(${shape.status}\\)`), reason);
      const namespaces = await call('GET', '/clusters/internal/namespaces');
      assert.ok(namespaces.status >= 400, namespaces.text);
      // Stores' SDKs retry server errors for up to a minute (Azure): 5xx pages are tried on clusters only.
      if (shape.status >= 500) continue;
      for (const location of locations(endpoint, `l${i}`)) {
        const validated = await call('POST', '/locations/validate', location);
        assert.equal(validated.status, 200, validated.text);
        assert.equal(validated.body.ok, false, validated.text);
        assert.ok((validated.body.problems as string[]).length > 0);
        const created = await call('POST', '/locations', location);
        assert.equal(created.status, 422, created.text);
      }
    }
    const garbled = await call('POST', '/clusters', {
      name: 'garbled',
      kubeconfig: kubeconfig(garbageEndpoint),
    });
    assert.equal(garbled.body.health, 'Unhealthy', garbled.text);
    for (const location of locations(garbageEndpoint, 'garbled'))
      assert.equal((await call('POST', '/locations/validate', location)).body.ok, false);
    assert.ok(requests > 50, `the hostile servers were asked ${requests} times`);
    const leaked = t.api.answers.filter((text) => text.includes(secret));
    assert.deepEqual(leaked, [], 'no API answer repeats the page');
    assert.ok(!(await stored()).includes(secret), 'no stored field holds the page');
  });

  test('by default, a location at a private address is refused before any request, naming the setting', async () => {
    t.plane.ctx.networkPolicy = { ...defaultNetworkPolicy };
    const before = requests;
    for (const location of locations(endpoint, 'private')) {
      const validated = await call('POST', '/locations/validate', location);
      assert.equal(validated.body.ok, false);
      const problem = (validated.body.problems as string[]).join('; ');
      assert.match(
        problem,
        /is at 127\.0\.0\.1, a private or loopback address.*LIFEBOAT_PRIVATE_TARGETS=allow/,
      );
      const created = await call('POST', '/locations', location);
      assert.equal(created.status, 422);
      assert.match(created.text, /LIFEBOAT_PRIVATE_TARGETS=allow/);
    }
    // A key's token_uri is a target too, and a name resolving to loopback is loopback.
    const [, , gcp] = locations('https://storage.googleapis.com', 'token');
    const key = JSON.parse(String(gcp?.serviceAccountKey)) as Json;
    const tokenUri = await call('POST', '/locations/validate', {
      ...gcp,
      serviceAccountKey: JSON.stringify({
        ...key,
        token_uri: `http://localhost:${new URL(endpoint).port}/token`,
      }),
    });
    assert.match(
      String(tokenUri.body.problems),
      /token_uri .* is at localhost \(.*\), a private or loopback address/,
    );
    assert.equal(requests, before, 'the hostile server was not asked');
    // Clusters usually sit on private networks: allowed by default.
    assert.equal((await call('POST', '/clusters/internal/health-check')).status, 200);
    assert.ok(requests > before, 'the cluster at 127.0.0.1 was checked');
    // The metadata service is refused for clusters too.
    const metadata = await call('POST', '/clusters', {
      name: 'metadata',
      kubeconfig: kubeconfig('http://169.254.169.254'),
    });
    assert.equal(metadata.status, 400);
    assert.match(
      metadata.text,
      /169\.254\.169\.254, a link-local \(cloud metadata\) address.*LIFEBOAT_LINK_LOCAL_TARGETS=allow/,
    );
  });

  test('a saved location is checked again before a job or a sync opens it', async () => {
    // Saved while private targets were allowed (written here: the hostile server does not validate).
    const project = (await call('GET', '')).body;
    const id = randomUUID();
    const sealed = t.plane.ctx.vault.seal(JSON.stringify({ secretAccessKey: 's' }), `location:${id}`);
    await t.plane.ctx.db.execute(
      `insert into locations (id, project_id, name, provider, config, secret, status, created_at)
       values ($1, $2, $3, $4, $5, $6, 'Valid', $7)`,
      [
        id,
        project.id,
        'saved',
        'minio',
        JSON.stringify({
          endpoint,
          bucket: 'b',
          prefix: '',
          region: 'us-east-1',
          forcePathStyle: true,
          accessKeyId: 'k',
        }),
        sealed,
        new Date(),
      ],
    );
    t.plane.ctx.networkPolicy = { ...defaultNetworkPolicy };
    const before = requests;
    const synced = await call('POST', '/locations/saved/sync');
    assert.ok(synced.status >= 400, synced.text);
    assert.match(
      synced.text,
      /is at 127\.0\.0\.1, a private or loopback address.*LIFEBOAT_PRIVATE_TARGETS=allow/,
    );
    const revalidated = await call('POST', '/locations/saved/validate');
    assert.equal(revalidated.body.status, 'Invalid', revalidated.text);
    assert.equal(requests, before, 'the hostile server was not asked');
    // Allowed again, the same sync reaches it (and still repeats nothing of its answer).
    t.plane.ctx.networkPolicy = networkPolicyFromEnv({ LIFEBOAT_PRIVATE_TARGETS: 'allow' });
    Object.assign(answer, { status: 500, type: 'text/html' });
    const reached = await call('POST', '/locations/saved/sync');
    assert.ok(requests > before, 'with the setting, the sync reached the server');
    assert.ok(!reached.text.includes(secret), reached.text);
    assert.ok(!(await stored()).includes(secret));
  });

  test('with LIFEBOAT_PRIVATE_TARGETS=deny, clusters at private addresses are refused too', async () => {
    t.plane.ctx.networkPolicy = networkPolicyFromEnv({ LIFEBOAT_PRIVATE_TARGETS: 'deny' });
    const before = requests;
    const refused = await call('POST', '/clusters', { name: 'private', kubeconfig: kubeconfig(endpoint) });
    assert.equal(refused.status, 400);
    assert.match(
      refused.text,
      /API server http:\/\/127\.0\.0\.1:\d+ is at 127\.0\.0\.1, a private or loopback address.*LIFEBOAT_PRIVATE_TARGETS=clusters/,
    );
    const checked = await call('POST', '/clusters/internal/health-check');
    assert.equal(checked.body.health, 'Unhealthy');
    assert.match(String(checked.body.healthReason), /private or loopback address.*LIFEBOAT_PRIVATE_TARGETS/);
    const namespaces = await call('GET', '/clusters/internal/namespaces');
    assert.equal(namespaces.status, 400);
    assert.equal(requests, before, 'the hostile server was not asked');
    assert.deepEqual(
      t.api.answers.filter((text) => text.includes(secret)),
      [],
    );
  });
});
