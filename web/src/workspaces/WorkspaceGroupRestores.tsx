/** The group restores of a workspace, newest first, each opening its page. */
import { MessageCounts } from '../components/MessageCounts.tsx';
import { Badge, ErrorNote, ProgressBar } from '../components/ui.tsx';
import { formatTime } from '../format.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { groupRun } from './group-messages.ts';
import { useWorkspaceGroupRestores } from './group-restore-queries.ts';

export function WorkspaceGroupRestores(props: { workspace: string }) {
  const project = useSession().project?.name ?? '';
  const groups = useWorkspaceGroupRestores(project, props.workspace);
  if (groups.data?.length === 0) return null;
  return (
    <section className="card" aria-labelledby="group-restores-heading">
      <h2 id="group-restores-heading">Group restores</h2>
      <ErrorNote error={groups.error} title="Cannot list the group restores" />
      {groups.data ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Phase</th>
                <th scope="col">Restores</th>
                <th scope="col">Started</th>
              </tr>
            </thead>
            <tbody>
              {groups.data.map((group) => (
                <tr key={group.id}>
                  <td>
                    <Link to={['p', project, 'group-restores', group.id]}>{group.name}</Link>
                  </td>
                  <td>
                    <Badge value={group.phase} />
                    <MessageCounts run={groupRun(group)} kind="group restore" />
                    {group.phase === 'Queued' || group.phase === 'InProgress' ? (
                      <ProgressBar percent={group.progress.percent} label={`Progress of ${group.name}`} />
                    ) : null}
                  </td>
                  <td>{group.members.map((m) => `${m.targetCluster.name} (${m.phase})`).join(', ')}</td>
                  <td>{formatTime(group.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
