/**
 * Creating a user (Lifeboat administrators): a name, whether they administer Lifeboat, and their role in
 * this project. The dialog then shows their first token this once, to hand over.
 */
import { type FormEvent, useState } from 'react';
import type { Role, UserView } from '../../../src/api/types.ts';
import { useFieldIssues } from '../components/field-issues.ts';
import { Dialog, ErrorNote, Field } from '../components/ui.tsx';
import { TokenShownOnce } from '../tokens/TokenShownOnce.tsx';
import { useCreateUser } from './people-queries.ts';
import { RoleChoice } from './RoleChoice.tsx';

export function CreateUserDialog(props: { project: string; onClose: () => void }) {
  const create = useCreateUser(props.project);
  const [name, setName] = useState('');
  const [isAdmin, setIsAdmin] = useState(false);
  const [role, setRole] = useState<Role | null>('viewer');
  const [created, setCreated] = useState<{ user: UserView; token: string; memberError: unknown }>();
  const error = create.error;
  const fields = useFieldIssues(error, ['name']);
  const nameError = fields.issue('name');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name: name.trim(), isAdmin, role }, { onSuccess: setCreated });
  };

  if (created)
    return (
      <Dialog title="User created" onClose={props.onClose}>
        <div>
          <p>
            <strong>{created.user.name}</strong> was created
            {role && !created.memberError
              ? ` and is ${role === 'viewer' ? 'a' : 'an'} ${role} of ${props.project}`
              : ''}
            . Hand them their first token privately: it is shown only this once. They sign in with it and make
            their own tokens.
          </p>
          <ErrorNote error={created.memberError} title={`Not added to ${props.project}`} />
          <TokenShownOnce
            id="new-user-token"
            label="First token"
            token={created.token}
            onDone={props.onClose}
          />
        </div>
      </Dialog>
    );

  return (
    <Dialog title="New user" onClose={props.onClose}>
      <form onSubmit={submit}>
        <Field label="User name" error={nameError} hint="Lower-case letters, digits and '-'.">
          {(id) => (
            <input
              id={id}
              value={name}
              onChange={(event) => {
                setName(event.target.value);
                fields.edit('name');
              }}
              autoComplete="off"
              required
            />
          )}
        </Field>
        <label className="check">
          <input type="checkbox" checked={isAdmin} onChange={(event) => setIsAdmin(event.target.checked)} />
          Lifeboat administrator (admin of every project; creates projects and users)
        </label>
        <RoleChoice value={role} onChange={setRole} allowNone legend={`Role in ${props.project}`} />
        {error && !fields.placed ? <ErrorNote error={error} /> : null}
        <div className="form-actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={create.isPending || !name.trim()}>
            Create user
          </button>
        </div>
      </form>
    </Dialog>
  );
}
