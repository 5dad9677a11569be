/**
 * Server-sent progress. Streams read the database (every half second), not the job in memory, so a client
 * connected to any replica follows a job running on another. Each round checks again that the caller may
 * read: a revoked token or a removed member stops receiving at once on this replica (the change wakes its
 * streams) and within half a second on the others.
 */
import type { Context } from 'hono';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';
import * as control from '../control/index.ts';
import type { Env } from './route.ts';

const terminal = new Set(['Completed', 'PartiallyFailed', 'Failed']);
const pollMs = 500;

/** The open streams of each control plane, woken when someone's access changes. */
const sleepers = new WeakMap<control.ControlContext, Set<() => void>>();

/** Wakes this replica's streams to check their callers' access now (a token revoked, a member removed). */
export function accessChanged(ctx: control.ControlContext): void {
  for (const wake of [...(sleepers.get(ctx) ?? [])]) wake();
}

/** Waits `ms`, or less when access changes meanwhile. */
function pause(ctx: control.ControlContext, ms: number): Promise<void> {
  let set = sleepers.get(ctx);
  if (!set) {
    set = new Set();
    sleepers.set(ctx, set);
  }
  const waiting = set;
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      waiting.delete(wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    waiting.add(wake);
  });
}

function deniesAccess(error: unknown): error is Error {
  return (
    error instanceof control.AuthenticationError ||
    error instanceof control.NotAllowedError ||
    error instanceof control.NotFoundError
  );
}

/**
 * Runs `round` until it answers true (the job ended) or the client leaves, checking the caller's access
 * before every round. A lost access ends the stream with an `error` event that says why.
 */
function pollStream(
  c: Context<Env>,
  ctx: control.ControlContext,
  caller: control.Caller,
  round: (stream: SSEStreamingApi) => Promise<boolean>,
): Response {
  return streamSSE(c, async (stream) => {
    let closed = false;
    stream.onAbort(() => {
      closed = true;
    });
    try {
      while (!closed) {
        await control.checkStillSignedIn(ctx, caller);
        if (await round(stream)) break;
        await pause(ctx, pollMs);
      }
    } catch (error) {
      if (closed) return;
      if (!deniesAccess(error)) {
        ctx.log.error({ err: error }, 'event stream failed');
        await stream.writeSSE({
          event: 'error',
          data: JSON.stringify({ error: { name: 'InternalError', message: 'the event stream failed' } }),
        });
        return;
      }
      await stream.writeSSE({
        event: 'error',
        data: JSON.stringify({ error: { name: error.name, message: error.message } }),
      });
    }
  });
}

/**
 * `progress` events while the restore runs (each time its phase, counts or the phase of a claim made from a
 * snapshot changes), an `item` event per object done, `end` when it finishes.
 */
export function restoreEvents(
  c: Context<Env>,
  ctx: control.ControlContext,
  caller: control.Caller,
  project: string,
  restoreRef: string,
  after: number,
): Response {
  let seq = after;
  let last = '';
  return pollStream(c, ctx, caller, async (stream) => {
    const restore = await control.resolveRestore(ctx, caller, project, restoreRef);
    for (;;) {
      const items = await control.restoreItems(ctx, restore.id, seq, 500);
      for (const item of items) {
        await stream.writeSSE({ event: 'item', id: String(item.seq), data: JSON.stringify(item) });
        seq = item.seq;
      }
      if (items.length < 500) break;
    }
    const view = control.viewRestore(restore);
    const state = JSON.stringify([view.phase, view.progress, view.counts, view.volumes]);
    if (state !== last) {
      last = state;
      await stream.writeSSE({ event: 'progress', data: JSON.stringify(view) });
    }
    if (!terminal.has(restore.phase)) return false;
    await stream.writeSSE({ event: 'end', data: JSON.stringify(view) });
    return true;
  });
}

/** `progress` events while the backup runs, `end` when it finishes (or is gone). */
export function backupEvents(
  c: Context<Env>,
  ctx: control.ControlContext,
  caller: control.Caller,
  project: string,
  backupRef: string,
): Response {
  let last = '';
  return pollStream(c, ctx, caller, async (stream) => {
    const view = await control.getBackup(ctx, caller, project, backupRef);
    const state = JSON.stringify([view.phase, view.progress, view.bytes]);
    if (state !== last) {
      last = state;
      await stream.writeSSE({ event: 'progress', data: JSON.stringify(view) });
    }
    if (!terminal.has(view.phase)) return false;
    await stream.writeSSE({ event: 'end', data: JSON.stringify(view) });
    return true;
  });
}
