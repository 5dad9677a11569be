/**
 * One workspace: its clusters (changed in a dialog), its backup policy, its backups grouped by the run that
 * made them — each group restorable as a group — and its group restores.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import type { BackupView, WorkspaceView } from '../../../src/api/types.ts';
import { ApiError, api } from '../api.ts';
import { BackupTable } from '../backups/BackupTable.tsx';
import { triggerLabel } from '../backups/backup-queries.ts';
import { CreateBackupDialog } from '../backups/CreateBackupDialog.tsx';
import { Badge, EmptyState, ErrorNote } from '../components/ui.tsx';
import { formatTime } from '../format.ts';
import { PolicyEditor } from '../policies/PolicyEditor.tsx';
import { Link, navigate } from '../router.tsx';
import { useSession } from '../session.tsx';
import { CreateWorkspaceDialog } from './CreateWorkspaceDialog.tsx';
import { GroupRestoreDialog } from './GroupRestoreDialog.tsx';
import { WorkspaceGroupRestores } from './WorkspaceGroupRestores.tsx';

const activePhases = new Set<BackupView['phase']>(['Queued', 'InProgress', 'Deleting']);
const restorable = (backup: BackupView) => backup.phase === 'Completed' || backup.phase === 'PartiallyFailed';

/** Backups of one run share a group id; a backup without one stands alone. Newest group first. */
function groupBackups(backups: BackupView[]): { key: string; backups: BackupView[] }[] {
  const groups = new Map<string, BackupView[]>();
  for (const backup of backups) {
    const key = backup.groupId ?? `backup:${backup.id}`;
    groups.set(key, [...(groups.get(key) ?? []), backup]);
  }
  return [...groups].map(([key, members]) => ({ key, backups: members }));
}

function groupSummary(backups: BackupView[]): string {
  const counts = new Map<string, number>();
  for (const backup of backups) counts.set(backup.phase, (counts.get(backup.phase) ?? 0) + 1);
  return [...counts].map(([phase, count]) => `${count} ${phase}`).join(', ');
}

export function WorkspacePage(props: { workspace: string }) {
  const session = useSession();
  const projectName = session.project?.name ?? '';
  const projectPath = `/projects/${encodeURIComponent(projectName)}`;
  const workspacePath = `${projectPath}/workspaces/${encodeURIComponent(props.workspace)}`;
  const queryClient = useQueryClient();
  const workspace = useQuery({
    queryKey: ['p', projectName, 'workspace', props.workspace],
    queryFn: () => api<WorkspaceView>('GET', workspacePath),
  });
  const filter = { workspace: props.workspace };
  const backups = useQuery({
    queryKey: ['p', projectName, 'backups', filter],
    queryFn: () =>
      api<BackupView[]>('GET', `${projectPath}/backups?${new URLSearchParams(filter).toString()}`),
    refetchInterval: (query) =>
      query.state.data?.some((backup) => activePhases.has(backup.phase)) ? 1000 : false,
  });
  const [backingUp, setBackingUp] = useState(false);
  const [editing, setEditing] = useState(false);
  const [restoringGroup, setRestoringGroup] = useState<{ id: string; backups: BackupView[] }>();
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<unknown>();
  const cancelRef = useRef<HTMLButtonElement>(null);
  // The Delete button gives way to the question: keep keyboard focus on the safe answer.
  useEffect(() => {
    if (confirmingDelete) cancelRef.current?.focus();
  }, [confirmingDelete]);

  const remove = async () => {
    setDeleting(true);
    setDeleteError(undefined);
    try {
      await api('DELETE', workspacePath);
      navigate(['p', projectName, 'workspaces']);
      await queryClient.invalidateQueries({ queryKey: ['p', projectName] });
    } catch (error) {
      setDeleteError(error);
    } finally {
      setDeleting(false);
    }
  };

  if (workspace.isPending) return <p className="loading">Loading…</p>;
  if (workspace.error)
    return workspace.error instanceof ApiError && workspace.error.status === 404 ? (
      <EmptyState title={`No workspace named “${props.workspace}”`}>
        <p>
          It may have been deleted or renamed. See the{' '}
          <Link to={['p', projectName, 'workspaces']}>workspaces of this project</Link>.
        </p>
      </EmptyState>
    ) : (
      <ErrorNote error={workspace.error} title="Cannot load the workspace" />
    );
  const view = workspace.data;

  return (
    <section>
      <div className="page-head">
        <h1>{view.name}</h1>
        <div className="actions">
          {session.can('operator') ? (
            <button type="button" className="primary" onClick={() => setBackingUp(true)}>
              Back Up Now
            </button>
          ) : null}
          {session.can('admin') ? (
            <button type="button" onClick={() => setEditing(true)}>
              Edit Workspace
            </button>
          ) : null}
          {session.can('admin') && !confirmingDelete ? (
            <button type="button" className="danger" onClick={() => setConfirmingDelete(true)}>
              Delete Workspace
            </button>
          ) : null}
        </div>
      </div>
      {confirmingDelete ? (
        <div className="card">
          <p>
            Delete workspace “{view.name}”? Its clusters and their backups stay; the workspace's backup policy
            stops running.
          </p>
          <div className="form-actions">
            <button
              type="button"
              ref={cancelRef}
              onClick={() => setConfirmingDelete(false)}
              disabled={deleting}
            >
              Cancel
            </button>
            <button type="button" className="danger" onClick={() => void remove()} disabled={deleting}>
              Yes, delete
            </button>
          </div>
          <ErrorNote error={deleteError} />
        </div>
      ) : null}
      <div className="card">
        <h2>Clusters</h2>
        {view.clusters.length === 0 ? (
          <p className="muted">This workspace has no clusters left.</p>
        ) : (
          <ul>
            {view.clusters.map((cluster) => (
              <li key={cluster.id}>
                <Link to={['p', projectName, 'clusters', cluster.name]}>{cluster.name}</Link>{' '}
                <Badge value={cluster.health} />
              </li>
            ))}
          </ul>
        )}
        <p className="muted">
          Namespaces backed up in each cluster:{' '}
          {view.namespaces.length > 0 ? view.namespaces.join(', ') : 'all'}
        </p>
      </div>
      <PolicyEditor owner={{ kind: 'workspace', name: view.name }} />
      <WorkspaceGroupRestores workspace={view.name} />
      <h2>Backups</h2>
      {backups.isPending ? <p className="loading">Loading…</p> : null}
      {backups.error ? <ErrorNote error={backups.error} title="Cannot load the backups" /> : null}
      {backups.data?.length === 0 ? (
        <EmptyState title="No backups of this workspace yet">
          <p>Back it up now, or set a backup policy above so it is backed up on a schedule.</p>
        </EmptyState>
      ) : null}
      {backups.data
        ? groupBackups(backups.data).map((group) => {
            const first = group.backups[group.backups.length - 1];
            return (
              <section
                key={group.key}
                className="card"
                aria-label={`Backups of ${formatTime(first?.createdAt)}`}
              >
                <div className="page-head">
                  <h3>
                    {formatTime(first?.createdAt)}{' '}
                    <span className="muted">
                      {first ? triggerLabel[first.trigger] : ''} · {groupSummary(group.backups)}
                    </span>
                  </h3>
                  {session.can('operator') && first?.groupId && group.backups.some(restorable) ? (
                    <button
                      type="button"
                      onClick={() => setRestoringGroup({ id: first.groupId ?? '', backups: group.backups })}
                    >
                      Restore Group
                    </button>
                  ) : null}
                </div>
                <BackupTable backups={group.backups} />
              </section>
            );
          })
        : null}
      {editing ? <CreateWorkspaceDialog workspace={view} onClose={() => setEditing(false)} /> : null}
      {restoringGroup ? (
        <GroupRestoreDialog
          groupId={restoringGroup.id}
          backups={restoringGroup.backups}
          onClose={() => setRestoringGroup(undefined)}
        />
      ) : null}
      {backingUp ? (
        <CreateBackupDialog
          target={{ kind: 'workspace', name: view.name }}
          onClose={() => setBackingUp(false)}
        />
      ) : null}
    </section>
  );
}
