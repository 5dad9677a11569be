/** Changing a member's role; the server refuses to demote a project's last admin, and this says why. */
import { type FormEvent, useState } from 'react';
import type { MemberView, Role } from '../../../src/api/types.ts';
import { Dialog, ErrorNote } from '../components/ui.tsx';
import { useSetMember } from './people-queries.ts';
import { RoleChoice } from './RoleChoice.tsx';

export function ChangeRoleDialog(props: {
  project: string;
  member: MemberView;
  lastAdmin: boolean;
  onClose: () => void;
}) {
  const { member } = props;
  const setMember = useSetMember(props.project);
  const [role, setRole] = useState<Role | null>(member.role);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!role) return;
    setMember.mutate({ user: member.userName, role }, { onSuccess: props.onClose });
  };
  return (
    <Dialog title={`Change the role of ${member.userName}`} onClose={props.onClose}>
      <form onSubmit={submit}>
        {props.lastAdmin ? (
          <p className="muted">
            {member.userName} is the last admin of this project: make another member admin before giving them
            another role.
          </p>
        ) : null}
        <RoleChoice value={role} onChange={setRole} />
        <ErrorNote error={setMember.error} title="Not changed" />
        <div className="form-actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className="primary"
            disabled={setMember.isPending || !role || role === member.role}
          >
            Save role
          </button>
        </div>
      </form>
    </Dialog>
  );
}
