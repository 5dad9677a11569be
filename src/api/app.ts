/**
 * The HTTP face of the control plane (Hono on web-standard Request/Response): security headers, bearer-token
 * authentication with a limit on failures, the routes, the OpenAPI document and one error handler.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import * as control from '../control/index.ts';
import { errorResponse } from './errors.ts';
import { type Env, openApiDocument, register } from './route.ts';
import { apiRoutes } from './routes.ts';
import { clientAddress, FailureLimit, securityHeaders } from './security.ts';

export const apiVersion = '1.0.0';

export interface ApiOptions {
  /** The limit on failed authentications per client address (default 10 a minute). */
  failureLimit?: FailureLimit;
}

/** Builds the API of a control plane; `app.fetch` serves it, `app.request()` tests it without sockets. */
export function createApi(ctx: control.ControlContext, options: ApiOptions = {}): Hono<Env> {
  const app = new Hono<Env>();
  const failures = options.failureLimit ?? new FailureLimit();
  app.use('*', securityHeaders());
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
    try {
      c.set('caller', await control.authenticate(ctx, token));
    } catch (error) {
      // A request without credentials is no guess; one with wrong credentials counts against its address.
      const waitSeconds =
        header !== undefined && error instanceof control.AuthenticationError
          ? failures.fail(clientAddress(c))
          : undefined;
      if (waitSeconds === undefined) throw error;
      return c.json(
        {
          error: {
            name: 'TooManyRequestsError',
            message: `too many failed sign-ins from your address (more than ${failures.describe()}): wait ${waitSeconds} s, then sign in with a current token`,
          },
        },
        429,
        { 'Retry-After': String(waitSeconds) },
      );
    }
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
