/**
 * Reads a JSON document of the shape `{ ..., "<key>": [e1, e2, ...], ... }` as it streams in: the array's
 * elements come out a chunk at a time, parsed in small batches, and the rest of the document (its header)
 * at the end. A large index is thus never one string nor one `JSON.parse` that stalls the event loop, and
 * a header or an element larger than anything Lifeboat writes is refused as soon as it is seen.
 *
 * Scanning works on bytes: in UTF-8 every byte of a multi-byte character is >= 0x80, so quotes,
 * backslashes, brackets and commas are always themselves. `JSON.parse` then checks the syntax of every
 * piece; the scanner only finds where the pieces end.
 */
import { BackupMetadataError } from './errors.ts';

const quote = 0x22;
const backslash = 0x5c;
const comma = 0x2c;
const openObject = 0x7b;
const closeObject = 0x7d;
const openArray = 0x5b;
const closeArray = 0x5d;

export interface JsonArrayStreamLimits {
  /** Largest header (the document without the array's elements). */
  maxHeaderBytes: number;
  /** Largest single element. */
  maxElementBytes: number;
}

/** Splits one streamed document; `push` each chunk in order, then `end`. */
export class JsonArrayStream {
  private readonly key: Buffer;
  private readonly file: string;
  private readonly limits: JsonArrayStreamLimits;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Bytes of the string being read at depth 1 (a key, or a value), up to the key's length + 1. */
  private stringBytes: number[] = [];
  private lastString = '';
  private state: 'before' | 'inside' | 'after' = 'before';
  private readonly header: Buffer[] = [];
  private headerSize = 0;
  /** Bytes of an element begun in an earlier chunk. */
  private carry: Buffer[] = [];
  private carrySize = 0;
  private elements = 0;
  private pendingComma = false;

  constructor(key: string, file: string, limits: JsonArrayStreamLimits) {
    this.key = Buffer.from(key);
    this.file = file;
    this.limits = limits;
  }

  /** The elements completed by `chunk`, parsed. */
  push(chunk: Buffer): unknown[] {
    const out: unknown[] = [];
    // Start of the part of `chunk` that belongs to the header, or to the array's elements.
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] as number;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (byte === backslash) this.escaped = true;
        else if (byte === quote) {
          this.inString = false;
          if (this.depth === 1) this.lastString = Buffer.from(this.stringBytes).toString('utf8');
        } else if (this.depth === 1 && this.stringBytes.length <= this.key.length)
          this.stringBytes.push(byte);
        continue;
      }
      if (byte === quote) {
        this.inString = true;
        if (this.depth === 1) this.stringBytes = [];
      } else if (byte === openObject || byte === openArray) {
        this.depth++;
        if (byte === openArray && this.depth === 2 && this.lastString === this.key.toString()) {
          if (this.state !== 'before') throw this.malformed(`"${this.key}" appears twice`);
          this.state = 'inside';
          this.addHeader(chunk.subarray(from, i + 1));
          from = i + 1;
        }
      } else if (byte === closeObject || byte === closeArray) {
        this.depth--;
        if (this.depth < 0) throw this.malformed('its brackets do not match');
        if (this.state === 'inside' && this.depth === 1) {
          this.elementsUpTo(chunk.subarray(from, i), out, true);
          this.state = 'after';
          from = i;
        }
      } else if (byte === comma && this.state === 'inside' && this.depth === 2) {
        this.elementsUpTo(chunk.subarray(from, i), out, false);
        from = i + 1;
      }
    }
    const rest = chunk.subarray(from);
    if (this.state === 'inside') this.addCarry(rest);
    else this.addHeader(rest);
    return out;
  }

  /** The header, parsed, with the array empty; throws when the document is incomplete. */
  end(): unknown {
    if (this.depth !== 0 || this.inString || this.state === 'inside')
      throw this.malformed('it ends before it is complete');
    if (this.state === 'before') throw this.malformed(`it has no "${this.key}"`);
    const header = Buffer.concat(this.header, this.headerSize).toString('utf8');
    try {
      return JSON.parse(header);
    } catch (error) {
      throw this.malformed('it is not JSON', error);
    }
  }

  /**
   * The carried bytes and `tail` make one element, ended by a comma or (`last`) by the array's end, where
   * there may be none.
   */
  private elementsUpTo(tail: Buffer, out: unknown[], last: boolean): void {
    let text: string;
    if (this.carrySize === 0) {
      if (tail.length > this.limits.maxElementBytes) this.addCarry(tail);
      text = tail.toString('utf8');
    } else {
      this.addCarry(tail);
      text = Buffer.concat(this.carry, this.carrySize).toString('utf8');
      this.carry = [];
      this.carrySize = 0;
    }
    if (last && !this.pendingComma && text.trim() === '') return;
    try {
      out.push(JSON.parse(text));
    } catch (error) {
      throw this.malformed(`its "${this.key}" entry ${this.elements} is not JSON`, error);
    }
    this.elements++;
    this.pendingComma = !last;
  }

  private addCarry(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.carrySize += bytes.length;
    if (this.carrySize > this.limits.maxElementBytes)
      throw this.malformed(
        `its "${this.key}" entry ${this.elements} is longer than ${this.limits.maxElementBytes} bytes, more than Lifeboat writes`,
      );
    this.carry.push(Buffer.from(bytes));
  }

  private addHeader(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.headerSize += bytes.length;
    if (this.headerSize > this.limits.maxHeaderBytes)
      throw this.malformed(
        `everything but its "${this.key}" is longer than ${this.limits.maxHeaderBytes} bytes, more than Lifeboat writes`,
      );
    this.header.push(Buffer.from(bytes));
  }

  private malformed(reason: string, cause?: unknown): BackupMetadataError {
    return new BackupMetadataError(`${this.file} is malformed: ${reason}`, { file: this.file, cause });
  }
}
