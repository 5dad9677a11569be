/**
 * `file://` locations: a directory. Writes go to a temporary file renamed into place, so a reader never sees
 * half an object, as with a real object store.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LocationError, ObjectNotFoundError } from './errors.ts';
import type { ObjectInfo, ObjectStore } from './object-store.ts';

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
    if (key.split('/').some((part) => part === '..' || part === '')) {
      throw new LocationError(`invalid object key "${key}"`);
    }
    return join(this.root, ...key.split('/'));
  }

  async put(key: string, body: Buffer | Readable): Promise<void> {
    const target = this.path(key);
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
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<Readable> {
    const path = this.path(key);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new ObjectNotFoundError(key, this.description);
    return createReadStream(path);
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
      .filter((entry) => entry.isFile() && !entry.name.includes('.partial-'))
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

  async close(): Promise<void> {}
}
