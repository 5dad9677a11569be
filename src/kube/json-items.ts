/**
 * Splits a LIST response into the exact bytes of each item, so objects are stored as the API server sent
 * them. JSON.parse alone would lose integers above 2^53 and reformat numbers; here the parsed value is used
 * only to read fields, and the raw slice is what gets stored.
 */

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ITEMS = Buffer.from('"items"');

/** Bytes of a string looked at in JS before jumping with `indexOf`: below this, a native call costs more. */
const SHORT_STRING = 32;

/**
 * Where the string opening at `open` (a quote) closes: the next quote not escaped by an odd run of
 * backslashes. Jumping through long strings with `indexOf` (native) instead of looking at each byte in JS is
 * what makes the split cheap: most of a list's bytes are inside strings. -1 when the string never closes.
 */
function stringEnd(body: Buffer, open: number): number {
  const shortEnd = Math.min(open + 1 + SHORT_STRING, body.length);
  let i = open + 1;
  for (; i < shortEnd; i++) {
    const byte = body[i] as number;
    if (byte === QUOTE) return i;
    if (byte === BACKSLASH) i++;
  }
  // A backslash run counted back from a quote ends at the opening quote at the latest.
  let close = body.indexOf(QUOTE, i);
  while (close !== -1) {
    let backslashes = 0;
    while (body[close - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return close;
    close = body.indexOf(QUOTE, close + 1);
  }
  return -1;
}

/**
 * The raw items of a list, and the list without them (`"items":[]`): the envelope can then be parsed
 * without parsing every object at once.
 */
export function splitList(body: Buffer): { items: Buffer[]; envelope: string } {
  const items: Buffer[] = [];
  let arrayStart = -1;
  let arrayEnd = -1;
  let depth = 0;
  let lastKeyIsItems = false;
  let inItems = false;
  let itemStart = -1;
  const length = body.length;
  for (let i = 0; i < length; i++) {
    const byte = body[i] as number;
    if (byte === QUOTE) {
      const close = stringEnd(body, i);
      if (close === -1) break; // truncated: the items so far are whole, the rest is not an item
      if (depth === 1)
        lastKeyIsItems = close + 1 - i === ITEMS.length && body.subarray(i, close + 1).equals(ITEMS);
      i = close;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      depth++;
      if (depth === 2 && byte === OPEN_BRACKET && lastKeyIsItems) {
        inItems = true;
        arrayStart = i;
      } else if (depth === 3 && inItems) itemStart = i;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      if (depth === 3 && inItems) items.push(body.subarray(itemStart, i + 1));
      else if (depth === 2 && inItems) {
        inItems = false;
        arrayEnd = i;
      }
      depth--;
      if (depth === 1) lastKeyIsItems = false;
    }
  }
  const envelope =
    arrayStart >= 0 && arrayEnd > arrayStart
      ? `${body.subarray(0, arrayStart + 1).toString('utf8')}${body.subarray(arrayEnd).toString('utf8')}`
      : body.toString('utf8');
  return { items, envelope };
}

/** Whether a list item carries `kind`/`apiVersion` (custom resources do; built-in types' items do not). */
export function hasTypeMeta(raw: Buffer): boolean {
  const start = raw.subarray(0, 16).toString('latin1');
  return start.startsWith('{"apiVersion":') || start.startsWith('{"kind":');
}

/** The bytes a GET puts before an object's other fields: `{"kind":"K","apiVersion":"V",`. */
export function typeMetaPrefix(apiVersion: string, kind: string): Buffer {
  return Buffer.from(`{"kind":${JSON.stringify(kind)},"apiVersion":${JSON.stringify(apiVersion)},`);
}

/**
 * LIST responses leave out `kind` and `apiVersion` on each item of built-in types; a GET has them first.
 * Returns the object's bytes as parts that, joined, put them back in the same place — so the stored bytes
 * equal what a GET of the object returns — without copying the object (the prefix is shared per type).
 */
export function typeMetaParts(raw: Buffer, hasTypeMeta: boolean, prefix: Buffer): Buffer[] {
  if (hasTypeMeta) return [raw];
  if (isEmptyObject(raw)) return [Buffer.concat([prefix.subarray(0, -1), Buffer.from('}')])];
  return [prefix, raw.subarray(1)];
}

/** Whether `raw` (an object's bytes) is `{}`, perhaps with white space inside; looks at no more than that. */
function isEmptyObject(raw: Buffer): boolean {
  let i = 1;
  while (i < raw.length && isWhiteSpace(raw[i] as number)) i++;
  return raw[i] === CLOSE_BRACE && i === raw.length - 1;
}

const isWhiteSpace = (byte: number) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
