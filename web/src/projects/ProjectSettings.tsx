/**
 * Project Settings → Project: rename it (its admins), and delete it (Lifeboat administrators) once it is
 * empty; until then, what is left is listed.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { ProjectContentsView, ProjectView } from '../../../src/api/types.ts';
import { api } from '../api.ts';
import { useFieldIssues } from '../components/field-issues.ts';
import { ErrorNote, Field } from '../components/ui.tsx';
import { plural } from '../format.ts';
import { navigate } from '../router.tsx';
import { useSession } from '../session.tsx';

const projectPath = (project: string) => `/projects/${encodeURIComponent(project)}`;

export function ProjectSettings() {
  const session = useSession();
  const project = session.project;
  if (!project || !session.can('admin')) return null;
  return (
    <section className="card" aria-labelledby="project-settings">
      <h2 id="project-settings">Project</h2>
      <RenameProject key={project.id} project={project} />
      {session.user.isAdmin ? <DeleteProject project={project} /> : null}
    </section>
  );
}

function RenameProject(props: { project: ProjectView }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(props.project.name);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const renamed = await api<ProjectView>('PATCH', projectPath(props.project.name), { name: name.trim() });
      await queryClient.invalidateQueries({ queryKey: ['me'] });
      navigate(['p', renamed.name, 'settings']);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const fields = useFieldIssues(error, ['name']);
  const fieldError = fields.issue('name');
  return (
    <form onSubmit={submit}>
      <Field
        label="Project name"
        error={fieldError}
        hint="Links and the CLI's --project use the new name; everything in the project stays."
      >
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
      {fields.placed || fields.anyEdited ? null : <ErrorNote error={error} title="Not renamed" />}
      <div className="form-actions">
        <button type="submit" disabled={busy || !name.trim() || name.trim() === props.project.name}>
          {busy ? 'Renaming…' : 'Rename Project'}
        </button>
      </div>
    </form>
  );
}

/** What a project holds, each with its noun. */
const kinds: [keyof Omit<ProjectContentsView, 'empty'>, string][] = [
  ['clusters', 'cluster'],
  ['workspaces', 'workspace'],
  ['locations', 'backup location'],
  ['backups', 'backup'],
];

function DeleteProject(props: { project: ProjectView }) {
  const queryClient = useQueryClient();
  const path = projectPath(props.project.name);
  const contents = useQuery({
    queryKey: ['p', props.project.name, 'contents'],
    queryFn: () => api<ProjectContentsView>('GET', `${path}/contents`),
  });
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>();
  const remove = async () => {
    setError(undefined);
    try {
      await api('DELETE', path);
      navigate([]);
      await queryClient.invalidateQueries({ queryKey: ['me'] });
    } catch (caught) {
      setError(caught);
    }
  };
  const left = contents.data ? kinds.filter(([kind]) => contents.data[kind].count > 0) : [];
  return (
    <div>
      <h3>Delete project</h3>
      <ErrorNote error={contents.error} title="Cannot tell what the project holds" />
      {contents.data && !contents.data.empty ? (
        <div role="note">
          <p>A project is deleted only once it is empty. It still has:</p>
          <ul aria-label="What the project still has">
            {left.map(([kind, noun]) => {
              const { count, names } = contents.data[kind];
              return (
                <li key={kind}>
                  {plural(count, noun)}: {names.join(', ')}
                  {count > names.length ? ', …' : ''}
                </li>
              );
            })}
          </ul>
          <p className="muted">
            Delete its backups (that deletes them from their locations), then remove its clusters, workspaces
            and backup locations.
          </p>
        </div>
      ) : null}
      {contents.data?.empty && !confirming ? (
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          Delete Project
        </button>
      ) : null}
      {confirming ? (
        <div className="form-actions">
          <span>Delete project “{props.project.name}” and its members' access to it?</span>
          <button type="button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
          <button type="button" className="danger" onClick={() => void remove()}>
            Yes, delete
          </button>
        </div>
      ) : null}
      <ErrorNote error={error} title="The project was not deleted" />
    </div>
  );
}
