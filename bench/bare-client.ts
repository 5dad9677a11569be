/**
 * The physical limits a restore and a backup are measured against: a bare client (node:https, keep-alive
 * HTTP/1.1, nothing else) posting objects with a fixed number in flight, and paging through LISTs. It does
 * none of a tool's work — no reading of a backup, no checks, no writing — so its time is what the API server
 * itself takes.
 */
import { Agent, request } from 'node:https';
import type { KubeConnection } from '../src/kube/index.ts';
import type { BenchObject } from './cluster-fill.ts';

/** What Lifeboat's restore asks for in answer to a create (metadata only), so both ask the server the same. */
const metadataOnly = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

interface Answer {
  status: number;
  body: Buffer;
}

/** One keep-alive connection per request in flight. */
export class BareClient {
  private readonly agent: Agent;
  private readonly origin: URL;
  private readonly connection: KubeConnection;

  constructor(connection: KubeConnection, inFlight: number) {
    this.connection = connection;
    this.origin = new URL(connection.server);
    const { ca, cert, key, rejectUnauthorized, servername } = connection.tls;
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: inFlight,
      ...(ca === undefined ? {} : { ca }),
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key }),
      ...(servername === undefined ? {} : { servername }),
      rejectUnauthorized,
    });
  }

  async send(
    method: 'GET' | 'POST',
    path: string,
    body?: string,
    accept = 'application/json',
  ): Promise<Answer> {
    const headers: Record<string, string> = { accept, ...(await this.connection.authHeaders()) };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          host: this.origin.hostname,
          port: this.origin.port || 443,
          path: `${this.origin.pathname.replace(/\/+$/, '')}${path}`,
          method,
          headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `work` over `items` with at most `limit` at once. */
async function eachLimit<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/**
 * Creates `namespaces`, then posts `objects` into them, `inFlight` requests at once; gives the seconds it all
 * took. The namespaces are timed too: a restore into an empty cluster creates them as well (and the cluster
 * then fills each with its own objects, as it does for a restore). Every post must succeed: a refusal means
 * the measurement is not of creates.
 */
export async function createCeiling(
  connection: KubeConnection,
  namespaces: readonly string[],
  objects: readonly BenchObject[],
  inFlight: number,
): Promise<number> {
  const client = new BareClient(connection, inFlight);
  const post = async (path: string, body: unknown) => {
    const answer = await client.send('POST', path, JSON.stringify(body), metadataOnly);
    if (answer.status >= 300)
      throw new Error(`POST ${path}: HTTP ${answer.status} ${answer.body.subarray(0, 300)}`);
  };
  try {
    const started = performance.now();
    await eachLimit(namespaces, inFlight, (name) =>
      post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }),
    );
    await eachLimit(objects, inFlight, (object) => post(object.path, object.body));
    return (performance.now() - started) / 1000;
  } finally {
    client.close();
  }
}

/** `"continue":"<token>"` from a list's metadata, which comes before its items. */
function continueToken(body: Buffer): string | undefined {
  const head = body.subarray(0, 4096).toString('latin1');
  const match = /"metadata":\{[^{}]*?"continue":"([^"]+)"/.exec(head);
  return match?.[1];
}

/**
 * Pages through each collection path (`limit=500`, as Lifeboat and kubectl page), `inFlight` collections
 * at once, pages of one collection in turn; gives the seconds, pages and bytes read, and the collections
 * the server refused.
 */
export async function pagedLists(
  connection: KubeConnection,
  paths: readonly string[],
  inFlight: number,
): Promise<{ seconds: number; pages: number; bytes: number; failed: string[] }> {
  const client = new BareClient(connection, inFlight);
  const failed: string[] = [];
  let pages = 0;
  let bytes = 0;
  try {
    const started = performance.now();
    await eachLimit(paths, inFlight, async (path) => {
      let token: string | undefined;
      do {
        const query = new URLSearchParams({ limit: '500', ...(token ? { continue: token } : {}) });
        const answer = await client.send('GET', `${path}?${query}`);
        if (answer.status >= 300) {
          failed.push(`${path}: HTTP ${answer.status}`); // a type the server cannot list: Lifeboat warns too
          return;
        }
        pages++;
        bytes += answer.body.length;
        token = continueToken(answer.body);
      } while (token);
    });
    return { seconds: (performance.now() - started) / 1000, pages, bytes, failed };
  } finally {
    client.close();
  }
}
