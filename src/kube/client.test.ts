/**
 * What the client says when an address answers something other than the Kubernetes API: a kubeconfig's server
 * is chosen by a user, so a page it answers (an internal service's, say) must never be repeated.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { HttpKubeClient } from './client.ts';
import type { KubeConnection } from './connection.ts';
import { KubeApiError } from './errors.ts';

const secret = 'INTERNAL-ONLY-aws_secret_access_key=wJalrXUtnFEMI';
let server: Server;
let url: string;

before(async () => {
  server = createServer((request, response) => {
    if (request.url?.startsWith('/status')) {
      response.writeHead(403, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ kind: 'Status', reason: 'Forbidden', message: 'denied by a webhook' }));
      return;
    }
    response.writeHead(request.url?.startsWith('/ok') ? 200 : 403, { 'content-type': 'text/html' });
    response.end(`<html><body>${secret}</body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => server.close());

function client(): HttpKubeClient {
  const connection: KubeConnection = {
    server: url,
    context: 'test',
    tls: { rejectUnauthorized: true },
    authHeaders: async () => ({}),
  };
  return new HttpKubeClient(connection, { maxAttempts: 1 });
}

test('a non-Kubernetes answer is described, never repeated', async () => {
  const kube = client();
  try {
    const error = await kube.request({ method: 'GET', path: '/api' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof KubeApiError, String(error));
    assert.equal(error.status, 403);
    assert.ok(!error.message.includes(secret), error.message);
    assert.match(error.message, /HTTP 403 with \d+ bytes of text\/html that are not a Kubernetes Status/);
  } finally {
    await kube.close();
  }
});

test("a Kubernetes Status keeps the API server's own sentence", async () => {
  const kube = client();
  try {
    await assert.rejects(kube.request({ method: 'GET', path: '/status' }), (error: unknown) => {
      assert.ok(error instanceof KubeApiError);
      assert.match(error.message, /denied by a webhook/);
      return true;
    });
  } finally {
    await kube.close();
  }
});
