/** A minimal HTTP(S) client for readiness probes and set-up calls, with per-call TLS material. */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface TlsMaterial {
  ca?: string;
  cert?: string;
  key?: string;
}

export interface HttpResponse {
  status: number;
  body: string;
}

export function httpCall(
  url: string,
  options: {
    method?: string;
    body?: string;
    tls?: TlsMaterial;
    timeoutMs?: number;
    headers?: Record<string, string>;
  } = {},
): Promise<HttpResponse> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: options.method ?? 'GET',
        headers: { ...(options.body ? { 'content-type': 'application/json' } : {}), ...options.headers },
        timeout: options.timeoutMs ?? 5000,
        agent: false,
        ...options.tls,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout calling ${url}`)));
    req.on('error', reject);
    req.end(options.body);
  });
}
