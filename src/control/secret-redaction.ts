/**
 * What of a Secret the API may show: its keys, never its values. A Secret's `data` and `stringData` values
 * are replaced, and so is kubectl's last-applied-configuration annotation, which holds them in the clear
 * when the Secret was made by `kubectl apply`. Whether a live value differs from the backup's is said by
 * the placeholder (the values are compared here, on the server), so a diff still shows that a value changed.
 */

/** What a Secret's value is replaced with. */
export const redactedValue = '(redacted)';
/** What a live Secret's value is replaced with when it differs from the backup's (or the backup has none). */
export const redactedChangedValue = '(redacted: differs from the backup)';
/** The annotation `kubectl apply` writes: the applied object, a Secret's values included. */
export const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';
const redactedAnnotation = '(redacted: it holds the Secret’s values)';

type Json = Record<string, unknown>;

const asRecord = (value: unknown): Json | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;

/** Whether an object is a Secret: by the resource its path names, or by the kind its body claims. */
export function isSecret(object: Json, resource?: { group: string; resource: string }): boolean {
  const apiVersion = object.apiVersion;
  return (
    (resource?.group === '' && resource.resource === 'secrets') ||
    (object.kind === 'Secret' && (apiVersion === 'v1' || apiVersion === undefined))
  );
}

/**
 * A copy of a Secret with its values replaced (`redactedValue`), or, given `backedUp` (the Secret as the
 * backup holds it, unredacted), each value that differs from the backup's replaced by `redactedChangedValue`.
 * Keys are kept. The object passed in is not changed.
 */
export function redactSecret(object: Json, backedUp?: Json): Json {
  const copy: Json = { ...object };
  for (const field of ['data', 'stringData'] as const) {
    const values = asRecord(object[field]);
    if (!values) {
      // A hostile value that is not a map of strings is not shown either.
      if (object[field] !== undefined && object[field] !== null) copy[field] = redactedValue;
      continue;
    }
    const before = backedUp ? asRecord(backedUp[field]) : undefined;
    copy[field] = Object.fromEntries(
      Object.entries(values).map(([key, value]) => [
        key,
        backedUp && !(before && key in before && sameValue(before[key], value))
          ? redactedChangedValue
          : redactedValue,
      ]),
    );
  }
  const metadata = asRecord(object.metadata);
  const annotations = asRecord(metadata?.annotations);
  if (metadata && annotations && lastAppliedAnnotation in annotations)
    copy.metadata = {
      ...metadata,
      annotations: { ...annotations, [lastAppliedAnnotation]: redactedAnnotation },
    };
  return copy;
}

function sameValue(a: unknown, b: unknown): boolean {
  return typeof a === 'string' && a === b;
}
