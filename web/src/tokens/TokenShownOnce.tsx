import { CopyButton } from '../locations/CopyButton.tsx';

/**
 * A token's value as it is shown its only time (a new token, a new user's first token): selected on focus,
 * with a copy button and Done.
 */
export function TokenShownOnce(props: { id: string; label: string; token: string; onDone: () => void }) {
  return (
    <>
      <div className="field">
        <label htmlFor={props.id}>{props.label}</label>
        <input
          id={props.id}
          style={{ fontFamily: 'ui-monospace, Menlo, monospace' }}
          readOnly
          value={props.token}
          onFocus={(event) => event.target.select()}
        />
      </div>
      <CopyButton text={props.token} label="Copy token" />
      <div className="form-actions">
        <button type="button" className="primary" onClick={props.onDone}>
          Done
        </button>
      </div>
    </>
  );
}
