/**
 * A refused form's per-field errors clear as soon as the user edits the field they are about: the error
 * said what to fix, and once it is being fixed it no longer applies. The others stay until the next submit.
 */
import { useState } from 'react';

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
