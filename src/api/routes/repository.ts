/**
 * The routes of a location's volume repository, run by the control plane with the secret in its vault:
 * stats as one answer, and a check as a stream of JSON lines (`application/x-ndjson`) — `started`,
 * `progress` (with readData, at most one a second), `heartbeat` every 15 s while nothing else is sent (so
 * proxies keep the connection), then `result` or `error` (the error body every route answers with). A
 * refusal before the check starts (unknown location, no repository yet, one check per location) is an
 * ordinary error answer. The check stops when the caller disconnects.
 */
import type { Context } from 'hono';
import * as control from '../../control/index.ts';
import { errorResponse } from '../errors.ts';
import { type Env, type Route, route } from '../route.ts';

const heartbeatMs = 15_000;

/** The body and status the API would answer `error` with (what a stream's `error` line carries). */
async function errorLine(error: unknown, c: Context<Env>, ctx: control.ControlContext) {
  const response = errorResponse(error, c);
  if (response.status === 500) ctx.log.error({ err: error }, 'repository check failed');
  return { type: 'error', status: response.status, ...((await response.json()) as object) };
}

/** Streams a check as JSON lines; answers an error at once when the check is refused before it starts. */
async function streamCheck(
  ctx: control.ControlContext,
  c: Context<Env>,
  start: (options: control.RepositoryCheckOptions, events: (event: object) => Promise<void>) => Promise<void>,
  readData: boolean,
): Promise<Response> {
  const abort = new AbortController();
  c.req.raw.signal.addEventListener('abort', () => abort.abort(), { once: true });
  const encoder = new TextEncoder();
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let open = true;
  const body = new ReadableStream<Uint8Array>({
    start: (ready) => {
      controller = ready;
    },
    cancel: () => {
      open = false;
      abort.abort();
    },
  });
  let lastSent = Date.now();
  const send = (line: object) => {
    if (!open) return;
    lastSent = Date.now();
    controller?.enqueue(encoder.encode(`${JSON.stringify(line)}\n`));
  };
  let begun: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    begun = resolve;
  });
  const run = start({ readData, signal: abort.signal }, async (event) => {
    send(event);
    begun();
  });
  // A refusal before the first event rejects here, and the API answers it as any other error.
  await Promise.race([started, run]);
  const heartbeat = setInterval(() => {
    if (Date.now() - lastSent >= heartbeatMs) send({ type: 'heartbeat' });
  }, heartbeatMs);
  run
    .catch(async (error: unknown) => {
      if (!abort.signal.aborted) send(await errorLine(error, c, ctx));
    })
    .finally(() => {
      clearInterval(heartbeat);
      if (open) controller?.close();
      open = false;
    });
  return new Response(body, {
    headers: { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' },
  });
}

export function repositoryRoutes(ctx: control.ControlContext): Route<unknown, unknown>[] {
  const path = '/projects/:project/locations/:location/repository';
  const routes = [
    route({
      method: 'get',
      path: `${path}/stats`,
      tag: 'locations',
      summary:
        "The volume repository of a location: its snapshots' logical size against the bytes stored after deduplication and compression",
      access: 'admin',
      returns: 'the location name and the repository statistics',
      handler: ({ caller, params }) =>
        control.locationRepositoryStats(ctx, caller, String(params.project), String(params.location)),
    }),
    route({
      method: 'post',
      path: `${path}/check`,
      tag: 'locations',
      summary: `Check the volume repository of a location: every snapshot's trees and chunks indexed and their packs present; with readData every pack downloaded and every blob verified (one check per location, ${control.maxChecks} at once per server, at most ${control.checkTimeoutMs / 3_600_000} h)`,
      access: 'admin',
      body: control.repositoryCheckInput,
      raw: true,
      returns:
        'JSON lines: started (with readData: packs and storedBytes, what it downloads), progress, heartbeat, then result (ok, counts, errors, warnings) or error',
      handler: ({ caller, params, body, c }) =>
        streamCheck(
          ctx,
          c,
          (options, events) =>
            control.runRepositoryCheck(
              ctx,
              caller,
              String(params.project),
              String(params.location),
              options,
              events,
            ),
          body.readData,
        ),
    }),
  ];
  return routes as Route<unknown, unknown>[];
}
