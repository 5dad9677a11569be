/**
 * `file://` locations: a directory. Writes go to a temporary file (`<key>.partial-<random>`, never listed)
 * renamed into place, so a reader never sees half an object, as with a real object store; a conditional
 * create links the temporary file instead, which fails when the name is taken. A process killed mid-write
 * leaves its temporary file behind: deleting the last objects of a folder removes those too.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, readdir, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LocationError, ObjectExistsError, ObjectNotFoundError } from './errors.ts';
import {
  type ByteRange,
  checkByteRange,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
} from './object-store.ts';

/** The name of a temporary file of a write in progress (or of one killed mid-way): `<key>.partial-<12 hex>`. */
const partialName = /\.partial-[0-9a-f]{12}$/;

export class FileObjectStore implements ObjectStore {
  readonly description: string;
  private readonly root: string;

  constructor(root: string) {
    if (!root.startsWith('/'))
      throw new LocationError(`a file location needs an absolute path, got "${root}"`);
    this.root = root;
    this.description = `file://${root}`;
  }

  private path(key: string): string {
    if (
      key.split('/').some((part) => part === '..' || part === '.' || part === '') ||
      partialName.test(key)
    ) {
      throw new LocationError(`invalid object key "${key}"`);
    }
    return join(this.root, ...key.split('/'));
  }

  async put(key: string, body: Buffer | Readable, options: PutOptions = {}): Promise<void> {
    const target = this.path(key);
    // A streamed body may fail while the folder is made (its producer gave up): without a listener that
    // error would crash the process; `pipeline` below still sees it and rejects.
    if (!Buffer.isBuffer(body)) body.on('error', () => {});
    await mkdir(dirname(target), { recursive: true });
    const temp = `${target}.partial-${randomBytes(6).toString('hex')}`;
    try {
      const out = createWriteStream(temp);
      if (Buffer.isBuffer(body)) {
        await new Promise<void>((resolve, reject) => {
          out.on('error', reject);
          out.end(body, resolve);
        });
      } else {
        await pipeline(body, out);
      }
      if (!options.ifAbsent) {
        await rename(temp, target);
        return;
      }
      // link(2) creates the name only if it is free, atomically: of two writers exactly one succeeds.
      try {
        await link(temp, target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST')
          throw new ObjectExistsError(key, this.description, { cause: error });
        throw error;
      }
      await unlink(temp);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<Readable> {
    return createReadStream(await this.existing(key));
  }

  async getRange(key: string, range: ByteRange): Promise<Readable> {
    checkByteRange(range);
    // Reading stops at the end of the file: a range past it gives fewer bytes, or none.
    return createReadStream(await this.existing(key), {
      start: range.offset,
      end: range.offset + range.length - 1,
    });
  }

  /** The path of an existing object: `ObjectNotFoundError` when there is none. */
  private async existing(key: string): Promise<string> {
    const path = this.path(key);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new ObjectNotFoundError(key, this.description);
    return path;
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const info = await stat(this.path(key)).catch(() => undefined);
    return info?.isFile() ? { key, size: info.size, lastModified: info.mtime } : undefined;
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const start = base ? join(this.root, ...base.split('/')) : this.root;
    const entries = await readdir(start, { recursive: true, withFileTypes: true }).catch(() => []);
    const keys = entries
      .filter((entry) => entry.isFile() && !partialName.test(entry.name))
      .map((entry) => relative(this.root, join(entry.parentPath, entry.name)).split(sep).join('/'))
      .filter((key) => key.startsWith(prefix))
      .sort();
    for (const key of keys) {
      const info = await this.head(key);
      if (info) yield info;
    }
  }

  async listPrefixes(prefix: string): Promise<string[]> {
    const dir = prefix.replace(/\/+$/, '');
    const entries = await readdir(dir ? join(this.root, ...dir.split('/')) : this.root, {
      withFileTypes: true,
    }).catch(() => []);
    return entries
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
  }

  async delete(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((key) => rm(this.path(key), { force: true })));
    // Remove directories left empty, as an object store has no empty folders.
    const dirs = new Set(keys.map((key) => dirname(this.path(key))));
    for (const dir of [...dirs].sort((a, b) => b.length - a.length)) {
      await this.removeOrphanedPartials(dir);
      let current = dir;
      while (current.startsWith(this.root) && current !== this.root) {
        try {
          await rmdir(current);
        } catch {
          break;
        }
        current = dirname(current);
      }
    }
  }

  /**
   * Once a folder holds no object any more (its backup was deleted), the temporary files of writes killed
   * mid-way in it go too: they are invisible to `list` and would otherwise stay forever, like an
   * incomplete multipart upload without a lifecycle rule. A folder that still holds an object is left as
   * it is, so a write in progress beside other objects is not disturbed.
   */
  private async removeOrphanedPartials(dir: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    if (entries.length === 0) return;
    if (!entries.every((entry) => entry.isFile() && partialName.test(entry.name))) return;
    await Promise.all(entries.map((entry) => rm(join(dir, entry.name), { force: true })));
  }

  async close(): Promise<void> {}
}
