/**
 * A refused form's per-field errors clear as soon as the user edits the field they are about: the error
 * said what to fix, and once it is being fixed it no longer applies. The others stay until the next submit.
 */
import { useState } from 'react';
import { ApiError } from '../api.ts';

/** Which request paths were edited since `error` (a new error starts afresh). */
export function useEditedSince(error: unknown): {
  /** True when `path` (or a field it is part of, `schedule` for `schedule.hour`) was edited since. */
  edited(path: string): boolean;
  /** Marks request paths as edited. */
  edit(...paths: string[]): void;
} {
  const [state, setState] = useState<{ error: unknown; paths: ReadonlySet<string> }>({
    error: undefined,
    paths: new Set(),
  });
  const paths = state.error === error ? state.paths : new Set<string>();
  return {
    edited: (path) => [...paths].some((edited) => path === edited || path.startsWith(`${edited}.`)),
    edit: (...changed) => {
      if (!error || changed.every((path) => paths.has(path))) return;
      setState({ error, paths: new Set([...paths, ...changed]) });
    },
  };
}

/**
 * A form's view of a refusal (400): each field's words until that field is edited, and whether every
 * problem is shown next to a field (then no note below the form repeats them). `fieldPaths` are the request
 * paths the form has inputs for.
 */
export function useFieldIssues(
  error: unknown,
  fieldPaths: readonly string[],
): {
  /** The refusal's words for the field at `path`, until it is edited. */
  issue(path: string): string | undefined;
  /** Marks request paths as edited: call it from the field's onChange. */
  edit(...paths: string[]): void;
  /** True when `path` was edited since the refusal. */
  edited(path: string): boolean;
  /** True when every problem of the refusal has a field of this form to be shown at. */
  placed: boolean;
  /**
   * True when one of the form's fields was edited since the error. A form whose inputs are all the refusal
   * can be about (a rename, a kubeconfig) hides its note then too: what it refused is no longer what is asked.
   */
  anyEdited: boolean;
} {
  const since = useEditedSince(error);
  const refusal = error instanceof ApiError && error.status === 400 ? error : undefined;
  return {
    issue: (path) => (refusal && !since.edited(path) ? refusal.issue(path) : undefined),
    edit: since.edit,
    edited: since.edited,
    anyEdited: fieldPaths.some((path) => since.edited(path)),
    placed:
      refusal !== undefined &&
      refusal.issues.length > 0 &&
      refusal.issues.every((issue) =>
        fieldPaths.some((path) => issue.path === path || issue.path.startsWith(`${path}.`)),
      ),
  };
}
