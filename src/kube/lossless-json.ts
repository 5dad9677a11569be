/**
 * JSON that keeps numbers exactly as written. Objects the restore engine must edit (sanitise, map) are
 * parsed with each number whose text would not survive a round trip kept as its source text
 * (`JSON.rawJSON`), so `JSON.stringify` writes `9007199254740993` and `1.50` back unchanged.
 */

type JsonRawValue = { readonly rawJSON: string };

interface JsonWithRaw {
  rawJSON(text: string): JsonRawValue;
  isRawJSON(value: unknown): value is JsonRawValue;
}

const json = JSON as unknown as JSON & JsonWithRaw;

/** A parsed JSON value in which some numbers are raw source text. */
export type LosslessValue =
  | null
  | boolean
  | number
  | string
  | JsonRawValue
  | LosslessValue[]
  | { [key: string]: LosslessValue };

/** Parses JSON, keeping every number that would change on a round trip as raw text. */
export function parseLossless(text: string | Buffer): unknown {
  const source = typeof text === 'string' ? text : text.toString('utf8');
  return JSON.parse(source, function reviver(
    this: unknown,
    _key: string,
    value: unknown,
    context?: { source?: string },
  ) {
    if (typeof value === 'number' && context?.source !== undefined && String(value) !== context.source) {
      return json.rawJSON(context.source);
    }
    return value;
  } as (key: string, value: unknown) => unknown);
}

export function isRawJson(value: unknown): value is JsonRawValue {
  return json.isRawJSON(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isRawJson(value);
}

/** A number's text, for comparing raw and plain numbers alike. */
function numberText(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  if (isRawJson(value)) return value.rawJSON;
  return undefined;
}

/** Integers compare exactly (as big integers); other numbers by their double value (1.50 equals 1.5). */
function numbersEqual(a: string, b: string): boolean {
  if (a === b) return true;
  const integer = /^-?\d+$/;
  if (integer.test(a) && integer.test(b)) return BigInt(a) === BigInt(b);
  return Number(a) === Number(b);
}

/** Deep equality, ignoring key order, comparing numbers by value text. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  const na = numberText(a);
  const nb = numberText(b);
  if (na !== undefined || nb !== undefined) {
    return na !== undefined && nb !== undefined && numbersEqual(na, nb);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => jsonEqual(item, b[i]))
    );
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) if (!jsonEqual(a[key], b[key])) return false;
    return true;
  }
  return a === b;
}

/** Dotted paths of the fields that differ between `from` and `to` (arrays compared whole). */
export function changedPaths(from: unknown, to: unknown, prefix = ''): string[] {
  if (isPlainObject(from) && isPlainObject(to)) {
    const paths: string[] = [];
    for (const key of new Set([...Object.keys(from), ...Object.keys(to)])) {
      paths.push(...changedPaths(from[key], to[key], prefix ? `${prefix}.${key}` : key));
    }
    return paths;
  }
  return jsonEqual(from, to) ? [] : [prefix || '(whole object)'];
}

/** The JSON merge patch (RFC 7386) that turns `from` into `to`. */
export function mergePatch(from: unknown, to: unknown): unknown {
  if (!isPlainObject(from) || !isPlainObject(to)) return to;
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(from)) if (!(key in to)) patch[key] = null;
  for (const [key, value] of Object.entries(to)) {
    if (!(key in from)) patch[key] = value;
    else if (!jsonEqual(from[key], value)) {
      patch[key] = isPlainObject(from[key]) && isPlainObject(value) ? mergePatch(from[key], value) : value;
    }
  }
  return patch;
}
