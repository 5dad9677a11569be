/** A backup's log, loaded only when asked for (it can be long). */
import { useMutation } from '@tanstack/react-query';
import { api } from '../api.ts';
import { ErrorNote } from '../components/ui.tsx';
import { backupPath } from './backup-queries.ts';

export function BackupLogs(props: { project: string; backup: string }) {
  const logs = useMutation({
    mutationFn: () => api<string>('GET', `${backupPath(props.project, props.backup)}/logs`),
  });
  const shown = logs.data !== undefined;
  return (
    <>
      <div className="row" style={{ alignItems: 'center' }}>
        <div style={{ flex: '0 0 auto' }}>
          <button type="button" onClick={() => logs.mutate()} disabled={logs.isPending}>
            {logs.isPending ? 'Loading logs…' : shown ? 'Reload logs' : 'Show logs'}
          </button>{' '}
          {shown ? (
            <button type="button" onClick={() => logs.reset()}>
              Hide logs
            </button>
          ) : null}
        </div>
      </div>
      <ErrorNote error={logs.error} title="Cannot load the log" />
      {shown ? (
        logs.data ? (
          <pre className="log">{logs.data}</pre>
        ) : (
          <p className="muted">The log is empty.</p>
        )
      ) : null}
    </>
  );
}
