/**
 * A restore's objects, one row each: streamed as they are done while it runs, read once when it has
 * finished. Failed rows stand out.
 */
import { memo, useLayoutEffect, useRef, useState } from 'react';
import type { RestoreItemView } from '../../../src/api/types.ts';
import { ErrorNote } from '../components/ui.tsx';
import { plural } from '../format.ts';
import { resultActionWord } from './action-words.ts';
import { problemStyle } from './problem-style.ts';
import { useLiveItems } from './restore-events.ts';
import { itemsLimit, useFinishedItems, useRestore } from './restore-queries.ts';

export function RestoreItemLog(props: {
  project: string;
  restore: string;
  running: boolean;
  itemsDone: number;
}) {
  // Decided once: a restore that finishes while watched keeps its streamed rows rather than reloading them.
  const [live] = useState(props.running);
  const streamed = useLiveItems(props.project, props.restore, live);
  const finished = useFinishedItems(props.project, props.restore, !live);
  // The stream carries the restore's progress too; while it is down, the figures are polled instead.
  useRestore(props.project, props.restore, Boolean(streamed.trouble));
  const items = live ? streamed.items : (finished.data ?? []);
  const shown = items.length > itemsLimit ? items.slice(-itemsLimit) : items;

  // Follows the newest row while the reader is at the bottom; leaves them alone once they scroll up.
  const log = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  useLayoutEffect(() => {
    const element = log.current;
    if (live && element && atBottom.current && shown.length > 0) element.scrollTop = element.scrollHeight;
  }, [live, shown.length]);

  return (
    <section className="card" aria-labelledby="items-heading">
      <h2 id="items-heading">Objects</h2>
      {streamed.trouble ? (
        <ErrorNote error={streamed.trouble} title="Live progress interrupted (retrying)" />
      ) : null}
      <ErrorNote error={finished.error} title="Cannot load the restored objects" />
      {!live && finished.isPending ? <p className="loading">Loading objects…</p> : null}
      {live && items.length === 0 ? (
        <p className="muted">Objects appear here one by one as they are restored.</p>
      ) : null}
      {!live && finished.data?.length === 0 ? <p className="muted">No object was restored.</p> : null}
      {!live && props.itemsDone > itemsLimit ? (
        <p className="muted">
          Showing the first {itemsLimit} of {plural(props.itemsDone, 'object')}.
        </p>
      ) : null}
      {live && items.length > itemsLimit ? (
        <p className="muted">
          Showing the latest {itemsLimit} of {plural(items.length, 'object')}.
        </p>
      ) : null}
      {shown.length > 0 ? (
        <div
          className="item-log"
          ref={log}
          onScroll={(event) => {
            const element = event.currentTarget;
            atBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 40;
          }}
        >
          <table>
            <thead>
              <tr>
                <th>#</th>
                <th>Action</th>
                <th>Kind</th>
                <th>Namespace</th>
                <th>Name</th>
                <th>Detail</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((item) => (
                <ItemRow key={item.seq} item={item} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

/** Memoised: a running restore appends rows many times a second, and old rows never change. */
const ItemRow = memo(function ItemRow(props: { item: RestoreItemView }) {
  const { item } = props;
  const failed = item.action === 'failed';
  return (
    <tr style={failed ? problemStyle : undefined}>
      <td>{item.seq}</td>
      <td>{failed ? <strong>{resultActionWord(item.action)}</strong> : resultActionWord(item.action)}</td>
      <td title={item.groupResource}>{item.kind ?? item.groupResource}</td>
      <td>{item.namespace ?? '—'}</td>
      <td>{item.name}</td>
      <td>{item.detail ?? ''}</td>
    </tr>
  );
});
