/**
 * Tar headers for the tarball writer, written by hand into the writer's chunks: the same bytes tar-stream
 * 3 writes for a regular file (ustar; a name over 100 bytes split at a '/' into prefix and name; a pax
 * `path` record when it cannot be split or is not ASCII), so tarballs read as before by Velero (Go's
 * archive/tar) and by Lifeboat's reader. Every header of one tarball shares mode, owner and mtime, so those
 * fields and their share of the checksum are laid out once; per entry only the name, the size and the
 * checksum are written. tar-stream's own encoder cost about a quarter of the backup's per-object CPU.
 */

/** A tar block: headers take one, data is padded to a whole number of them. */
export const blockSize = 512;

const nameOffset = 0;
const nameLength = 100;
const sizeOffset = 124;
const checksumOffset = 148;
const typeOffset = 156;
const prefixOffset = 345;
const prefixLength = 155;
/** Octal digits in the 12-byte size field; larger sizes are written base-256, as tar-stream does. */
const sizeDigits = 11;
const zeros = '00000000000';
const space = 0x20;
const zero = 0x30;
const fileType = zero; // '0': regular file
const paxType = 0x78; // 'x': pax extended header for the next entry

/** Octal text of `value` in `digits` digits and a space, or sevens when it does not fit (tar-stream's rule). */
function octal(value: number, digits: number): string {
  const text = value.toString(8);
  if (text.length > digits) return `${'7'.repeat(digits)} `;
  return `${zeros.slice(0, digits - text.length)}${text} `;
}

/** The largest size written in octal digits; larger ones are base-256. */
const maxOctalSize = 8 ** sizeDigits - 1;

/**
 * Writes `value` (a whole number below 8^digits) as `digits` octal digits, zero-padded, at `offset`;
 * returns the sum of the bytes written (for the checksum).
 */
function writeOctalDigits(target: Buffer, offset: number, value: number, digits: number): number {
  let sum = 0;
  let rest = value;
  for (let i = digits - 1; i >= 0; i--) {
    const digit = zero + (rest % 8);
    target[offset + i] = digit;
    sum += digit;
    rest = Math.floor(rest / 8);
  }
  return sum;
}

function sumOf(bytes: Buffer, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += bytes[i] as number;
  return sum;
}

/** Bytes of a pax record `"<length> <key>=<value>\n"`, the length counting itself (tar-stream's addLength). */
function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  const length = Buffer.byteLength(body);
  let digits = Math.floor(Math.log(length) / Math.log(10)) + 1;
  if (length + digits >= 10 ** digits) digits++;
  return Buffer.from(`${length + digits}${body}`);
}

/** Where a name goes in a ustar header: split at a '/' when over 100 bytes; undefined when it cannot be. */
export function ustarName(name: string): { name: string; prefix: string } | undefined {
  // Only ASCII goes into ustar fields (tar-stream's rule: any other name gets a pax record).
  if (Buffer.byteLength(name) !== name.length) return undefined;
  let rest = name;
  let prefix = '';
  while (rest.length > nameLength) {
    const slash = rest.indexOf('/');
    if (slash === -1) return undefined;
    prefix += prefix ? `/${rest.slice(0, slash)}` : rest.slice(0, slash);
    rest = rest.slice(slash + 1);
  }
  if (prefix.length > prefixLength) return undefined;
  return { name: rest, prefix };
}

/** The headers of one tarball's regular files: all of one mode and mtime, owned by uid 0 and gid 0. */
export class TarHeaders {
  private readonly template = Buffer.alloc(blockSize);
  /** The template's checksum with the name, prefix and size fields still empty. */
  private readonly baseSum: number;

  constructor(options: { mtime: Date; mode: number }) {
    const t = this.template;
    t.write(octal(options.mode & 0o7777, 6), 100, 'latin1');
    t.write(octal(0, 6), 108, 'latin1'); // uid
    t.write(octal(0, 6), 116, 'latin1'); // gid
    t.write(octal((options.mtime.getTime() / 1000) | 0, 11), 136, 'latin1');
    t[typeOffset] = fileType;
    t.write('ustar\u000000', 257, 'latin1'); // magic "ustar\0", version "00"
    t.write(octal(0, 6), 329, 'latin1'); // devmajor
    t.write(octal(0, 6), 337, 'latin1'); // devminor
    t.fill(space, checksumOffset, checksumOffset + 8); // counted as spaces while summing
    this.baseSum = sumOf(t, 0, blockSize);
    t.fill(0, checksumOffset, checksumOffset + 8);
  }

  /**
   * Writes the header of a file of `size` bytes named `name` (an ASCII name that `ustarName` placed) at
   * `offset` of `target`, which has a block free there; `type` is the entry type byte (a regular file by default).
   */
  writeUstar(
    target: Buffer,
    offset: number,
    placed: { name: string; prefix: string },
    size: number,
    type: number = fileType,
  ): void {
    target.set(this.template, offset);
    let sum = this.baseSum;
    if (type !== fileType) {
      target[offset + typeOffset] = type;
      sum += type - fileType;
    }
    target.write(placed.name, offset + nameOffset, nameLength, 'latin1');
    sum += sumOf(target, offset + nameOffset, offset + nameOffset + placed.name.length);
    if (placed.prefix) {
      target.write(placed.prefix, offset + prefixOffset, prefixLength, 'latin1');
      sum += sumOf(target, offset + prefixOffset, offset + prefixOffset + placed.prefix.length);
    }
    sum += this.writeSize(target, offset + sizeOffset, size);
    // Six octal digits and a space (a checksum is at most 512 * 255, under 8^6); the NUL after is the template's.
    writeOctalDigits(target, offset + checksumOffset, sum, 6);
    target[offset + checksumOffset + 6] = space;
  }

  /**
   * The headers of a file whose name ustar cannot hold: a pax header entry named `PaxHeader` carrying the
   * path, then the file's own header (also named `PaxHeader`, as tar-stream writes it; readers take the
   * pax path). A whole number of blocks.
   */
  paxHeaders(name: string, size: number): Buffer {
    const record = paxRecord('path', name);
    const padded = Math.ceil(record.length / blockSize) * blockSize;
    const out = Buffer.alloc(blockSize + padded + blockSize);
    const placed = { name: 'PaxHeader', prefix: '' };
    this.writeUstar(out, 0, placed, record.length, paxType);
    record.copy(out, blockSize);
    this.writeUstar(out, blockSize + padded, placed, size);
    return out;
  }

  /** Writes the size field; returns the sum of its bytes. */
  private writeSize(target: Buffer, offset: number, size: number): number {
    if (size > maxOctalSize) {
      // Base-256: a 0x80 marker, then the size big-endian in the field's other 11 bytes.
      target[offset] = 0x80;
      let rest = size;
      for (let i = 11; i > 0; i--) {
        target[offset + i] = rest & 0xff;
        rest = Math.floor(rest / 0x100);
      }
      return sumOf(target, offset, offset + 12);
    }
    // Written digit by digit, as `octal` would lay them out, without making a string per entry.
    const sum = writeOctalDigits(target, offset, size, sizeDigits);
    target[offset + sizeDigits] = space;
    return sum + space;
  }
}
