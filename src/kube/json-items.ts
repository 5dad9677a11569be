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
const COLON = 0x3a;
const COMMA = 0x2c;
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
  const { bounds, envelope } = splitListBounds(body);
  const items: Buffer[] = [];
  for (let i = 0; i < bounds.length; i += 2) items.push(body.subarray(bounds[i], bounds[i + 1]));
  return { items, envelope };
}

/**
 * `splitList` as offsets into `body`: item n is `body.subarray(bounds[2n], bounds[2n + 1])`. A page's items
 * then cost no object each until they are looked at (a Buffer view is one of the larger objects V8 makes).
 */
export function splitListBounds(body: Buffer): { bounds: number[]; envelope: string } {
  const bounds: number[] = [];
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
      if (depth === 3 && inItems) bounds.push(itemStart, i + 1);
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
  return { bounds, envelope };
}

/** Whether a list item carries `kind`/`apiVersion` (custom resources do; built-in types' items do not). */
export function hasTypeMeta(raw: Buffer): boolean {
  // Compared byte by byte: a view and a string per listed object cost more than the comparison.
  return bytesAre(raw, 0, '{"apiVersion":') || bytesAre(raw, 0, '{"kind":');
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

/** The first index at or after `i` that is not JSON white space. */
function skipWhiteSpace(raw: Buffer, i: number): number {
  while (i < raw.length && isWhiteSpace(raw[i] as number)) i++;
  return i;
}

/** Where the JSON value starting at `start` ends (its last byte); -1 when it does not. */
function valueEnd(raw: Buffer, start: number): number {
  const first = raw[start];
  if (first === QUOTE) return stringEnd(raw, start);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    for (let i = start; i < raw.length; i++) {
      const byte = raw[i] as number;
      if (byte === QUOTE) {
        const close = stringEnd(raw, i);
        if (close === -1) return -1;
        i = close;
      } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return i;
      }
    }
    return -1;
  }
  // A number, true, false or null: up to the next comma or closing brace, white space trimmed.
  let end = start;
  while (end < raw.length && raw[end] !== COMMA && raw[end] !== CLOSE_BRACE) end++;
  end--;
  while (end > start && isWhiteSpace(raw[end] as number)) end--;
  return end < start ? -1 : end;
}

/** Whether the bytes from `at` are `word`'s (ASCII) characters. */
function bytesAre(raw: Buffer, at: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) if (raw[at + i] !== word.charCodeAt(i)) return false;
  return true;
}

/** The metadata fields `listedMetadata` reads. */
export interface ListedMetadata {
  name: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  deletionTimestamp?: string;
}

type MetadataField = keyof ListedMetadata;

/** Which field a key (its bytes between the quotes) is, when it is one `listedMetadata` reads. */
function metadataField(raw: Buffer, start: number, length: number): MetadataField | undefined {
  switch (length) {
    case 3:
      return bytesAre(raw, start, 'uid') ? 'uid' : undefined;
    case 4:
      return bytesAre(raw, start, 'name') ? 'name' : undefined;
    case 6:
      return bytesAre(raw, start, 'labels') ? 'labels' : undefined;
    case 9:
      return bytesAre(raw, start, 'namespace') ? 'namespace' : undefined;
    case 17:
      return bytesAre(raw, start, 'deletionTimestamp') ? 'deletionTimestamp' : undefined;
    default:
      return undefined;
  }
}

/**
 * Reads the wanted fields of the object opening at `open` (the metadata) into `into`; false when the
 * bytes are not laid out as expected.
 */
function readMetadata(raw: Buffer, open: number, into: Record<string, unknown>): boolean {
  let i = skipWhiteSpace(raw, open + 1);
  if (raw[i] === CLOSE_BRACE) return true;
  for (;;) {
    if (raw[i] !== QUOTE) return false;
    const keyEnd = stringEnd(raw, i);
    if (keyEnd === -1) return false;
    for (let k = i + 1; k < keyEnd; k++) if (raw[k] === BACKSLASH) return false;
    const field = metadataField(raw, i + 1, keyEnd - i - 1);
    const colon = skipWhiteSpace(raw, keyEnd + 1);
    if (raw[colon] !== COLON) return false;
    const start = skipWhiteSpace(raw, colon + 1);
    const end = valueEnd(raw, start);
    if (end === -1) return false;
    if (field !== undefined) {
      // A string without escapes is its bytes; anything else goes through JSON.parse.
      let plain = raw[start] === QUOTE && field !== 'labels';
      for (let k = start + 1; plain && k < end; k++) if (raw[k] === BACKSLASH) plain = false;
      into[field] = plain
        ? raw.toString('utf8', start + 1, end)
        : JSON.parse(raw.toString('utf8', start, end + 1));
    }
    i = skipWhiteSpace(raw, end + 1);
    if (raw[i] === CLOSE_BRACE) return true;
    if (raw[i] !== COMMA) return false;
    i = skipWhiteSpace(raw, i + 1);
  }
}

/**
 * Name, namespace, uid, labels and deletionTimestamp of an object's metadata, read from its bytes: only
 * those values are decoded, everything else (data, spec, status, managed fields, annotations) is jumped
 * over. Parsing each listed object whole for them was the largest step of a backup's per-object work.
 * The first top-level `metadata` member is read (the API server, Go's encoding/json, writes each member
 * once). Falls back to parsing the object whole when the bytes are not laid out as the API server writes
 * them (an escape in a key included); throws `SyntaxError` as `JSON.parse` does for bytes that are not JSON.
 * What it jumps over is bracketed and quoted, not validated: the bytes are the API server's, sliced whole
 * by `splitList`, and stored as they came.
 */
export function listedMetadata(raw: Buffer): ListedMetadata {
  let i = skipWhiteSpace(raw, 0);
  if (raw[i] === OPEN_BRACE) {
    i = skipWhiteSpace(raw, i + 1);
    while (raw[i] === QUOTE) {
      const keyEnd = stringEnd(raw, i);
      if (keyEnd === -1) break;
      const colon = skipWhiteSpace(raw, keyEnd + 1);
      if (raw[colon] !== COLON) break;
      const start = skipWhiteSpace(raw, colon + 1);
      if (keyEnd - i - 1 === 8 && bytesAre(raw, i + 1, 'metadata')) {
        const fields: Record<string, unknown> = {};
        if (raw[start] === OPEN_BRACE && readMetadata(raw, start, fields) && typeof fields.name === 'string')
          return fields as unknown as ListedMetadata;
        break;
      }
      const end = valueEnd(raw, start);
      if (end === -1) break;
      i = skipWhiteSpace(raw, end + 1);
      if (raw[i] !== COMMA) break;
      i = skipWhiteSpace(raw, i + 1);
    }
  }
  const whole = JSON.parse(raw.toString('utf8')) as { metadata?: ListedMetadata };
  return whole.metadata ?? ({} as ListedMetadata);
}
