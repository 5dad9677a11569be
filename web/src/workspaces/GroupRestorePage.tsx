/**
 * One group restore: the members' progress taken together, then each member restore (source → target, phase,
 * progress), each opening its own page with its objects.
 */
import type { GroupRestoreView } from '../../../src/api/types.ts';
import { MessageCounts } from '../components/MessageCounts.tsx';
import { Badge, ErrorNote, ProgressBar } from '../components/ui.tsx';
import { formatTime, plural } from '../format.ts';
import { countsText } from '../restores/action-words.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { groupRun } from './group-messages.ts';
import { useGroupRestore } from './group-restore-queries.ts';

const running = (phase: string) => phase === 'Queued' || phase === 'InProgress';

/** The phase of the group in words (announced to screen readers). */
export function groupStatusLine(view: GroupRestoreView): string {
  const byPhase = Object.entries(view.phases)
    .map(([phase, n]) => `${n} ${phase}`)
    .join(', ');
  return `${view.phase} — ${plural(view.members.length, 'restore')}: ${byPhase}`;
}

export function GroupRestorePage(props: { groupRestore: string }) {
  const project = useSession().project?.name ?? '';
  const group = useGroupRestore(project, props.groupRestore);
  if (group.isPending) return <p className="loading">Loading group restore {props.groupRestore}…</p>;
  if (group.error)
    return (
      <>
        <h1>Group restore {props.groupRestore}</h1>
        <ErrorNote error={group.error} title={`Cannot load group restore ${props.groupRestore}`} />
        <Link to={['p', project, 'workspaces']}>Back to the workspaces</Link>
      </>
    );
  const view = group.data;
  const counts = countsText(view.counts, 'result');
  return (
    <>
      <div className="page-head">
        <h1>Group restore {view.name}</h1>
        <Badge value={view.phase} />
        <MessageCounts run={groupRun(view)} kind="group restore" />
      </div>
      <p role="status">{groupStatusLine(view)}</p>
      <ProgressBar percent={view.progress.percent} label="Group restore progress" />
      <div className="grid">
        <div className="stat">
          <div className="label">Workspace</div>
          <div className="value">
            {view.workspace?.name ? (
              <Link to={['p', project, 'workspaces', view.workspace.name]}>{view.workspace.name}</Link>
            ) : (
              '—'
            )}
          </div>
        </div>
        <div className="stat">
          <div className="label">Objects</div>
          <div className="value">
            {view.progress.itemsDone} / {view.progress.itemsTotal}
          </div>
          {counts ? <div className="muted">{counts}</div> : null}
        </div>
        <div className="stat">
          <div className="label">Started</div>
          <div className="value">{formatTime(view.createdAt)}</div>
          {view.completedAt ? <div className="muted">Ended {formatTime(view.completedAt)}</div> : null}
        </div>
      </div>
      <section className="card" aria-labelledby="members-heading">
        <h2 id="members-heading">Restores</h2>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Restore</th>
                <th scope="col">Backup</th>
                <th scope="col">Into cluster</th>
                <th scope="col">Phase</th>
                <th scope="col">Objects</th>
              </tr>
            </thead>
            <tbody>
              {view.members.map((member) => (
                <tr key={member.id}>
                  <td>
                    <Link to={['p', project, 'restores', member.id]}>{member.name}</Link>
                  </td>
                  <td>
                    {member.backup.id ? (
                      <Link to={['p', project, 'backups', member.backup.id]}>{member.backup.name}</Link>
                    ) : (
                      member.backup.name
                    )}
                  </td>
                  <td>{member.targetCluster.name}</td>
                  <td>
                    <Badge value={member.phase} title={member.failureReason} />
                    <MessageCounts run={member} kind="restore" />
                    {running(member.phase) ? (
                      <ProgressBar percent={member.progress.percent} label={`Progress of ${member.name}`} />
                    ) : null}
                    {member.failureReason ? <div className="muted">{member.failureReason}</div> : null}
                  </td>
                  <td>
                    {member.progress.itemsDone} / {member.progress.itemsTotal}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
