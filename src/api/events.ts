/**
 * Server-sent progress. Streams read the database (every half second), not the job in memory, so a client
 * connected to any replica follows a job running on another.
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import * as control from '../control/index.ts';
import type { Env } from './route.ts';

const terminal = new Set(['Completed', 'PartiallyFailed', 'Failed']);
const pollMs = 500;

/** `progress` events while the restore runs, an `item` event per object done, `end` when it finishes. */
export function restoreEvents(
  c: Context<Env>,
  ctx: control.ControlContext,
  caller: control.Caller,
  project: string,
  restoreRef: string,
  after: number,
): Response {
  return streamSSE(c, async (stream) => {
    let seq = after;
    let last = '';
    let closed = false;
    stream.onAbort(() => {
      closed = true;
    });
    while (!closed) {
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
      const state = JSON.stringify([view.phase, view.progress, view.counts]);
      if (state !== last) {
        last = state;
        await stream.writeSSE({ event: 'progress', data: JSON.stringify(view) });
      }
      if (terminal.has(restore.phase)) {
        await stream.writeSSE({ event: 'end', data: JSON.stringify(view) });
        break;
      }
      await stream.sleep(pollMs);
    }
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
  return streamSSE(c, async (stream) => {
    let last = '';
    let closed = false;
    stream.onAbort(() => {
      closed = true;
    });
    while (!closed) {
      const view = await control.getBackup(ctx, caller, project, backupRef);
      const state = JSON.stringify([view.phase, view.progress, view.bytes]);
      if (state !== last) {
        last = state;
        await stream.writeSSE({ event: 'progress', data: JSON.stringify(view) });
      }
      if (terminal.has(view.phase)) {
        await stream.writeSSE({ event: 'end', data: JSON.stringify(view) });
        break;
      }
      await stream.sleep(pollMs);
    }
  });
}
