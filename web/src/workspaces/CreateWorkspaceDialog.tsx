/**
 * Creating a workspace — a name, the clusters backed up together, the namespaces backed up in each — or, given
 * one, changing those of an existing workspace (its schedule and backups stay).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { ClusterView, WorkspaceView } from '../../../src/api/types.ts';
import { api } from '../api.ts';
import { useFieldIssues } from '../components/field-issues.ts';
import { NamespacePicker } from '../components/NamespacePicker.tsx';
import { Badge, Dialog, ErrorNote, Field } from '../components/ui.tsx';
import { Link, navigate } from '../router.tsx';
import { useSession } from '../session.tsx';

export function CreateWorkspaceDialog(props: { workspace?: WorkspaceView; onClose: () => void }) {
  const editing = props.workspace;
  const session = useSession();
  const projectName = session.project?.name ?? '';
  const projectPath = `/projects/${encodeURIComponent(projectName)}`;
  const queryClient = useQueryClient();
  const clusters = useQuery({
    queryKey: ['p', projectName, 'clusters'],
    queryFn: () => api<ClusterView[]>('GET', `${projectPath}/clusters`),
  });
  const [name, setName] = useState(editing?.name ?? '');
  const [picked, setPicked] = useState<string[]>(editing?.clusters.map((c) => c.name) ?? []);
  const [namespaces, setNamespaces] = useState<string[]>(editing?.namespaces ?? []);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const fields = useFieldIssues(error, ['name', 'clusters', 'namespaces']);
  const fieldError = fields.issue;
  const placed = fields.placed;

  const toggle = (cluster: string, on: boolean) => {
    setPicked((current) => (on ? [...current, cluster] : current.filter((name) => name !== cluster)));
    fields.edit('clusters');
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const body = { name: name.trim(), clusters: picked, namespaces };
      const saved = editing
        ? await api<WorkspaceView>(
            'PATCH',
            `${projectPath}/workspaces/${encodeURIComponent(editing.name)}`,
            body,
          )
        : await api<WorkspaceView>('POST', `${projectPath}/workspaces`, body);
      await queryClient.invalidateQueries({ queryKey: ['p', projectName] });
      props.onClose();
      if (editing && saved.name !== editing.name) navigate(['p', projectName, 'workspaces', saved.name]);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const clusterError = fieldError('clusters');
  return (
    <Dialog title={editing ? `Edit Workspace ${editing.name}` : 'Create Workspace'} onClose={props.onClose}>
      <form onSubmit={submit}>
        <p className="muted">
          {editing
            ? 'Its schedule continues with the clusters and namespaces it has when each backup starts; its backups stay.'
            : 'A workspace groups clusters of this project, so they are backed up together.'}
        </p>
        <Field label="Name" error={fieldError('name')} hint="Lower-case letters, digits and '-'.">
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
        <fieldset className={`field${clusterError ? ' field-invalid' : ''}`}>
          <legend>Clusters</legend>
          {clusters.isPending ? <p className="loading">Loading…</p> : null}
          {clusters.error ? <ErrorNote error={clusters.error} title="Cannot load the clusters" /> : null}
          {clusters.data?.length === 0 ? (
            <p>
              This project has no clusters yet: <Link to={['p', projectName, 'clusters']}>register one</Link>{' '}
              first.
            </p>
          ) : null}
          {clusters.data?.map((cluster) => (
            <div key={cluster.id} className="check">
              <label className="check" style={{ margin: 0 }}>
                <input
                  type="checkbox"
                  checked={picked.includes(cluster.name)}
                  onChange={(event) => toggle(cluster.name, event.target.checked)}
                />
                {cluster.name}
              </label>
              <Badge value={cluster.health} />
            </div>
          ))}
          {clusterError ? (
            <div className="field-error" role="alert">
              {clusterError}
            </div>
          ) : null}
        </fieldset>
        <NamespacePicker
          project={projectName}
          clusters={picked}
          selected={namespaces}
          onChange={(chosen) => {
            setNamespaces(chosen);
            fields.edit('namespaces');
          }}
          noneMeans="every namespace of each cluster is backed up"
          error={fieldError('namespaces')}
        />
        {error && !placed ? <ErrorNote error={error} /> : null}
        <div className="form-actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy || !name.trim() || picked.length === 0}>
            {editing ? 'Save' : 'Create Workspace'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
