/** `lifeboat serve`: one control-plane replica behind one HTTP port. */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { isAbsolute, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve as serveNode } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { type ControlPlane, type ControlPlaneOptions, startControlPlane } from '../control/index.ts';
import { createApi } from './app.ts';

export interface ServeOptions extends ControlPlaneOptions {
  port?: number;
  /** Interface to listen on. Default 127.0.0.1 (set 0.0.0.0 to serve other machines). */
  host?: string;
  /** The built console (`npm run build:web`); default `web/dist` of this checkout. */
  webDir?: string;
}

/** Where `vite build` puts the console. */
export const defaultWebDir = fileURLToPath(new URL('../../web/dist', import.meta.url));

const consoleMissing = `<!doctype html><meta charset="utf-8"><title>Lifeboat</title>
<p>The Lifeboat API is running (<a href="/api/v1/openapi.json">OpenAPI document</a>), but the web console is not built:
run <code>npm run build:web</code> (or start with <code>npm start</code>, which builds it).</p>`;

export interface RunningServer {
  url: string;
  plane: ControlPlane;
  close(waitMs?: number): Promise<void>;
}

/** Starts the control plane and serves its API; resolves once the port is listening. */
export async function serve(options: ServeOptions = {}): Promise<RunningServer> {
  const plane = await startControlPlane(options);
  const app = createApi(plane.ctx);
  const webDir = options.webDir ?? defaultWebDir;
  if (existsSync(webDir)) {
    // serveStatic resolves its root from the working directory.
    const root = isAbsolute(webDir) ? relative(process.cwd(), webDir) || '.' : webDir;
    app.use('/*', serveStatic({ root }));
  } else app.get('/', (c) => c.html(consoleMissing));
  let server: ReturnType<typeof serveNode>;
  const address = await new Promise<AddressInfo>((resolve, reject) => {
    server = serveNode(
      { fetch: app.fetch, port: options.port ?? 8080, hostname: options.host ?? '127.0.0.1' },
      (info) => resolve(info),
    );
    server.once('error', reject);
  }).catch(async (error: unknown) => {
    await plane.stop(0);
    throw error;
  });
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    plane,
    async close(waitMs) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Open event streams would keep the server up; they end with it.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await plane.stop(waitMs);
    },
  };
}
