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
const ITEMS = Buffer.from('"items"');

/**
 * The raw items of a list, and the list without them (`"items":[]`): the envelope can then be parsed
 * without parsing every object at once.
 */
export function splitList(body: Buffer): { items: Buffer[]; envelope: string } {
  const items: Buffer[] = [];
  let arrayStart = -1;
  let arrayEnd = -1;
  let depth = 0;
  let inString = false;
  let stringStart = -1;
  let lastKeyIsItems = false;
  let inItems = false;
  let itemStart = -1;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i] as number;
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) {
        inString = false;
        if (depth === 1)
          lastKeyIsItems =
            i + 1 - stringStart === ITEMS.length && body.subarray(stringStart, i + 1).equals(ITEMS);
      }
      continue;
    }
    switch (byte) {
      case QUOTE:
        inString = true;
        stringStart = i;
        break;
      case COLON:
        break;
      case OPEN_BRACE:
      case OPEN_BRACKET:
        depth++;
        if (depth === 2 && byte === OPEN_BRACKET && lastKeyIsItems) {
          inItems = true;
          arrayStart = i;
        } else if (depth === 3 && inItems) itemStart = i;
        break;
      case CLOSE_BRACE:
      case CLOSE_BRACKET:
        if (depth === 3 && inItems) items.push(body.subarray(itemStart, i + 1));
        else if (depth === 2 && inItems) {
          inItems = false;
          arrayEnd = i;
        }
        depth--;
        if (depth === 1) lastKeyIsItems = false;
        break;
      default:
        break;
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
  const isEmpty = raw.subarray(1).toString().trim() === '}';
  if (isEmpty) return [Buffer.concat([prefix.subarray(0, -1), Buffer.from('}')])];
  return [prefix, raw.subarray(1)];
}
