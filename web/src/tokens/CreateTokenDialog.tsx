/**
 * Creating a token: a name and an expiry (30 days unless chosen otherwise). Once created, the dialog shows
 * the value this once, with a button to copy it; closing it forgets the value.
 */
import { type FormEvent, useState } from 'react';
import type { CreatedTokenView } from '../../../src/api/types.ts';
import { useFieldIssues } from '../components/field-issues.ts';
import { Dialog, ErrorNote, Field } from '../components/ui.tsx';
import { formatTime } from '../format.ts';
import { TokenShownOnce } from './TokenShownOnce.tsx';
import { expiryChoices, expiryFor, useCreateToken } from './token-queries.ts';

export function CreateTokenDialog(props: { onClose: () => void }) {
  const create = useCreateToken();
  const [name, setName] = useState('');
  const [choice, setChoice] = useState('30');
  const [date, setDate] = useState('');
  const [created, setCreated] = useState<CreatedTokenView>();
  const expiresAt = expiryFor(choice, date, new Date());
  const error = create.error;
  const fields = useFieldIssues(error, ['name', 'expiresAt']);
  const fieldError = fields.issue;
  const placed = fields.placed;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (expiresAt === undefined) return;
    create.mutate({ name: name.trim(), expiresAt }, { onSuccess: setCreated });
  };

  if (created)
    return (
      <Dialog title="Token created" onClose={props.onClose}>
        <div>
          <p>
            Copy the value of <strong>{created.name}</strong> now: it is shown only this once.{' '}
            {created.expiresAt
              ? `It stops working on ${formatTime(created.expiresAt)}.`
              : 'It does not expire.'}
          </p>
          <TokenShownOnce
            id="new-token-value"
            label="Token value"
            token={created.token}
            onDone={props.onClose}
          />
        </div>
      </Dialog>
    );

  const today = new Date();
  const tomorrow = new Date(today.getFullYear(), today.getMonth(), today.getDate() + 1);
  const minDate = `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, '0')}-${String(tomorrow.getDate()).padStart(2, '0')}`;
  return (
    <Dialog title="Create token" onClose={props.onClose}>
      <form onSubmit={submit}>
        <Field label="Name" error={fieldError('name')} hint="What it is for, such as “ci pipeline”.">
          {(id) => (
            <input
              id={id}
              value={name}
              onChange={(event) => {
                setName(event.target.value);
                fields.edit('name');
              }}
              autoComplete="off"
              maxLength={100}
              required
            />
          )}
        </Field>
        <fieldset className={`field${fieldError('expiresAt') ? ' field-invalid' : ''}`}>
          <legend>Expires</legend>
          {expiryChoices.map((entry) => (
            <label key={entry.id} className="check">
              <input
                type="radio"
                name="token-expiry"
                value={entry.id}
                checked={choice === entry.id}
                onChange={() => {
                  setChoice(entry.id);
                  fields.edit('expiresAt');
                }}
              />
              {entry.label}
            </label>
          ))}
          {choice === 'custom' ? (
            <Field label="Expiry date" hint="It stops working at the end of that day, in your time zone.">
              {(id) => (
                <input
                  id={id}
                  type="date"
                  min={minDate}
                  value={date}
                  onChange={(event) => {
                    setDate(event.target.value);
                    fields.edit('expiresAt');
                  }}
                  required
                />
              )}
            </Field>
          ) : null}
          {choice === 'never' ? (
            <p className="muted">A token that never expires works until it is revoked: prefer an expiry.</p>
          ) : null}
          {fieldError('expiresAt') ? (
            <div className="field-error" role="alert">
              {fieldError('expiresAt')}
            </div>
          ) : null}
        </fieldset>
        {error && !placed ? <ErrorNote error={error} /> : null}
        <div className="form-actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className="primary"
            disabled={create.isPending || !name.trim() || expiresAt === undefined}
          >
            Create token
          </button>
        </div>
      </form>
    </Dialog>
  );
}
