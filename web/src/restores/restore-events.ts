/**
 * Following a running restore: its event stream gives one `item` per object done and the restore itself on
 * `progress` and `end`. Items come in bursts of hundreds, so they are handed over in batches, not one render
 * per object. A dropped stream is picked up again after the last item seen.
 */
import { type QueryClient, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { RestoreItemView, RestoreView } from '../../../src/api/types.ts';
import { ApiError, readEvents } from '../api.ts';
import { restorePath } from './restore-queries.ts';

const flushMs = 150;
const retryMs = 2000;

export interface LiveItems {
  items: RestoreItemView[];
  /** Why the stream is down (it is retried), or undefined while it flows. */
  trouble: unknown;
}

/** Streams a restore's items while `live`; the restore's query data follows its progress events. */
export function useLiveItems(project: string, restore: string, live: boolean): LiveItems {
  const queryClient = useQueryClient();
  const [items, setItems] = useState<RestoreItemView[]>([]);
  const [trouble, setTrouble] = useState<unknown>();
  useEffect(() => {
    if (!live) return;
    const controller = new AbortController();
    setItems([]);
    void follow({
      project,
      restore,
      queryClient,
      signal: controller.signal,
      onItems: setItems,
      onTrouble: setTrouble,
    });
    return () => controller.abort();
  }, [project, restore, live, queryClient]);
  return { items, trouble };
}

async function follow(args: {
  project: string;
  restore: string;
  queryClient: QueryClient;
  signal: AbortSignal;
  onItems: (update: (items: RestoreItemView[]) => RestoreItemView[]) => void;
  onTrouble: (error: unknown) => void;
}): Promise<void> {
  const { signal } = args;
  const path = `${restorePath(args.project, args.restore)}/events`;
  let lastSeq = 0;
  let ended = false;
  let pending: RestoreItemView[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    if (batch.length > 0 && !signal.aborted) args.onItems((items) => items.concat(batch));
  };
  const onEvent = (event: string, data: string) => {
    if (event === 'item') {
      const item = JSON.parse(data) as RestoreItemView;
      lastSeq = item.seq;
      pending.push(item);
      timer ??= setTimeout(flush, flushMs);
    } else if (event === 'progress' || event === 'end') {
      const view = JSON.parse(data) as RestoreView;
      args.queryClient.setQueryData(['p', args.project, 'restore', args.restore], view);
      if (event === 'end') {
        ended = true;
        flush();
        // Lists elsewhere show this restore's phase too.
        void args.queryClient.invalidateQueries({ queryKey: ['p', args.project, 'restores'] });
      }
    }
  };
  signal.addEventListener('abort', () => clearTimeout(timer));
  while (!ended && !signal.aborted) {
    try {
      await readEvents(lastSeq > 0 ? `${path}?after=${lastSeq}` : path, onEvent, signal);
      args.onTrouble(undefined);
    } catch (error) {
      if (signal.aborted) return;
      flush();
      args.onTrouble(error);
      // Refused (gone, no access): retrying will not help.
      if (error instanceof ApiError && error.status >= 400 && error.status < 500) return;
    }
    if (!ended) await sleep(retryMs, signal);
  }
  flush();
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
