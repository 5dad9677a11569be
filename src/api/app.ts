/**
 * The HTTP face of the control plane (Hono on web-standard Request/Response): bearer-token authentication,
 * the routes, the OpenAPI document and one error handler.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import * as control from '../control/index.ts';
import { errorResponse } from './errors.ts';
import { type Env, openApiDocument, register } from './route.ts';
import { apiRoutes } from './routes.ts';

export const apiVersion = '1.0.0';

/** Builds the API of a control plane; `app.fetch` serves it, `app.request()` tests it without sockets. */
export function createApi(ctx: control.ControlContext): Hono<Env> {
  const app = new Hono<Env>();
  const routes = apiRoutes(ctx);
  const document = openApiDocument(routes, apiVersion);
  app.onError((error, c) => {
    const response = errorResponse(error, c);
    if (response.status === 500) ctx.log.error({ err: error }, 'request failed');
    return response;
  });
  app.get('/api/v1/openapi.json', (c) => c.json(document));
  app.get('/healthz', (c) => c.json({ ok: true }));
  // Kubeconfigs (at most 128 KiB) and CA certificates (at most 256 KiB) are the largest bodies.
  app.use(
    '/api/v1/*',
    bodyLimit({
      maxSize: 1024 * 1024,
      onError: (c) =>
        c.json(
          { error: { name: 'InputError', message: 'the request body is larger than 1 MiB: send less' } },
          413,
        ),
    }),
  );
  app.use('/api/v1/*', async (c, next) => {
    const header = c.req.header('authorization');
    const token = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
    c.set('caller', await control.authenticate(ctx, token));
    await next();
  });
  register(app, ctx, routes);
  app.notFound((c) =>
    c.json(
      {
        error: {
          name: 'NotFoundError',
          message: `no route ${c.req.method} ${new URL(c.req.url).pathname}: see /api/v1/openapi.json`,
        },
      },
      404,
    ),
  );
  return app;
}
