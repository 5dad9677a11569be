/** A Lifeboat administrator creates another project from the top bar, beside the project switcher. */
import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { ProjectView } from '../../../src/api/types.ts';
import { api } from '../api.ts';
import { useFieldIssues } from '../components/field-issues.ts';
import { Dialog, ErrorNote, Field } from '../components/ui.tsx';
import { navigate } from '../router.tsx';
import { useSession } from '../session.tsx';

export function NewProjectButton() {
  const session = useSession();
  const [open, setOpen] = useState(false);
  if (!session.user.isAdmin) return null;
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        New Project
      </button>
      {open ? <CreateProjectDialog onClose={() => setOpen(false)} /> : null}
    </>
  );
}

function CreateProjectDialog(props: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const created = await api<ProjectView>('POST', '/projects', { name: name.trim() });
      await queryClient.invalidateQueries({ queryKey: ['me'] });
      props.onClose();
      // A new project starts with its backup locations.
      navigate(['p', created.name, 'settings']);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  const fields = useFieldIssues(error, ['name']);
  const fieldError = fields.issue('name');
  return (
    <Dialog title="New Project" onClose={props.onClose}>
      <form onSubmit={submit}>
        <p className="muted">
          A project holds the clusters, backup locations and schedules of one team. You become its admin.
        </p>
        <Field label="Project name" error={fieldError} hint="Lower-case letters, digits and '-'.">
          {(id) => (
            <input
              id={id}
              value={name}
              onChange={(event) => {
                setName(event.target.value);
                fields.edit('name');
              }}
              autoComplete="off"
            />
          )}
        </Field>
        {fields.placed || fields.anyEdited ? null : (
          <ErrorNote error={error} title="The project was not created" />
        )}
        <div className="form-actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy || !name.trim()}>
            {busy ? 'Creating…' : 'Create Project'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
