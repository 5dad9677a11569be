/**
 * The project's people: its members and their roles. Project admins add members, change roles and remove
 * members (the last admin stays); Lifeboat administrators also create and delete users (UsersSection).
 */
import { useState } from 'react';
import type { MemberView } from '../../../src/api/types.ts';
import { EmptyState, ErrorNote } from '../components/ui.tsx';
import { useSession } from '../session.tsx';
import { AddMemberDialog } from './AddMemberDialog.tsx';
import { ChangeRoleDialog } from './ChangeRoleDialog.tsx';
import { CreateUserDialog } from './CreateUserDialog.tsx';
import { roles, roleWork, useMembers } from './people-queries.ts';
import { RemoveMemberDialog } from './RemoveMemberDialog.tsx';
import { UsersSection } from './UsersSection.tsx';

type Open =
  | { kind: 'add' }
  | { kind: 'create-user' }
  | { kind: 'role'; member: MemberView }
  | { kind: 'remove'; member: MemberView };

export function PeoplePage() {
  const session = useSession();
  const project = session.project?.name ?? '';
  const members = useMembers(project);
  const [open, setOpen] = useState<Open>();
  const admin = session.can('admin');
  const admins = (members.data ?? []).filter((member) => member.role === 'admin');
  const isLastAdmin = (member: MemberView) => member.role === 'admin' && admins.length === 1;
  const close = () => setOpen(undefined);

  return (
    <section>
      <div className="page-head">
        <h1>People</h1>
        <div className="actions">
          {session.user.isAdmin ? (
            <button type="button" onClick={() => setOpen({ kind: 'create-user' })}>
              New user
            </button>
          ) : null}
          {admin ? (
            <button type="button" className="primary" onClick={() => setOpen({ kind: 'add' })}>
              Add member
            </button>
          ) : null}
        </div>
      </div>
      <ul className="muted">
        {roles.map((role) => (
          <li key={role}>
            <strong>{role}</strong> {roleWork[role]}
          </li>
        ))}
      </ul>
      {admin ? null : <p className="muted">Ask an admin of this project to add members or change roles.</p>}
      {members.isPending ? <p className="loading">Loading…</p> : null}
      <ErrorNote error={members.error} title="Cannot load the members" />
      {members.data?.length === 0 ? (
        <EmptyState title="No members">
          <p>Lifeboat administrators see every project; add members to let others in.</p>
        </EmptyState>
      ) : null}
      {members.data && members.data.length > 0 ? (
        <div className="table-wrap">
          <table aria-label="Members">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Role</th>
                {admin ? (
                  <th scope="col" style={{ width: '1%', whiteSpace: 'nowrap' }}>
                    <span className="muted">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {members.data.map((member) => (
                <tr key={member.userId}>
                  <td>
                    {member.userName}
                    {member.userId === session.user.id ? <span className="muted"> (you)</span> : null}
                  </td>
                  <td>
                    <span className="badge badge-neutral">{member.role}</span>
                    {isLastAdmin(member) ? <span className="muted"> the last admin</span> : null}
                  </td>
                  {admin ? (
                    <td>
                      <span style={{ display: 'flex', gap: 8, whiteSpace: 'nowrap' }}>
                        <button
                          type="button"
                          aria-label={`Change the role of ${member.userName}`}
                          onClick={() => setOpen({ kind: 'role', member })}
                        >
                          Change role
                        </button>
                        <button
                          type="button"
                          className="danger"
                          aria-label={`Remove ${member.userName}`}
                          onClick={() => setOpen({ kind: 'remove', member })}
                        >
                          Remove
                        </button>
                      </span>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {session.user.isAdmin ? <UsersSection project={project} /> : null}
      {open?.kind === 'add' ? (
        <AddMemberDialog project={project} members={members.data ?? []} onClose={close} />
      ) : null}
      {open?.kind === 'create-user' ? <CreateUserDialog project={project} onClose={close} /> : null}
      {open?.kind === 'role' ? (
        <ChangeRoleDialog
          project={project}
          member={open.member}
          lastAdmin={isLastAdmin(open.member)}
          onClose={close}
        />
      ) : null}
      {open?.kind === 'remove' ? (
        <RemoveMemberDialog project={project} member={open.member} onClose={close} />
      ) : null}
    </section>
  );
}
