/**
 * The backup schedule of a cluster or workspace: when it runs, where backups go, how long they are kept and
 * what they hold. Admins edit it; everyone else reads it.
 */
import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { PolicyView } from '../../../src/api/types.ts';
import { ApiError, api } from '../api.ts';
import { KeepVolumeSnapshots } from '../backups/KeepVolumeSnapshots.tsx';
import { CopyVolumeData, locationCopiesData } from '../components/CopyVolumeData.tsx';
import { clusterResourceChoices, clusterResourcesHint } from '../components/choices.ts';
import { useEditedSince } from '../components/field-issues.ts';
import { NamespacePicker } from '../components/NamespacePicker.tsx';
import { Dialog, EmptyState, ErrorNote, Field } from '../components/ui.tsx';
import { expiryLabel, formatTime } from '../format.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import {
  type ClusterResources,
  expiryOptions,
  formOf,
  inputOf,
  newForm,
  type PolicyForm,
  requestPathOf,
} from './policy-form.ts';
import { type PolicyOwner, policyKey, policyPath, useLocations, usePolicy } from './policy-queries.ts';
import { SavedPolicy } from './SavedPolicy.tsx';
import { ScheduleFields } from './ScheduleFields.tsx';

/** Request fields with an input of their own; a refusal naming only these is shown next to them. */
const fieldPaths = [
  'prefix',
  'location',
  'schedule',
  'timeZone',
  'expiryHours',
  'includeDisks',
  'copyVolumeData',
  'keepVolumeSnapshots',
  'includeClusterResources',
  'namespaces',
];

function shownByFields(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    error.status === 400 &&
    error.issues.length > 0 &&
    error.issues.every((issue) =>
      fieldPaths.some((path) => issue.path === path || issue.path.startsWith(`${path}.`)),
    )
  );
}

export function PolicyEditor(props: { owner: PolicyOwner }) {
  const session = useSession();
  const project = session.project?.name ?? '';
  const policy = usePolicy(project, props.owner);
  if (policy.isPending) return <p className="loading">Loading the schedule…</p>;
  if (policy.error) return <ErrorNote error={policy.error} title="Cannot load the schedule" />;
  const saved = policy.data;
  if (!saved && !session.can('admin'))
    return (
      <EmptyState title="No schedule yet">
        <p>
          Backups of this {props.owner.kind} are only made by hand. An admin of this project can set a
          schedule.
        </p>
      </EmptyState>
    );
  return (
    <div>
      {saved ? (
        <SavedPolicy policy={saved} />
      ) : (
        <p>
          <strong>No schedule yet</strong>: backups of this {props.owner.kind} are only made by hand. Choose
          when below and press Save Schedule.
        </p>
      )}
      <PolicyFormView key={`${props.owner.kind}/${props.owner.name}`} owner={props.owner} saved={saved} />
    </div>
  );
}

function PolicyFormView(props: { owner: PolicyOwner; saved: PolicyView | null }) {
  const session = useSession();
  const project = session.project?.name ?? '';
  const admin = session.can('admin');
  const queryClient = useQueryClient();
  const locations = useLocations(project);
  const [form, setForm] = useState<PolicyForm>(() =>
    props.saved ? formOf(props.saved) : newForm(props.owner.name),
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  const [confirmRemove, setConfirmRemove] = useState(false);
  const since = useEditedSince(error);
  const set = (change: Partial<PolicyForm>) => {
    setForm((old) => ({ ...old, ...change }));
    setDone(undefined);
    since.edit(...Object.keys(change).map((key) => requestPathOf[key as keyof PolicyForm]));
  };
  // A new schedule goes to the project's first location unless another is picked.
  const location = form.location || (locations.data?.[0]?.name ?? '');
  const issue = (path: string) => {
    if (!(error instanceof ApiError) || since.edited(path)) return undefined;
    // 'schedule' alone is the cron check; its sub-fields have inputs of their own.
    return path === 'schedule' ? error.issues.find((i) => i.path === path)?.message : error.issue(path);
  };

  const run = async (work: () => Promise<string>) => {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      setDone(await work());
      void queryClient.invalidateQueries({ queryKey: ['p', project] });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const save = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const view = await api<PolicyView>(
        'PUT',
        policyPath(project, props.owner),
        inputOf({ ...form, location }),
      );
      queryClient.setQueryData(policyKey(project, props.owner), view);
      return view.nextRunAt ? `Schedule saved. Next run: ${formatTime(view.nextRunAt)}.` : 'Schedule saved.';
    });
  };
  const remove = () => {
    setConfirmRemove(false);
    void run(async () => {
      await api('DELETE', policyPath(project, props.owner));
      queryClient.setQueryData(policyKey(project, props.owner), null);
      return 'Schedule removed: no more backups are made on their own. Backups already made stay until they expire.';
    });
  };

  const expiryChoices = expiryOptions.some((option) => option.hours === form.expiryHours)
    ? expiryOptions
    : [...expiryOptions, { hours: form.expiryHours, label: expiryLabel(form.expiryHours) }];
  return (
    <form onSubmit={save} noValidate>
      <fieldset disabled={!admin || busy} style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }}>
        <div className="row">
          <Field
            label="Backup prefix"
            error={issue('prefix')}
            hint="Scheduled backups are named <prefix>-<time>: up to 40 lower-case letters, digits and dashes."
          >
            {(id) => <input id={id} value={form.prefix} onChange={(e) => set({ prefix: e.target.value })} />}
          </Field>
          <Field label="Location" error={issue('location')}>
            {(id) => (
              <select id={id} value={location} onChange={(e) => set({ location: e.target.value })}>
                {locations.data?.map((l) => (
                  <option key={l.id} value={l.name}>
                    {l.name} ({l.where})
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        {locations.data?.length === 0 ? (
          <p className="error-note">
            No backup location yet: <Link to={['p', project, 'settings']}>add one in Project Settings</Link>{' '}
            first.
          </p>
        ) : null}
        <ErrorNote error={locations.error} title="Cannot list the backup locations" />
        <ScheduleFields form={form} set={set} issue={issue} />
        <div className="row">
          <Field label="Expiry" error={issue('expiryHours')} hint="Each backup is deleted after this.">
            {(id) => (
              <select
                id={id}
                value={form.expiryHours}
                onChange={(e) => set({ expiryHours: Number(e.target.value) })}
              >
                {expiryChoices.map((option) => (
                  <option key={option.hours} value={option.hours}>
                    {option.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field
            label="Include cluster resources"
            error={issue('includeClusterResources')}
            hint={clusterResourcesHint(form.includeClusterResources)}
          >
            {(id) => (
              <select
                id={id}
                value={form.includeClusterResources}
                onChange={(e) => set({ includeClusterResources: e.target.value as ClusterResources })}
              >
                {clusterResourceChoices.map((choice) => (
                  <option key={choice.value} value={choice.value}>
                    {choice.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <NamespacePicker
          project={project}
          {...(props.owner.kind === 'cluster'
            ? { clusters: [props.owner.name] }
            : { workspace: props.owner.name })}
          selected={form.namespaces}
          onChange={(namespaces) => set({ namespaces })}
          noneMeans={
            props.owner.kind === 'workspace'
              ? "the workspace's namespaces are backed up"
              : 'every namespace is backed up, including ones created later'
          }
          error={issue('namespaces')}
        />
        <label className="check">
          <input
            type="checkbox"
            checked={form.includeDisks}
            onChange={(e) => set({ includeDisks: e.target.checked })}
          />
          Include all disks
        </label>
        <CopyVolumeData
          includeDisks={form.includeDisks}
          value={form.copyVolumeData}
          onChange={(copyVolumeData) => set({ copyVolumeData })}
          location={locations.data?.find((l) => l.name === location)}
          error={issue('copyVolumeData')}
        />
        <KeepVolumeSnapshots
          copies={
            form.includeDisks &&
            (form.copyVolumeData ?? locationCopiesData(locations.data?.find((l) => l.name === location)))
          }
          value={form.keepVolumeSnapshots}
          onChange={(keepVolumeSnapshots) => set({ keepVolumeSnapshots })}
          location={locations.data?.find((l) => l.name === location)}
          error={issue('keepVolumeSnapshots')}
        />
      </fieldset>
      {shownByFields(error) ? null : <ErrorNote error={error} title="Cannot change the schedule" />}
      {done ? (
        <p className="ok-note" role="status">
          {done}
        </p>
      ) : null}
      {admin ? (
        <div className="form-actions">
          {props.saved ? (
            <button type="button" className="danger" disabled={busy} onClick={() => setConfirmRemove(true)}>
              Remove Schedule
            </button>
          ) : null}
          <button type="submit" className="primary" disabled={busy || !location}>
            Save Schedule
          </button>
        </div>
      ) : null}
      {confirmRemove ? (
        <Dialog title="Remove Schedule" onClose={() => setConfirmRemove(false)}>
          <div>
            <p>
              Remove the schedule of {props.owner.kind} <strong>{props.owner.name}</strong>? No more backups
              will be made on their own. Backups already made stay until they expire.
            </p>
            <div className="form-actions">
              <button type="button" onClick={() => setConfirmRemove(false)}>
                Cancel
              </button>
              <button type="button" className="danger" onClick={remove}>
                Yes, remove the schedule
              </button>
            </div>
          </div>
        </Dialog>
      ) : null}
    </form>
  );
}
