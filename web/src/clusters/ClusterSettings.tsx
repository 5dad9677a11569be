/**
 * A cluster's Settings (admins): rename it, replace its kubeconfig (saved only once the new one works against
 * the same cluster; else the reason, and the current one stays), remove it.
 */
import { useQueryClient } from '@tanstack/react-query';
import { type ChangeEvent, type FormEvent, useState } from 'react';
import type { ClusterView } from '../../../src/api/types.ts';
import { api } from '../api.ts';
import { useFieldIssues } from '../components/field-issues.ts';
import { Badge, ErrorNote, Field } from '../components/ui.tsx';
import { navigate } from '../router.tsx';
import { useSession } from '../session.tsx';
import { clusterPath } from './cluster-queries.ts';
import { RemoveClusterDialog } from './RemoveClusterDialog.tsx';

export function ClusterSettings(props: { cluster: ClusterView }) {
  const session = useSession();
  if (!session.can('admin'))
    return (
      <section className="card" aria-labelledby="cluster-settings">
        <h2 id="cluster-settings">Cluster</h2>
        <p className="muted">Admins of this project can rename it, replace its kubeconfig or remove it.</p>
      </section>
    );
  return (
    <>
      <RenameCluster cluster={props.cluster} />
      <ReplaceKubeconfig cluster={props.cluster} />
      <RemoveCluster cluster={props.cluster} />
    </>
  );
}

function RenameCluster(props: { cluster: ClusterView }) {
  const project = useSession().project?.name ?? '';
  const queryClient = useQueryClient();
  const [name, setName] = useState(props.cluster.name);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const renamed = await api<ClusterView>('PATCH', clusterPath(project, props.cluster.name), {
        name: name.trim(),
      });
      navigate(['p', project, 'clusters', renamed.name], { tab: 'settings' });
      await queryClient.invalidateQueries({ queryKey: ['p', project] });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const fields = useFieldIssues(error, ['name']);
  const fieldError = fields.issue('name');
  return (
    <section className="card" aria-labelledby="rename-cluster">
      <h2 id="rename-cluster">Name</h2>
      <form onSubmit={submit}>
        <Field label="Cluster name" error={fieldError} hint="Its backups and restores show the new name.">
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
          <button type="submit" disabled={busy || !name.trim() || name.trim() === props.cluster.name}>
            {busy ? 'Renaming…' : 'Rename'}
          </button>
        </div>
      </form>
    </section>
  );
}

function ReplaceKubeconfig(props: { cluster: ClusterView }) {
  const project = useSession().project?.name ?? '';
  const queryClient = useQueryClient();
  const [kubeconfig, setKubeconfig] = useState('');
  const [context, setContext] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState<ClusterView>();
  const fields = useFieldIssues(error, ['kubeconfig', 'context']);
  const readFile = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (file)
      file.text().then((text) => {
        setKubeconfig(text);
        fields.edit('kubeconfig');
      }, setError);
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(undefined);
    try {
      const body = { kubeconfig, ...(context.trim() ? { context: context.trim() } : {}) };
      const view = await api<ClusterView>('PATCH', clusterPath(project, props.cluster.name), body);
      setSaved(view);
      setKubeconfig('');
      setContext('');
      queryClient.setQueryData(['p', project, 'cluster', props.cluster.name], view);
      await queryClient.invalidateQueries({ queryKey: ['p', project] });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const fieldError = fields.issue;
  const placed = fields.placed;
  return (
    <section className="card" aria-labelledby="replace-kubeconfig">
      <h2 id="replace-kubeconfig">Kubeconfig</h2>
      <p className="muted">
        Replace it when its token or certificate is rotated, or the API server moves. The new one is checked
        against the cluster first: it is saved only if Lifeboat can reach the cluster with it, may back it up
        and restore into it, and it is the same cluster. Otherwise the current one stays.
      </p>
      <form onSubmit={submit}>
        <Field
          label="New kubeconfig"
          error={fieldError('kubeconfig')}
          hint="Paste it, or upload the file below. It is stored encrypted and never shown again."
        >
          {(id) => (
            <textarea
              id={id}
              value={kubeconfig}
              onChange={(event) => {
                setKubeconfig(event.target.value);
                fields.edit('kubeconfig');
              }}
              rows={8}
              spellCheck={false}
            />
          )}
        </Field>
        <Field label="Upload kubeconfig file">
          {(id) => <input id={id} type="file" onChange={readFile} />}
        </Field>
        <Field
          label="Context"
          error={fieldError('context')}
          hint="Optional: the context to use; default the kubeconfig's current context."
        >
          {(id) => (
            <input
              id={id}
              value={context}
              onChange={(event) => {
                setContext(event.target.value);
                fields.edit('context');
              }}
              autoComplete="off"
            />
          )}
        </Field>
        {error && !placed && !fields.anyEdited ? (
          <ErrorNote error={error} title="Not saved — the current kubeconfig stays" />
        ) : null}
        {saved ? (
          <div className="ok-note" role="status">
            New kubeconfig saved. Cluster “{saved.name}” is <Badge value={saved.health} />
            {saved.server ? ` at ${saved.server}` : ''}.
          </div>
        ) : null}
        <div className="form-actions">
          {busy ? (
            <span className="muted" role="status">
              Checking the new kubeconfig against the cluster…
            </span>
          ) : null}
          <button type="submit" className="primary" disabled={busy || !kubeconfig.trim()}>
            Replace Kubeconfig
          </button>
        </div>
      </form>
    </section>
  );
}

function RemoveCluster(props: { cluster: ClusterView }) {
  const project = useSession().project?.name ?? '';
  const [open, setOpen] = useState(false);
  return (
    <section className="card" aria-labelledby="remove-cluster">
      <h2 id="remove-cluster">Remove</h2>
      <p className="muted">
        Removing the cluster keeps its backups in their locations (they can be restored into other clusters)
        and stops its scheduled backups. You see exactly what happens before anything is removed.
      </p>
      <button type="button" className="danger" onClick={() => setOpen(true)}>
        Remove Cluster…
      </button>
      {open ? (
        <RemoveClusterDialog project={project} cluster={props.cluster} onClose={() => setOpen(false)} />
      ) : null}
    </section>
  );
}
