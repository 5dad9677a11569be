/**
 * Namespaces are asked for one way everywhere: checkboxes of the namespaces there are — the live clusters'
 * (read through the API) or a given list such as a backup's — and, where none can be listed (no cluster
 * known yet, or the clusters cannot be reached), names typed in one box. Saved names the list lacks stay
 * shown and checked, so an edit does not drop them silently.
 */
import { useQueries, useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import type { WorkspaceView } from '../../../src/api/types.ts';
import { api } from '../api.ts';
import { ErrorNote, Field, splitList } from './ui.tsx';

function namespacesPath(project: string, cluster: string): string {
  return `/projects/${encodeURIComponent(project)}/clusters/${encodeURIComponent(cluster)}/namespaces`;
}

/** The query of one live cluster's namespaces (shared by every picker on the page). */
function namespacesQuery(project: string, cluster: string) {
  return {
    queryKey: ['p', project, 'namespaces', cluster],
    queryFn: () => api<string[]>('GET', namespacesPath(project, cluster)),
    staleTime: 30_000,
  };
}

/** The namespaces of the live `clusters` together, sorted; `failed` names those that could not be listed. */
function useLiveNamespaces(project: string, clusters: readonly string[]) {
  const results = useQueries({ queries: clusters.map((cluster) => namespacesQuery(project, cluster)) });
  const names = new Set<string>();
  for (const result of results) for (const name of result.data ?? []) names.add(name);
  return {
    pending: results.some((result) => result.isPending),
    names: [...names].sort(),
    anyListed: results.some((result) => result.isSuccess),
    failed: clusters.flatMap((cluster, i) =>
      results[i]?.error ? [{ cluster, error: results[i].error }] : [],
    ),
  };
}

export function NamespacePicker(props: {
  project: string;
  /** Live clusters whose namespaces are offered (their union); empty: names are typed. */
  clusters?: readonly string[];
  /** A workspace whose clusters' namespaces are offered (instead of `clusters`). */
  workspace?: string;
  /** The names to offer instead of a live cluster's, such as a backup's namespaces. */
  names?: readonly string[];
  selected: string[];
  onChange: (selected: string[]) => void;
  /** What choosing none means, such as "every namespace is backed up, including ones created later". */
  noneMeans: string;
  legend?: string;
  error?: string | undefined;
}) {
  const legend = props.legend ?? 'Namespaces';
  const hintId = useId();
  const workspace = useQuery({
    queryKey: ['p', props.project, 'workspace', props.workspace],
    queryFn: () =>
      api<WorkspaceView>(
        'GET',
        `/projects/${encodeURIComponent(props.project)}/workspaces/${encodeURIComponent(props.workspace ?? '')}`,
      ),
    enabled: props.workspace !== undefined && props.names === undefined,
  });
  const clusters = props.workspace
    ? (workspace.data?.clusters.map((cluster) => cluster.name) ?? [])
    : (props.clusters ?? []);
  const live = useLiveNamespaces(props.project, props.names ? [] : clusters);
  const [typed, setText] = useState(props.selected.join(', '));
  // What was typed, unless the choice was changed elsewhere (by checkboxes before the clusters went away).
  const text = splitList(typed).join(',') === props.selected.join(',') ? typed : props.selected.join(', ');
  const offered = props.names ? [...props.names] : live.names;
  const listing = props.names !== undefined || live.anyListed;
  const hint =
    props.selected.length === 0
      ? `None chosen: ${props.noneMeans}.`
      : `${props.selected.length} chosen: only ${props.selected.length === 1 ? 'this one' : 'these'}.`;

  if (props.workspace && workspace.isPending && !props.names)
    return <p className="muted">Loading the workspace’s clusters…</p>;
  if (!listing && !live.pending)
    return (
      <>
        {live.failed.map(({ cluster, error }) => (
          <ErrorNote
            key={cluster}
            error={error}
            title={`Cannot list the namespaces of cluster ${cluster}: type their names instead`}
          />
        ))}
        <Field
          label={legend}
          error={props.error}
          hint={`Names separated by commas or spaces. Empty: ${props.noneMeans}.`}
        >
          {(id) => (
            <input
              id={id}
              value={text}
              onChange={(event) => {
                setText(event.target.value);
                props.onChange(splitList(event.target.value));
              }}
              placeholder="all namespaces"
              autoComplete="off"
            />
          )}
        </Field>
      </>
    );

  // Chosen names the list lacks (saved before, or gone from the cluster) stay offered, checked.
  const missing = props.selected.filter((name) => !offered.includes(name));
  const toggle = (name: string, checked: boolean) =>
    props.onChange(checked ? [...props.selected, name] : props.selected.filter((n) => n !== name));
  return (
    <fieldset className={`field${props.error ? ' field-invalid' : ''}`} aria-describedby={hintId}>
      <legend>{legend}</legend>
      <div className="hint" id={hintId}>
        {hint}
      </div>
      {live.pending ? <p className="muted">Loading the cluster’s namespaces…</p> : null}
      {live.failed.map(({ cluster, error }) => (
        <ErrorNote key={cluster} error={error} title={`Cannot list the namespaces of cluster ${cluster}`} />
      ))}
      {offered.length > 0 || missing.length > 0 ? (
        <div className="check-list">
          {[...offered, ...missing].map((name) => (
            <label key={name} className="check">
              <input
                type="checkbox"
                checked={props.selected.includes(name)}
                onChange={(event) => toggle(name, event.target.checked)}
              />
              {name}
              {missing.includes(name) ? <span className="muted"> (not in the cluster now)</span> : null}
            </label>
          ))}
        </div>
      ) : live.pending ? null : (
        <p className="muted">No namespaces to choose from.</p>
      )}
      {props.error ? (
        <div className="field-error" role="alert">
          {props.error}
        </div>
      ) : null}
    </fieldset>
  );
}

/**
 * One namespace's name, typed, with the live cluster's namespaces offered as suggestions (a new name is
 * fine: it is created).
 */
export function NamespaceInput(props: {
  project: string;
  /** The live cluster whose namespaces are suggested; empty: none. */
  cluster: string;
  label: string;
  value: string;
  placeholder?: string;
  onChange: (value: string) => void;
  error?: string | undefined;
}) {
  const listId = useId();
  const live = useQuery({ ...namespacesQuery(props.project, props.cluster), enabled: props.cluster !== '' });
  return (
    <Field label={props.label} error={props.error}>
      {(id) => (
        <>
          <input
            id={id}
            list={listId}
            value={props.value}
            placeholder={props.placeholder}
            onChange={(event) => props.onChange(event.target.value)}
            autoComplete="off"
          />
          <datalist id={listId}>
            {live.data?.map((name) => (
              <option key={name} value={name} />
            ))}
          </datalist>
        </>
      )}
    </Field>
  );
}
