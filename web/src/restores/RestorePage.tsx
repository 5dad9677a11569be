/**
 * One restore: where from and to, how far it is, each claim made from a CSI snapshot with its phase, each
 * object as it is restored, and what went wrong.
 */
import { type ReactNode, useState } from 'react';
import type { RestoreView } from '../../../src/api/types.ts';
import { api } from '../api.ts';
import { MessageCounts } from '../components/MessageCounts.tsx';
import { Badge, ErrorNote, ProgressBar } from '../components/ui.tsx';
import { formatTime, plural } from '../format.ts';
import { Link } from '../router.tsx';
import { resultActions } from './action-words.ts';
import { RestoreItemLog } from './RestoreItemLog.tsx';
import { RestoreVolumes } from './RestoreVolumes.tsx';
import { ResultMessages } from './ResultMessages.tsx';
import { volumeSourceLabel } from './restore-choice.ts';
import { isBusy, restorePath, useProjectName, useRestore } from './restore-queries.ts';

const objects = (count: number) => plural(count, 'object');

/** The phase in words, for the status line screen readers announce. */
export function statusLine(restore: RestoreView): string {
  const { itemsDone, itemsTotal } = restore.progress;
  const failed = restore.counts.failed ?? 0;
  switch (restore.phase) {
    case 'Queued':
      return 'Queued — waiting for a Lifeboat server to start it';
    case 'InProgress':
      return itemsTotal > 0
        ? `InProgress — ${itemsDone} of ${objects(itemsTotal)}`
        : 'InProgress — reading the backup';
    case 'Completed':
      return `Completed — ${objects(itemsDone)}`;
    case 'PartiallyFailed':
      return `PartiallyFailed — ${objects(itemsDone)}, ${failed} failed`;
    case 'Failed':
      return `Failed — ${restore.failureReason ?? 'see the errors and the log below'}`;
  }
}

export function RestorePage(props: { restore: string }) {
  const project = useProjectName();
  const restore = useRestore(project, props.restore, false);
  if (restore.isPending) return <p className="loading">Loading restore {props.restore}…</p>;
  if (restore.error)
    return (
      <>
        <h1>Restore {props.restore}</h1>
        <ErrorNote error={restore.error} title={`Cannot load restore ${props.restore}`} />
        <Link to={['p', project, 'clusters']}>Back to the clusters</Link>
      </>
    );
  const view = restore.data;
  const running = isBusy(view.phase);
  return (
    <>
      <div className="page-head">
        <h1>Restore {view.name}</h1>
        <Badge value={view.phase} title={view.failureReason} />
        <MessageCounts run={view} kind="restore" />
      </div>
      <p role="status">{statusLine(view)}</p>
      <ProgressBar percent={view.progress.percent} label="Restore progress" />
      <RestoreFacts view={view} project={project} />
      <RestoreVolumes volumes={view.volumes} running={running} />
      <RestoreItemLog
        key={view.id}
        project={project}
        restore={view.id}
        running={running}
        itemsDone={view.progress.itemsDone}
      />
      <ResultMessages title="Errors" messages={view.errors} tone="error" />
      <ResultMessages title="Warnings" messages={view.warnings} tone="warning" />
      {!running && view.errorCount === 0 && view.warningCount === 0 && view.phase !== 'Failed' ? (
        <p className="ok-note">No errors or warnings.</p>
      ) : null}
      <RestoreLogs project={project} restore={view.id} />
    </>
  );
}

function RestoreFacts(props: { view: RestoreView; project: string }) {
  const { view, project } = props;
  const mappings = Object.entries(view.options.namespaceMappings).map(([from, to]) => `${from} → ${to}`);
  return (
    <>
      <div className="grid" style={{ margin: '16px 0' }}>
        <Stat label="Backup">
          {view.backup.id ? (
            <Link to={['p', project, 'backups', view.backup.id]}>{view.backup.name}</Link>
          ) : (
            `${view.backup.name} (deleted)`
          )}
        </Stat>
        <Stat label="Target cluster">
          {view.targetCluster.id ? (
            <Link to={['p', project, 'clusters', view.targetCluster.name]}>{view.targetCluster.name}</Link>
          ) : (
            `${view.targetCluster.name} (removed)`
          )}
        </Stat>
        <Stat label="Started">{formatTime(view.startedAt)}</Stat>
        <Stat label="Completed">{formatTime(view.completedAt)}</Stat>
      </div>
      <div className="grid" style={{ marginBottom: 16 }}>
        {resultActions.map(([key, label]) => (
          <Stat key={key} label={label}>
            {view.counts[key] ?? 0}
          </Stat>
        ))}
      </div>
      <p className="muted">
        Namespaces:{' '}
        {view.options.includeNamespaces.length > 0
          ? view.options.includeNamespaces.join(', ')
          : 'all in the backup'}
        {mappings.length > 0 ? ` · restored as ${mappings.join(', ')}` : ''}
        {' · '}
        {view.options.existingResourcePolicy === 'update'
          ? 'existing objects updated to the backed-up state'
          : 'existing objects left alone'}
        {view.options.volumeSource && view.options.volumeSource !== 'auto'
          ? ` · volume source: ${volumeSourceLabel(view.options.volumeSource)}`
          : ''}
      </p>
    </>
  );
}

function Stat(props: { label: string; children: ReactNode }) {
  return (
    <div className="stat">
      <div className="label">{props.label}</div>
      <div className="value">{props.children}</div>
    </div>
  );
}

function RestoreLogs(props: { project: string; restore: string }) {
  const [logs, setLogs] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const load = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setLogs(await api<string>('GET', `${restorePath(props.project, props.restore)}/logs`));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card" aria-labelledby="logs-heading">
      <h2 id="logs-heading">Log</h2>
      <div className="row" style={{ flexWrap: 'nowrap', gap: 8 }}>
        <button type="button" style={{ flex: '0 0 auto' }} onClick={() => void load()} disabled={busy}>
          {logs === undefined ? 'Show logs' : 'Refresh logs'}
        </button>
        {logs !== undefined ? (
          <button type="button" style={{ flex: '0 0 auto' }} onClick={() => setLogs(undefined)}>
            Hide logs
          </button>
        ) : null}
      </div>
      <ErrorNote error={error} title="Cannot load the log" />
      {logs !== undefined ? logs ? <pre>{logs}</pre> : <p className="muted">The log is empty.</p> : null}
    </section>
  );
}
