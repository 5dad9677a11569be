/**
 * A route is declared once — method, path, role summary, zod schemas of its body and query — and that one
 * declaration both registers the handler and describes the route in the OpenAPI document.
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import {
  authorize,
  backupRef,
  type Caller,
  type ControlContext,
  idOrName,
  parseInput,
  requireGlobalAdmin,
} from '../control/index.ts';
import type { Role } from '../db/index.ts';
import { RequestBodyError } from './errors.ts';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface Env {
  Variables: { caller: Caller };
}

export interface RouteInput<B, Q> {
  caller: Caller;
  params: Record<string, string>;
  body: B;
  query: Q;
  c: Context<Env>;
}

export interface Route<B = unknown, Q = unknown> {
  method: Method;
  /** Hono path under /api/v1, e.g. `/projects/:project/clusters`. */
  path: string;
  tag: string;
  summary: string;
  /**
   * The least project role that may call it (checked before the body is read, and again by the use case),
   * `administrator` for Lifeboat administrators, or absent for any signed-in user.
   */
  access?: Role | 'administrator';
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  /** Status of a success; 204 sends no body. */
  status?: 200 | 201 | 202 | 204;
  /** Says what comes back. */
  returns: string;
  /** A route that answers with its own Response (streams, text). */
  raw?: boolean;
  /** Served without a token. */
  public?: boolean;
  handler(input: RouteInput<B, Q>): Promise<unknown>;
}

/** Declares a route with typed input (inference helper). */
export function route<B = undefined, Q = undefined>(definition: Route<B, Q>): Route<B, Q> {
  return definition;
}

async function readBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (!text.trim()) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RequestBodyError(
      'the request body is not valid JSON: send a JSON object with Content-Type: application/json',
    );
  }
}

/** What each path parameter may hold: a name or an id, bounded like the names themselves. */
const pathParameters: Record<string, z.ZodType<string>> = { backup: backupRef, restore: backupRef };

/** The schema of a route's path parameters (`:project`, `:backup`...). */
function pathSchema(path: string): z.ZodType<Record<string, string>> {
  const names = [...path.matchAll(/:(\w+)/g)].map((match) => match[1] as string);
  return z.object(Object.fromEntries(names.map((name) => [name, pathParameters[name] ?? idOrName])));
}

export function register(
  app: Hono<Env>,
  ctx: ControlContext,
  routes: readonly Route<unknown, unknown>[],
): void {
  for (const definition of routes) {
    const paramsSchema = pathSchema(definition.path);
    app.on(definition.method.toUpperCase(), `/api/v1${definition.path}`, async (c) => {
      const params = parseInput(paramsSchema, c.req.param());
      const project = params.project;
      if (definition.access === 'administrator')
        requireGlobalAdmin(c.get('caller'), definition.summary.replace(/\s*\(.*\)$/, '').toLowerCase());
      else if (definition.access && project)
        await authorize(ctx, c.get('caller'), project, definition.access);
      const body = definition.body ? parseInput(definition.body, await readBody(c)) : undefined;
      const query = definition.query ? parseInput(definition.query, c.req.query()) : undefined;
      const result = await definition.handler({
        caller: c.get('caller'),
        params,
        body,
        query,
        c,
      });
      if (definition.raw) return result as Response;
      if (definition.status === 204) return c.body(null, 204);
      return c.json(result as object, definition.status ?? 200);
    });
  }
}

/** The OpenAPI 3.1 document of the routes. */
export function openApiDocument(routes: readonly Route<unknown, unknown>[], version: string): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const definition of routes) {
    const path = `/api/v1${definition.path.replace(/:(\w+)/g, '{$1}')}`;
    const parameters = [...definition.path.matchAll(/:(\w+)/g)].map((match) => ({
      name: match[1],
      in: 'path',
      required: true,
      schema: z.toJSONSchema(pathParameters[match[1] as string] ?? idOrName) as { type: string },
      description: 'id or name',
    }));
    if (definition.query) {
      const schema = z.toJSONSchema(definition.query, { io: 'input' }) as {
        properties?: Record<string, object>;
        required?: string[];
      };
      for (const [name, property] of Object.entries(schema.properties ?? {}))
        parameters.push({
          name,
          in: 'query',
          required: schema.required?.includes(name) ?? false,
          schema: property as { type: string },
          description: '',
        });
    }
    const operation: Record<string, unknown> = {
      tags: [definition.tag],
      summary: definition.summary,
      ...(definition.access ? { description: `Requires: ${definition.access}.` } : {}),
      parameters,
      responses: {
        [String(definition.status ?? 200)]: { description: definition.returns },
        default: {
          description: 'an error',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
      ...(definition.public ? { security: [] } : {}),
    };
    if (definition.body)
      operation.requestBody = {
        required: true,
        content: {
          'application/json': {
            schema: z.toJSONSchema(definition.body, { io: 'input', unrepresentable: 'any' }),
          },
        },
      };
    paths[path] ??= {};
    (paths[path] as Record<string, object>)[definition.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Lifeboat API',
      version,
      description: 'Backup and restore for fleets of Kubernetes clusters.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an API token (lbt_...)' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['name', 'message'],
              properties: {
                name: { type: 'string' },
                message: { type: 'string' },
                issues: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: { path: { type: 'string' }, message: { type: 'string' } },
                  },
                },
                problems: { type: 'array', items: { type: 'string' } },
              },
            },
          },
        },
      },
    },
    paths,
  };
}
