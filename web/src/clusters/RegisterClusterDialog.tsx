/**
 * Registering a cluster by kubeconfig. The server checks its health at once; a cluster that fails the check is
 * still registered (Unhealthy), so the dialog says why and what to fix.
 */
import { useQueryClient } from '@tanstack/react-query';
import { type ChangeEvent, type FormEvent, useState } from 'react';
import type { ClusterView } from '../../../src/api/types.ts';
import { api } from '../api.ts';
import { useFieldIssues } from '../components/field-issues.ts';
import { Badge, Dialog, ErrorNote, Field } from '../components/ui.tsx';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';

export function RegisterClusterDialog(props: { onClose: () => void }) {
  const session = useSession();
  const projectName = session.project?.name ?? '';
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [kubeconfig, setKubeconfig] = useState('');
  const [context, setContext] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [registered, setRegistered] = useState<ClusterView>();
  const fields = useFieldIssues(error, ['name', 'kubeconfig', 'context']);
  const fieldError = fields.issue;
  const placed = fields.placed;

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
    try {
      const body = { name: name.trim(), kubeconfig, ...(context.trim() ? { context: context.trim() } : {}) };
      const cluster = await api<ClusterView>(
        'POST',
        `/projects/${encodeURIComponent(projectName)}/clusters`,
        body,
      );
      setRegistered(cluster);
      await queryClient.invalidateQueries({ queryKey: ['p', projectName] });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  if (registered)
    return (
      <Dialog title="Register Cluster" onClose={props.onClose}>
        <div>
          {registered.health === 'Healthy' ? (
            <div className="ok-note" role="status">
              Cluster “{registered.name}” is registered and <Badge value="Healthy" />: Lifeboat can back it up
              and restore into it.
            </div>
          ) : (
            <div className="error-note" role="alert">
              Cluster “{registered.name}” is registered, but it is <Badge value={registered.health} />
              {registered.healthReason ? `: ${registered.healthReason}` : '.'} Fix that, then check its health
              again on the cluster's page; it cannot be backed up until it is Healthy.
            </div>
          )}
          <div className="form-actions">
            <Link to={['p', projectName, 'clusters', registered.name]} className="button">
              Open cluster
            </Link>
            <button type="button" className="primary" onClick={props.onClose}>
              Done
            </button>
          </div>
        </div>
      </Dialog>
    );

  return (
    <Dialog title="Register Cluster" onClose={props.onClose}>
      <form onSubmit={submit}>
        <Field
          label="Name"
          error={fieldError('name')}
          hint="Lower-case letters, digits and '-'; backups are named after it."
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
              required
            />
          )}
        </Field>
        <Field
          label="Kubeconfig"
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
              rows={10}
              spellCheck={false}
              required
            />
          )}
        </Field>
        <Field label="Upload kubeconfig file">
          {(id) => <input id={id} type="file" onChange={readFile} />}
        </Field>
        <Field
          label="Context"
          error={fieldError('context')}
          hint="Optional: the kubeconfig context to use; default its current context."
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
        {error && !placed ? <ErrorNote error={error} /> : null}
        <div className="form-actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy || !name.trim() || !kubeconfig.trim()}>
            {busy ? 'Registering…' : 'Register'}
          </button>
        </div>
        {busy ? (
          <p className="muted" role="status">
            Checking that Lifeboat can reach the cluster…
          </p>
        ) : null}
      </form>
    </Dialog>
  );
}
