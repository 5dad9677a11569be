/** Every Lifeboat user, for administrators: who administers Lifeboat, and deleting a user. */
import { useState } from 'react';
import type { UserView } from '../../../src/api/types.ts';
import { Dialog, ErrorNote } from '../components/ui.tsx';
import { formatTime } from '../format.ts';
import { useSession } from '../session.tsx';
import { useDeleteUser, useUsers } from './people-queries.ts';

function DeleteUserDialog(props: { project: string; user: UserView; onClose: () => void }) {
  const remove = useDeleteUser(props.project);
  return (
    <Dialog title="Delete user" onClose={props.onClose}>
      <div>
        <p>
          Delete the user <strong>{props.user.name}</strong>? Every token of theirs stops working and they
          leave every project. A project's last admin cannot be deleted.
        </p>
        <ErrorNote error={remove.error} title="Not deleted" />
        <div className="form-actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="danger"
            disabled={remove.isPending}
            onClick={() => remove.mutate(props.user.name, { onSuccess: props.onClose })}
          >
            Delete user
          </button>
        </div>
      </div>
    </Dialog>
  );
}

export function UsersSection(props: { project: string }) {
  const session = useSession();
  const users = useUsers(true);
  const [deleting, setDeleting] = useState<UserView>();
  return (
    <section aria-labelledby="users-heading" style={{ marginTop: 28 }}>
      <h2 id="users-heading">Lifeboat users</h2>
      <p className="muted">Every user of this Lifeboat, in any project. Only administrators see this.</p>
      {users.isPending ? <p className="loading">Loading…</p> : null}
      <ErrorNote error={users.error} title="Cannot load the users" />
      {users.data ? (
        <div className="table-wrap">
          <table aria-label="Lifeboat users">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Administrator</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="muted">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.data.map((user) => (
                <tr key={user.id}>
                  <td>{user.name}</td>
                  <td>{user.isAdmin ? 'yes' : 'no'}</td>
                  <td>{formatTime(user.createdAt)}</td>
                  <td>
                    {user.id === session.user.id ? (
                      <span className="muted">you</span>
                    ) : (
                      <button
                        type="button"
                        className="danger"
                        aria-label={`Delete user ${user.name}`}
                        onClick={() => setDeleting(user)}
                      >
                        Delete
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {deleting ? (
        <DeleteUserDialog project={props.project} user={deleting} onClose={() => setDeleting(undefined)} />
      ) : null}
    </section>
  );
}
