/** Which namespaces a backup takes: checkboxes of a live cluster's namespaces, none checked meaning all. */
import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { api } from '../api.ts';
import { ErrorNote } from '../components/ui.tsx';
import { projectPath } from './backup-queries.ts';

export function NamespacePicker(props: {
  project: string;
  cluster: string;
  selected: string[];
  onChange: (selected: string[]) => void;
  error?: string | undefined;
}) {
  const hintId = useId();
  const namespaces = useQuery({
    queryKey: ['p', props.project, 'namespaces', props.cluster],
    queryFn: () =>
      api<string[]>(
        'GET',
        `${projectPath(props.project)}/clusters/${encodeURIComponent(props.cluster)}/namespaces`,
      ),
  });
  const toggle = (name: string, checked: boolean) =>
    props.onChange(checked ? [...props.selected, name] : props.selected.filter((n) => n !== name));
  return (
    <fieldset className={`field${props.error ? ' field-invalid' : ''}`} aria-describedby={hintId}>
      <legend>Namespaces</legend>
      <div className="hint" id={hintId}>
        {props.selected.length === 0
          ? 'None checked: all namespaces are backed up, including ones created later.'
          : `${props.selected.length} checked: only these are backed up.`}
      </div>
      {namespaces.isPending ? <p className="muted">Loading the cluster’s namespaces…</p> : null}
      {namespaces.error ? (
        <ErrorNote
          error={namespaces.error}
          title="Cannot list the cluster’s namespaces (all of them will be backed up)"
        />
      ) : null}
      {namespaces.data ? (
        <div style={{ maxHeight: 220, overflowY: 'auto', marginTop: 8 }}>
          {namespaces.data.map((name) => (
            <label key={name} className="check" style={{ marginBottom: 4 }}>
              <input
                type="checkbox"
                checked={props.selected.includes(name)}
                onChange={(event) => toggle(name, event.target.checked)}
              />
              {name}
            </label>
          ))}
        </div>
      ) : null}
      {props.error ? (
        <div className="field-error" role="alert">
          {props.error}
        </div>
      ) : null}
    </fieldset>
  );
}
