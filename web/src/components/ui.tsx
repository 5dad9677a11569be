/** Small building blocks shared by every screen. */
import { type ReactNode, useEffect, useId, useRef } from 'react';
import { ApiError } from '../api.ts';

/** A labelled form field with its error shown inline, next to what caused it. */
export function Field(props: {
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  children: (id: string) => ReactNode;
}) {
  const id = useId();
  return (
    <div className={`field${props.error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{props.label}</label>
      {props.children(id)}
      {props.hint ? <div className="hint">{props.hint}</div> : null}
      <FieldError error={props.error} />
    </div>
  );
}

/** A field's error, announced, under the field (nothing when there is none). */
export function FieldError(props: { error: string | undefined }) {
  return props.error ? (
    <div className="field-error" role="alert">
      {props.error}
    </div>
  ) : null;
}

/** An error from the server, in words, with the problems a check found. */
export function ErrorNote(props: { error: unknown; title?: string }) {
  if (!props.error) return null;
  const error = props.error;
  const message = error instanceof Error ? error.message : String(error);
  const problems = error instanceof ApiError ? error.problems : [];
  return (
    <div className="error-note" role="alert">
      {props.title ? <strong>{props.title}: </strong> : null}
      {problems.length > 0 ? (
        <ul>
          {problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      ) : (
        message
      )}
    </div>
  );
}

export function EmptyState(props: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <h3>{props.title}</h3>
      {props.children}
    </div>
  );
}

const phaseClass: Record<string, string> = {
  Completed: 'ok',
  Healthy: 'ok',
  Valid: 'ok',
  PartiallyFailed: 'warn',
  Failed: 'bad',
  Unhealthy: 'bad',
  Invalid: 'bad',
  InProgress: 'busy',
  Queued: 'busy',
  Deleting: 'busy',
  Missing: 'bad',
};

export function Badge(props: { value: string; title?: string | null | undefined }) {
  return (
    <span className={`badge badge-${phaseClass[props.value] ?? 'neutral'}`} title={props.title ?? undefined}>
      {props.value}
    </span>
  );
}

export function ProgressBar(props: { percent: number; label: string }) {
  return (
    <div
      className="progress"
      role="progressbar"
      aria-valuenow={props.percent}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-label={props.label}
    >
      <div className="progress-fill" style={{ width: `${props.percent}%` }} />
      <span className="progress-text">{props.percent}%</span>
    </div>
  );
}

/** The page part of the console's address (`#/p/x/clusters/c`), without its query (`?tab=…`). */
function pageOf(hash: string): string {
  return hash.split('?', 1)[0] ?? '';
}

/**
 * A modal dialog: focus moves into it, Escape closes it, and so does leaving its page (Back, or a link
 * outside it): a dialog whose screen stays mounted — the top bar's, or a page shown for another cluster —
 * would otherwise stay open over a page it is not about. A change of tab (`?tab=`) is not leaving.
 */
export function Dialog(props: { title: string; onClose: () => void; children: ReactNode; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  const onClose = useRef(props.onClose);
  useEffect(() => {
    onClose.current = props.onClose;
  });
  useEffect(() => {
    const page = pageOf(window.location.hash);
    const left = () => {
      if (pageOf(window.location.hash) !== page) onClose.current();
    };
    window.addEventListener('hashchange', left);
    return () => window.removeEventListener('hashchange', left);
  }, []);
  useEffect(() => {
    // Focus goes back to what opened the dialog when it closes (keyboard users keep their place).
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => {
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      className={props.wide ? 'wide' : undefined}
      aria-label={props.title}
      onCancel={(event) => {
        event.preventDefault();
        props.onClose();
      }}
    >
      <header>
        <h2>{props.title}</h2>
        <button type="button" className="icon" aria-label="Close" onClick={props.onClose}>
          ×
        </button>
      </header>
      {props.children}
    </dialog>
  );
}

export function Tabs(props: {
  tabs: { id: string; label: string }[];
  current: string;
  onSelect: (id: string) => void;
}) {
  return (
    <div role="tablist" className="tabs">
      {props.tabs.map((tab) => (
        <button
          key={tab.id}
          type="button"
          role="tab"
          aria-selected={tab.id === props.current}
          className={tab.id === props.current ? 'active' : undefined}
          onClick={() => props.onSelect(tab.id)}
        >
          {tab.label}
        </button>
      ))}
    </div>
  );
}

/** Splits "a, b c" into names. */
export function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((part) => part.trim())
    .filter(Boolean);
}
