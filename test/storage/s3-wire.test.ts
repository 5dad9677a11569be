/**
 * What `S3ObjectStore` puts on the wire, which a real S3 server does not show back: a buffer goes as one
 * PutObject, its bytes signed (their SHA-256 in `x-amz-content-sha256`) over plain HTTP and sent as
 * `UNSIGNED-PAYLOAD` over HTTPS, never with a CRC32 the SDK computed; a ranged read asks for exactly its
 * bytes. The server is a loopback HTTP(S) listener that records each request and answers as S3 would; the
 * behaviour of real stores is checked in test/storage/ranges.test.ts and conditional.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { getBuffer, S3ObjectStore } from '../../src/storage/index.ts';
import { createCa, issue } from '../testbed/certs.ts';

/** One request as the server saw it. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  bodySha256: string;
  bodyLength: number;
}

/** Starts a listener that records requests: PUT answers 200, GET answers the range asked of `object`. */
async function recordingServer(
  tls: { certPem: string; keyPem: string } | undefined,
  object: Buffer,
): Promise<{ endpoint: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    const hash = createHash('sha256');
    let bodyLength = 0;
    request.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bodyLength += chunk.length;
    });
    request.on('end', () => {
      seen.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        bodySha256: hash.digest('hex'),
        bodyLength,
      });
      if (request.method === 'PUT') {
        response.writeHead(200, { etag: '"0123"' }).end();
        return;
      }
      const range = /^bytes=(\d+)-(\d+)$/.exec(request.headers.range ?? '');
      const start = Number(range?.[1] ?? 0);
      const end = Math.min(Number(range?.[2] ?? object.length - 1), object.length - 1);
      response
        .writeHead(range ? 206 : 200, {
          'content-length': end - start + 1,
          ...(range ? { 'content-range': `bytes ${start}-${end}/${object.length}` } : {}),
        })
        .end(object.subarray(start, end + 1));
    });
  };
  const server = tls
    ? createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, handler)
    : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const object = randomBytes(4096);

for (const scheme of ['http', 'https'] as const) {
  describe(`S3ObjectStore over ${scheme}`, () => {
    let server: Awaited<ReturnType<typeof recordingServer>>;
    let store: S3ObjectStore;
    before(async () => {
      let caCert: string | undefined;
      let tls: { certPem: string; keyPem: string } | undefined;
      if (scheme === 'https') {
        const ca = await createCa('s3-wire-test-ca');
        tls = await issue(ca, { subject: 'CN=s3', server: { dns: ['localhost'], ips: ['127.0.0.1'] } });
        caCert = ca.certPem;
      }
      server = await recordingServer(tls, object);
      store = new S3ObjectStore({
        bucket: 'bucket',
        prefix: 'prefix',
        region: 'us-east-1',
        endpoint: server.endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: 'id', secretAccessKey: 'secret' },
        ...(caCert ? { caCert } : {}),
      });
    });
    after(async () => {
      await store?.close();
      await server?.close();
    });

    test(`a 20 MiB buffer goes as one PutObject, ${scheme === 'https' ? 'its bytes unsigned (TLS protects them)' : 'its bytes signed'}, with no SDK checksum`, async () => {
      server.seen.length = 0;
      const body = randomBytes(20 * 1024 * 1024);
      await store.put('pack', body, { ifAbsent: true });
      assert.equal(
        server.seen.length,
        1,
        `requests: ${server.seen.map((s) => `${s.method} ${s.url}`).join(', ')}`,
      );
      const [put] = server.seen as [Seen];
      assert.equal(put.method, 'PUT');
      assert.equal(put.url, '/bucket/prefix/pack?x-id=PutObject');
      assert.equal(put.bodyLength, body.length);
      assert.equal(put.bodySha256, createHash('sha256').update(body).digest('hex'));
      assert.equal(put.headers['if-none-match'], '*');
      assert.equal(
        put.headers['x-amz-content-sha256'],
        scheme === 'https' ? 'UNSIGNED-PAYLOAD' : put.bodySha256,
        'the payload hash header',
      );
      assert.match(String(put.headers.authorization), /SignedHeaders=[^,]*x-amz-content-sha256/);
      const checksums = Object.keys(put.headers).filter((name) => /^x-amz-(sdk-)?checksum/.test(name));
      assert.deepEqual(checksums, [], 'no checksum headers');
    });

    test('a ranged read asks for exactly its bytes', async () => {
      server.seen.length = 0;
      const chunks: Buffer[] = [];
      for await (const chunk of await store.getRange('pack', { offset: 100, length: 50 })) chunks.push(chunk);
      assert.deepEqual(Buffer.concat(chunks), object.subarray(100, 150));
      assert.equal(server.seen.length, 1);
      assert.equal(server.seen[0]?.headers.range, 'bytes=100-149');
      assert.equal(server.seen[0]?.headers['x-amz-checksum-mode'], undefined, 'no checksum asked back');
      // A whole read, for comparison, asks for no range.
      assert.deepEqual(await getBuffer(store, 'pack'), object);
      assert.equal(server.seen[1]?.headers.range, undefined);
    });

    test('a malformed range is a RangeError, before any request', async () => {
      server.seen.length = 0;
      for (const range of [
        { offset: -1, length: 10 },
        { offset: 0, length: 0 },
        { offset: 1.5, length: 10 },
        { offset: 0, length: Number.NaN },
      ])
        await assert.rejects(store.getRange('pack', range), RangeError, JSON.stringify(range));
      assert.equal(server.seen.length, 0);
    });
  });
}
