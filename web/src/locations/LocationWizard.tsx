/**
 * Adding or editing a backup location: pick the provider, fill in its fields, validate them against the real
 * store, save. The server validates again before saving and refuses (422) a location that fails.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import type { LocationView, ValidationView } from '../../../src/api/types.ts';
import { ApiError, api } from '../api.ts';
import { Dialog, ErrorNote } from '../components/ui.tsx';
import { useSession } from '../session.tsx';
import {
  type Body,
  changedFields,
  emptyForm,
  formFromView,
  formKeys,
  type LocationForm,
  localIssues,
  missingSecrets,
  type Provider,
  pathOf,
  providerLabels,
  type TextKey,
  toBody,
} from './location-form.ts';
import { ProviderFields } from './ProviderFields.tsx';

type Outcome =
  | { kind: 'validated'; result: ValidationView }
  | { kind: 'failed'; error: unknown }
  | { kind: 'note'; text: string };

export function LocationWizard(props: { location?: LocationView | undefined; onClose: () => void }) {
  const { project } = useSession();
  const projectName = project?.name ?? '';
  const queryClient = useQueryClient();
  const editing = props.location;
  const [initial] = useState(() => (editing ? formFromView(editing) : undefined));
  const [form, setForm] = useState<LocationForm>(() => initial ?? emptyForm('aws'));
  const [step, setStep] = useState<1 | 2>(editing ? 2 : 1);
  const [issues, setIssues] = useState<Map<string, string>>(new Map());
  const [outcome, setOutcome] = useState<Outcome>();
  const [busy, setBusy] = useState(false);
  // The external ID of this project's AWS roles is chosen by the server (one per project), never here; the
  // server also says whether it may assume a role with its own identity (then the keys are optional).
  const externalId = useQuery({
    queryKey: ['p', projectName, 'aws-external-id'],
    queryFn: () =>
      api<{ externalId: string; serverIdentity: boolean }>(
        'GET',
        `/projects/${encodeURIComponent(projectName)}/locations/aws-external-id`,
      ),
    staleTime: Number.POSITIVE_INFINITY,
  });
  useEffect(() => {
    const data = externalId.data;
    if (!data) return;
    setForm((current) =>
      current.externalId === data.externalId && current.serverIdentity === data.serverIdentity
        ? current
        : { ...current, externalId: data.externalId, serverIdentity: data.serverIdentity },
    );
  }, [externalId.data]);
  const base = `/projects/${encodeURIComponent(projectName)}/locations`;

  const change = (patch: Partial<LocationForm>) => {
    setForm((current) => ({ ...current, ...patch }));
    setOutcome(undefined);
    setIssues((current) => {
      const next = new Map(current);
      for (const key of Object.keys(patch)) next.delete(pathOf(key as TextKey, form.provider));
      return next;
    });
  };

  const serverError =
    outcome?.kind === 'failed' && outcome.error instanceof ApiError ? outcome.error : undefined;
  const errorFor = (path: string) =>
    issues.get(path) ?? (serverError?.status === 400 ? serverError.issue(path) : undefined);
  const shownPaths = formKeys(form).map((key) => pathOf(key, form.provider));
  const unplacedIssues =
    serverError?.status === 400
      ? serverError.issues.filter(
          (issue) => !shownPaths.some((path) => issue.path === path || issue.path.startsWith(`${path}.`)),
        )
      : [];

  /** Runs `action` unless the browser can already tell what is missing. */
  const run = async (action: () => Promise<Outcome | undefined>) => {
    const found = localIssues(form, initial);
    setIssues(found);
    setOutcome(undefined);
    if (found.size > 0) return;
    setBusy(true);
    try {
      const next = await action();
      if (next) setOutcome(next);
    } catch (error) {
      setOutcome({ kind: 'failed', error });
    } finally {
      setBusy(false);
    }
  };

  const validate = async (): Promise<Outcome> => {
    const body = toBody(form);
    if (editing) {
      const changes = changedFields(toBody(initial ?? form), body);
      if (Object.keys(changes).length === 0) {
        // Nothing changed: validate the saved location, with the secrets the server holds.
        const saved = await api<{ result: ValidationView }>(
          'POST',
          `${base}/${encodeURIComponent(editing.id)}/validate`,
        );
        await queryClient.invalidateQueries({ queryKey: ['p', projectName] });
        return { kind: 'validated', result: saved.result };
      }
      const missing =
        form.awsAuth === initial?.awsAuth && form.azureAuth === initial.azureAuth
          ? missingSecrets(editing, body)
          : [];
      if (missing.length > 0)
        return {
          kind: 'note',
          text: 'To validate changes here, enter the secret fields again. Or save: saving validates the changes with the secrets already stored.',
        };
    }
    return { kind: 'validated', result: await api<ValidationView>('POST', `${base}/validate`, body) };
  };

  const save = async (): Promise<Outcome | undefined> => {
    if (editing) {
      const changes = changedFields(toBody(initial ?? form), toBody(form));
      if (Object.keys(changes).length === 0) return { kind: 'note', text: 'Nothing changed yet.' };
      await api<LocationView>('PATCH', `${base}/${encodeURIComponent(editing.id)}`, changes);
    } else await api<LocationView>('POST', base, toBody(form) satisfies Body);
    await queryClient.invalidateQueries({ queryKey: ['p', projectName] });
    props.onClose();
    return undefined;
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (step === 1) setStep(2);
    else void run(save);
  };

  const pickProvider = (provider: Provider) => {
    setForm((current) => ({
      ...emptyForm(provider),
      name: current.name,
      externalId: current.externalId,
      serverIdentity: current.serverIdentity,
    }));
    setIssues(new Map());
    setOutcome(undefined);
  };

  return (
    <Dialog title={editing ? 'Edit Backup Location' : 'Add New Backup Location'} onClose={props.onClose} wide>
      <form onSubmit={submit} noValidate>
        {editing ? (
          <p className="muted">
            {providerLabels[form.provider]}: the provider of a location cannot change (add a new location for
            another one).
          </p>
        ) : (
          <div className="steps">
            <span className={step === 1 ? 'current' : undefined}>1. Provider</span>
            <span aria-hidden="true">›</span>
            <span className={step === 2 ? 'current' : undefined}>
              2. {providerLabels[form.provider]} details
            </span>
          </div>
        )}
        {step === 1 ? (
          <fieldset className="field">
            <legend>Where are backups stored?</legend>
            {(Object.keys(providerLabels) as Provider[]).map((provider) => (
              <label key={provider} className="check">
                <input
                  type="radio"
                  name="provider"
                  checked={form.provider === provider}
                  onChange={() => pickProvider(provider)}
                />
                {providerLabels[provider]}
              </label>
            ))}
          </fieldset>
        ) : (
          <ProviderFields form={form} editing={editing !== undefined} onChange={change} errorFor={errorFor} />
        )}
        <OutcomeNote outcome={outcome} unplacedIssues={unplacedIssues} />
        <div className="form-actions">
          {step === 1 ? (
            <>
              <button type="button" onClick={props.onClose}>
                Cancel
              </button>
              <button type="submit" className="primary">
                Next
              </button>
            </>
          ) : (
            <>
              {editing ? (
                <button type="button" onClick={props.onClose}>
                  Cancel
                </button>
              ) : (
                <button type="button" onClick={() => setStep(1)} disabled={busy}>
                  Back
                </button>
              )}
              <button type="button" onClick={() => void run(validate)} disabled={busy}>
                Validate
              </button>
              <button type="submit" className="primary" disabled={busy}>
                {editing ? 'Save' : 'Create'}
              </button>
            </>
          )}
        </div>
        {busy ? (
          <p className="muted" role="status">
            Checking the location against the store…
          </p>
        ) : null}
      </form>
    </Dialog>
  );
}

function OutcomeNote(props: {
  outcome: Outcome | undefined;
  unplacedIssues: { path: string; message: string }[];
}) {
  const { outcome } = props;
  if (!outcome) return null;
  if (outcome.kind === 'note') return <p className="muted">{outcome.text}</p>;
  if (outcome.kind === 'validated') {
    const { result } = outcome;
    if (result.ok)
      return (
        <div className="ok-note" role="status">
          Validated: {result.checks.join(', ')}
        </div>
      );
    return (
      <div className="error-note" role="alert">
        <strong>The location did not validate ({result.where}):</strong>
        <ul>
          {result.problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      </div>
    );
  }
  const error = outcome.error;
  if (error instanceof ApiError && error.status === 400) {
    if (props.unplacedIssues.length === 0)
      return (
        <div className="error-note" role="alert">
          Fix the fields marked above.
        </div>
      );
    return (
      <div className="error-note" role="alert">
        <ul>
          {props.unplacedIssues.map((issue) => (
            <li key={`${issue.path}:${issue.message}`}>
              {issue.path ? `${issue.path}: ${issue.message}` : issue.message}
            </li>
          ))}
        </ul>
      </div>
    );
  }
  const title =
    error instanceof ApiError && error.status === 422
      ? 'The location did not validate, so it was not saved'
      : undefined;
  return <ErrorNote error={error} {...(title ? { title } : {})} />;
}
