/**
 * A backed-up object as YAML, and the line diff between it and the live object. Fields the API server
 * rewrites on every change (or that describe state, not intent) are left out of the comparison, so the diff
 * shows what someone changed; the view says which.
 */
import { diffLines } from 'diff';
import { stringify } from 'yaml';

/** The fields left out of the comparison, as the view names them. */
export const noiseFields = [
  'metadata.resourceVersion',
  'metadata.uid',
  'metadata.managedFields',
  'metadata.creationTimestamp',
  'metadata.generation',
  'status',
] as const;

type Json = Record<string, unknown>;

/** A manifest as YAML: long strings kept on one line, every object written out (no anchors). */
export function toYaml(object: unknown): string {
  return stringify(object, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** A copy without the fields of `noiseFields` (the object passed in is left as it was). */
export function withoutNoise(object: Json): Json {
  const { status: _status, ...rest } = object;
  const metadata = object.metadata;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) return rest;
  const {
    resourceVersion: _resourceVersion,
    uid: _uid,
    managedFields: _managedFields,
    creationTimestamp: _creationTimestamp,
    generation: _generation,
    ...kept
  } = metadata as Json;
  return { ...rest, metadata: kept };
}

/**
 * One line of a diff: kept (` `), only in the backup (`-`), only live (`+`), or a run of kept lines folded;
 * `at` is its place in the whole diff (the first folded line's, for a fold).
 */
export type DiffLine =
  | { at: number; type: ' ' | '-' | '+'; text: string }
  | { at: number; type: 'fold'; count: number };

/** A line diff of the backup's manifest against the live one, each without the noise fields. */
export interface ManifestDiff {
  lines: DiffLine[];
  added: number;
  removed: number;
}

/** Lines of unchanged context kept around each change; longer runs between changes are folded. */
const context = 3;

/**
 * The diff of `stored` against `live` (noise left out), with unchanged runs folded to `context` lines
 * around each change; undefined when the two differ in more lines than are worth showing one by one.
 */
export function diffManifests(stored: Json, live: Json): ManifestDiff | undefined {
  const changes = diffLines(toYaml(withoutNoise(stored)), toYaml(withoutNoise(live)), {
    maxEditLength: 4000,
  });
  if (!changes) return undefined;
  const all: { at: number; type: ' ' | '-' | '+'; text: string }[] = [];
  for (const change of changes) {
    const type = change.added ? '+' : change.removed ? '-' : ' ';
    for (const text of change.value.replace(/\n$/, '').split('\n')) all.push({ at: all.length, type, text });
  }
  const near = all.map(() => false);
  for (const line of all) {
    if (line.type === ' ') continue;
    const last = Math.min(all.length - 1, line.at + context);
    for (let i = Math.max(0, line.at - context); i <= last; i++) near[i] = true;
  }
  const lines: DiffLine[] = [];
  let folded = 0;
  for (const line of all) {
    if (near[line.at]) {
      if (folded > 0) lines.push({ at: line.at - folded, type: 'fold', count: folded });
      folded = 0;
      lines.push(line);
    } else folded++;
  }
  if (folded > 0) lines.push({ at: all.length - folded, type: 'fold', count: folded });
  return {
    lines,
    added: all.filter((line) => line.type === '+').length,
    removed: all.filter((line) => line.type === '-').length,
  };
}
