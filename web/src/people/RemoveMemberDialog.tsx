/** Asks before removing a member; the server refuses to remove a project's last admin, and this says why. */
import type { MemberView } from '../../../src/api/types.ts';
import { Dialog, ErrorNote } from '../components/ui.tsx';
import { useSession } from '../session.tsx';
import { useRemoveMember } from './people-queries.ts';

export function RemoveMemberDialog(props: { project: string; member: MemberView; onClose: () => void }) {
  const session = useSession();
  const remove = useRemoveMember(props.project);
  const { member } = props;
  const self = member.userId === session.user.id;
  return (
    <Dialog title="Remove member" onClose={props.onClose}>
      <div>
        <p>
          Remove <strong>{member.userName}</strong> ({member.role}) from project{' '}
          <strong>{props.project}</strong>? They no longer see it; their user and tokens stay.
          {self && !session.user.isAdmin ? ' This is you: you lose access to this project.' : ''}
        </p>
        <ErrorNote error={remove.error} title="Not removed" />
        <div className="form-actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="danger"
            disabled={remove.isPending}
            onClick={() => remove.mutate(member.userName, { onSuccess: props.onClose })}
          >
            Remove member
          </button>
        </div>
      </div>
    </Dialog>
  );
}
