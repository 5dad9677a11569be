/**
 * Adding a user to the project with a role. Administrators pick from every user; project admins type the
 * name (only administrators may list users).
 */
import { type FormEvent, useId, useState } from 'react';
import type { MemberView, Role } from '../../../src/api/types.ts';
import { Dialog, ErrorNote, Field } from '../components/ui.tsx';
import { useSession } from '../session.tsx';
import { useSetMember, useUsers } from './people-queries.ts';
import { RoleChoice } from './RoleChoice.tsx';

export function AddMemberDialog(props: { project: string; members: MemberView[]; onClose: () => void }) {
  const session = useSession();
  const users = useUsers(session.user.isAdmin);
  const setMember = useSetMember(props.project);
  const [user, setUser] = useState('');
  const [role, setRole] = useState<Role | null>('viewer');
  const listId = useId();
  const already = props.members.find((member) => member.userName === user.trim());
  const candidates = (users.data ?? []).filter(
    (candidate) => !props.members.some((member) => member.userId === candidate.id),
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!role) return;
    setMember.mutate({ user: user.trim(), role }, { onSuccess: props.onClose });
  };
  return (
    <Dialog title="Add member" onClose={props.onClose}>
      <form onSubmit={submit}>
        <Field
          label="User"
          hint={
            already
              ? `Already a member (${already.role}): adding changes their role.`
              : session.user.isAdmin
                ? 'Pick a user, or create one with “New user” first.'
                : 'Their user name; a Lifeboat administrator creates users.'
          }
        >
          {(id) => (
            <input
              id={id}
              value={user}
              onChange={(event) => setUser(event.target.value)}
              list={candidates.length > 0 ? listId : undefined}
              autoComplete="off"
              required
            />
          )}
        </Field>
        {candidates.length > 0 ? (
          <datalist id={listId}>
            {candidates.map((candidate) => (
              <option key={candidate.id} value={candidate.name} />
            ))}
          </datalist>
        ) : null}
        <RoleChoice value={role} onChange={setRole} />
        <ErrorNote error={setMember.error} title="Not added" />
        <div className="form-actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={setMember.isPending || !user.trim() || !role}>
            Add member
          </button>
        </div>
      </form>
    </Dialog>
  );
}
