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

/**
 * The deepest nesting of arrays and objects `parseLossless` accepts. Kubernetes objects nest a few dozen
 * levels at most; the parse's reviver (and every walk over the result) recurses once per level, and a few
 * thousand levels already overflow the stack.
 */
export const maxJsonDepth = 512;

/** JSON nested deeper than `maxJsonDepth`: refused before parsing. */
export class JsonDepthError extends Error {
  override readonly name = 'JsonDepthError';
  readonly limit: number;

  constructor(limit: number) {
    super(`JSON nested more than ${limit} levels deep (the most accepted): not parsed`);
    this.limit = limit;
  }
}

const quote = 0x22;
const backslash = 0x5c;
const openBrace = 0x7b;
const openBracket = 0x5b;
const closeBrace = 0x7d;
const closeBracket = 0x5d;

/** Occurrences of `byte` in `bytes`, counting no further than `stop`. */
function countUpTo(bytes: Buffer, byte: number, stop: number): number {
  let count = 0;
  for (let at = bytes.indexOf(byte); at !== -1 && count < stop; at = bytes.indexOf(byte, at + 1)) count++;
  return count;
}

/** Whether brackets and braces outside strings nest deeper than `limit` (a byte scan, no parse). */
function nestsDeeper(bytes: Buffer, limit: number): boolean {
  // Most objects have fewer opening brackets in all than the limit: counted natively, no scan needed.
  if (countUpTo(bytes, openBrace, limit + 1) + countUpTo(bytes, openBracket, limit + 1) <= limit)
    return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === backslash) i++;
      else if (byte === quote) inString = false;
    } else if (byte === quote) inString = true;
    else if (byte === openBrace || byte === openBracket) {
      if (++depth > limit) return true;
    } else if (byte === closeBrace || byte === closeBracket) depth--;
  }
  return false;
}

/**
 * Whether the text may hold a number that `JSON.parse` would not write back as it reads: one with a
 * fraction or an exponent, of 16 digits or more (past 2^53), or -0. Only safe integers are left, whose
 * text is what `String` gives. Matches inside strings too (e.g. an image tag `:1.25`): those take the
 * reviver's path, which is as exact, only slower.
 */
const mayChangeNumber = /(?:^|[:,[])\s*(?:-?\d{16}|-?\d+[.eE]|-0(?!\d))/;

/**
 * Parses JSON, keeping every number that would change on a round trip as raw text. Throws `SyntaxError`
 * for malformed JSON and `JsonDepthError` past `maxJsonDepth` levels.
 */
export function parseLossless(text: string | Buffer): unknown {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  if (nestsDeeper(bytes, maxJsonDepth)) throw new JsonDepthError(maxJsonDepth);
  const source = typeof text === 'string' ? text : text.toString('utf8');
  // Most objects hold no number a plain parse would change: parsed natively, without a call per value.
  if (!mayChangeNumber.test(source)) return JSON.parse(source);
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
