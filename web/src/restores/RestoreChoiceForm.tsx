/**
 * Step 1 of the restore wizard: where to restore, what, under which names, what to do with what exists, and
 * (for a backup with volumes) where the claims' data comes from.
 */
import { type FormEvent, useRef, useState } from 'react';
import type { ClusterView } from '../../../src/api/types.ts';
import { useFieldIssues } from '../components/field-issues.ts';
import { NamespaceInput, NamespacePicker } from '../components/NamespacePicker.tsx';
import { ErrorNote, Field } from '../components/ui.tsx';
import { type ExistingResourcePolicy, halfFilledMappings, type RestoreChoice } from './restore-choice.ts';
import { VolumeSourceField } from './VolumeSourceField.tsx';

/** Request fields shown next to an input; any other problem is shown by the submit button. */
const fieldPaths = [
  'targetCluster',
  'name',
  'includeNamespaces',
  'namespaceMappings',
  'storageClassMappings',
  'existingResourcePolicy',
  'volumeSource',
];

/** The request paths a change of the choice edits (a namespace's mapping by itself). */
function changedPaths(before: RestoreChoice, after: RestoreChoice): string[] {
  const paths: string[] = [];
  for (const key of Object.keys(after) as (keyof RestoreChoice)[]) {
    if (JSON.stringify(before[key]) === JSON.stringify(after[key])) continue;
    if (key !== 'namespaceMappings') paths.push(key);
    else
      for (const namespace of new Set([...Object.keys(before[key]), ...Object.keys(after[key])]))
        if (before[key][namespace] !== after[key][namespace]) paths.push(`${key}.${namespace}`);
  }
  return paths;
}

export function RestoreChoiceForm(props: {
  project: string;
  choice: RestoreChoice;
  onChange: (choice: RestoreChoice) => void;
  clusters: ClusterView[] | undefined;
  /** Namespaces in the backup; undefined while they load. */
  namespaces: string[] | undefined;
  /** Whether the backup may hold claims' data: only then is the volume source offered. */
  hasVolumes: boolean;
  error: unknown;
  busy: boolean;
  onSubmit: () => void;
  onCancel: () => void;
}) {
  const { choice } = props;
  const fields = useFieldIssues(props.error, fieldPaths);
  const issue = fields.issue;
  // A field's refusal clears once that field is changed; the others stay until the next plan.
  const onChange = (next: RestoreChoice) => {
    fields.edit(...changedPaths(choice, next));
    props.onChange(next);
  };
  const set = (change: Partial<RestoreChoice>) => onChange({ ...choice, ...change });
  // Half-filled mapping rows are pointed out once the person asks for the plan, not while they type.
  const [submitted, setSubmitted] = useState(false);
  const halfFilled = submitted ? halfFilledMappings(choice) : [];
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (halfFilledMappings(choice).length === 0) props.onSubmit();
  };
  return (
    <form onSubmit={submit} noValidate>
      <div className="row">
        <Field label="Target cluster" error={issue('targetCluster')} hint="Only clusters of this project.">
          {(id) => (
            <select
              id={id}
              value={choice.targetCluster}
              onChange={(e) => set({ targetCluster: e.target.value })}
            >
              {props.clusters?.map((cluster) => (
                <option key={cluster.id} value={cluster.name}>
                  {cluster.health === 'Healthy' ? cluster.name : `${cluster.name} (${cluster.health})`}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Restore name"
          error={issue('name')}
          hint="Optional: by default the backup's name and the time."
        >
          {(id) => <input id={id} value={choice.name} onChange={(e) => set({ name: e.target.value })} />}
        </Field>
      </div>
      <NamespaceChoice {...props} onChange={onChange} issue={issue} />
      <StorageClassMappings choice={choice} onChange={onChange} halfFilled={halfFilled} issue={issue} />
      <Field label="Existing resources" error={issue('existingResourcePolicy')}>
        {(id) => (
          <select
            id={id}
            value={choice.existingResourcePolicy}
            onChange={(e) => set({ existingResourcePolicy: e.target.value as ExistingResourcePolicy })}
          >
            <option value="none">Leave existing objects alone</option>
            <option value="update">Update existing objects to the backed-up state</option>
          </select>
        )}
      </Field>
      {props.hasVolumes ? (
        <VolumeSourceField
          value={choice.volumeSource}
          error={issue('volumeSource')}
          onChange={(volumeSource) => set({ volumeSource })}
        />
      ) : null}
      {fields.placed ? null : <ErrorNote error={props.error} title="Cannot plan this restore" />}
      <div className="form-actions">
        {props.busy ? (
          <span className="muted" role="status">
            Planning: reading the backup and asking the target cluster…
          </span>
        ) : null}
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={props.busy || !choice.targetCluster}>
          Review plan
        </button>
      </div>
    </form>
  );
}

function NamespaceChoice(props: {
  project: string;
  choice: RestoreChoice;
  onChange: (choice: RestoreChoice) => void;
  namespaces: string[] | undefined;
  issue: (path: string) => string | undefined;
}) {
  const { choice, onChange, namespaces } = props;
  if (namespaces === undefined) return <p className="loading">Loading the backup's namespaces…</p>;
  if (namespaces.length === 0)
    return (
      <p className="muted">
        No namespaces to choose from (the backup has only cluster-wide objects, or no index of its
        namespaces): everything in it is restored.
      </p>
    );
  return (
    <>
      <NamespacePicker
        project={props.project}
        names={namespaces}
        selected={choice.includeNamespaces}
        onChange={(chosen) =>
          // In the backup's order, whatever order they were checked in.
          onChange({ ...choice, includeNamespaces: namespaces.filter((ns) => chosen.includes(ns)) })
        }
        noneMeans="every namespace of the backup is restored"
        error={props.issue('includeNamespaces')}
      />
      <fieldset className="field">
        <legend>Namespace mappings</legend>
        <div className="row">
          {namespaces.map((namespace) => (
            <NamespaceInput
              key={namespace}
              project={props.project}
              cluster={choice.targetCluster}
              label={`Restore namespace ${namespace} as`}
              error={props.issue(`namespaceMappings.${namespace}`)}
              placeholder={namespace}
              value={choice.namespaceMappings[namespace] ?? ''}
              onChange={(value) =>
                onChange({
                  ...choice,
                  namespaceMappings: { ...choice.namespaceMappings, [namespace]: value },
                })
              }
            />
          ))}
        </div>
        <div className="hint">
          Empty keeps the same name. The target cluster's namespaces are suggested; one that does not exist is
          created.
        </div>
      </fieldset>
    </>
  );
}

function StorageClassMappings(props: {
  choice: RestoreChoice;
  onChange: (choice: RestoreChoice) => void;
  halfFilled: number[];
  issue: (path: string) => string | undefined;
}) {
  const { choice, onChange } = props;
  const list = useRef<HTMLDivElement>(null);
  const rows = choice.storageClassMappings;
  const setRow = (index: number, row: { from: string; to: string }) =>
    onChange({ ...choice, storageClassMappings: rows.map((old, i) => (i === index ? row : old)) });
  const add = () => {
    onChange({ ...choice, storageClassMappings: [...rows, { from: '', to: '' }] });
    // Keyboard users land in the row they just added.
    setTimeout(() => list.current?.querySelector<HTMLInputElement>('.mapping-row:last-child input')?.focus());
  };
  return (
    <fieldset className="field">
      <legend>Storage class mappings</legend>
      <div ref={list}>
        {rows.map((row, index) => (
          // Rows have no identity but their place; they are only added at the end or removed.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          <div key={index} className="row mapping-row">
            <Field
              label="From storage class"
              error={
                props.halfFilled.includes(index) && !row.from.trim()
                  ? 'give the class used in the backup'
                  : undefined
              }
            >
              {(id) => (
                <input
                  id={id}
                  value={row.from}
                  onChange={(e) => setRow(index, { ...row, from: e.target.value })}
                />
              )}
            </Field>
            <Field
              label="To storage class"
              error={
                props.halfFilled.includes(index) && !row.to.trim()
                  ? 'give a class of the target cluster'
                  : undefined
              }
            >
              {(id) => (
                <input
                  id={id}
                  value={row.to}
                  onChange={(e) => setRow(index, { ...row, to: e.target.value })}
                />
              )}
            </Field>
            <div style={{ flex: '0 0 auto', alignSelf: 'center' }}>
              <button
                type="button"
                aria-label={`Remove storage class mapping ${index + 1}`}
                onClick={() =>
                  onChange({ ...choice, storageClassMappings: rows.filter((_, i) => i !== index) })
                }
              >
                Remove
              </button>
            </div>
          </div>
        ))}
      </div>
      {props.issue('storageClassMappings') ? (
        <div className="field-error" role="alert">
          {props.issue('storageClassMappings')}
        </div>
      ) : null}
      <div className="hint">
        Volumes asking for the class on the left get the one on the right; the review shows which classes the
        target lacks.
      </div>
      <button type="button" onClick={add}>
        Add mapping
      </button>
    </fieldset>
  );
}
