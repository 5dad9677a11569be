/**
 * Builders for the repository's tests (here and under test/volumes): a directory with files of many kinds,
 * and a comparison of two directories by content, type, mode, owner, mtime, link target and hard links.
 * Not part of the repository's public face.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  chmod,
  chown,
  link,
  lstat,
  lutimes,
  mkdir,
  readdir,
  readlink,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

/** What `buildTree` makes. */
export interface TreeSpec {
  /** Bytes of the large random file (default 20 MiB). */
  bigBytes?: number;
  /** How many small files (default 300). */
  smallFiles?: number;
  /** A string written into several files, to look for in the bucket. */
  marker?: string;
}

const MiB = 1024 * 1024;

/** Writes `bytes` random bytes to `path`, a MiB at a time. */
export async function writeRandomFile(path: string, bytes: number): Promise<void> {
  const { open } = await import('node:fs/promises');
  const file = await open(path, 'w');
  try {
    for (let done = 0; done < bytes; done += MiB) await file.write(randomBytes(Math.min(MiB, bytes - done)));
  } finally {
    await file.close();
  }
}

/**
 * A directory of many kinds of entries: a large random file, many small files (some with equal contents),
 * nested directories, a symlink, two hard links of one file, modes 0600/0755/4755, an empty directory, an
 * empty file, a name that is not UTF-8, a file owned by uid 1234 (when root), and set mtimes.
 */
export async function buildTree(dir: string, spec: TreeSpec = {}): Promise<void> {
  const marker = spec.marker ?? 'LIFEBOAT-PLAINTEXT-MARKER';
  await mkdir(join(dir, 'nested/a/b/c'), { recursive: true });
  await mkdir(join(dir, 'small'), { recursive: true });
  await mkdir(join(dir, 'empty-dir'));
  await writeRandomFile(join(dir, 'big.bin'), spec.bigBytes ?? 20 * MiB);
  for (let i = 0; i < (spec.smallFiles ?? 300); i++) {
    const body =
      i % 10 === 0
        ? `same contents ${marker}\n`
        : `file ${i} ${marker} ${randomBytes(16).toString('hex')}\n`.repeat(1 + (i % 50));
    await writeFile(join(dir, 'small', `f${String(i).padStart(4, '0')}.txt`), body);
  }
  await writeFile(join(dir, 'nested/a/b/c/deep.txt'), `deep ${marker}\n`);
  await symlink('nested/a/b/c/deep.txt', join(dir, 'link-to-deep'));
  await symlink('/nowhere/dangling', join(dir, 'dangling-link'));
  await writeFile(join(dir, 'hard-1.txt'), `linked ${marker}\n`.repeat(100));
  await link(join(dir, 'hard-1.txt'), join(dir, 'nested/hard-2.txt'));
  await writeFile(join(dir, 'private.txt'), `private ${marker}\n`, { mode: 0o600 });
  await chmod(join(dir, 'private.txt'), 0o600);
  await writeFile(join(dir, 'script.sh'), '#!/bin/sh\necho hi\n');
  await chmod(join(dir, 'script.sh'), 0o755);
  await writeFile(join(dir, 'setuid'), 'x');
  await writeFile(join(dir, 'empty.txt'), '');
  await writeFile(
    Buffer.concat([Buffer.from(`${dir}/latin1-`), Buffer.from([0xe9, 0xff]), Buffer.from('.txt')]),
    'not utf-8 name',
  );
  if (process.getuid?.() === 0) {
    await chown(join(dir, 'private.txt'), 1234, 2345);
    await chown(join(dir, 'nested/a'), 1234, 1234);
  }
  await chmod(join(dir, 'setuid'), 0o4755);
  await chmod(join(dir, 'nested/a/b'), 0o750);
  const past = new Date('2021-03-04T05:06:07.123Z');
  await utimes(join(dir, 'script.sh'), past, past);
  await lutimes(join(dir, 'link-to-deep'), past, past);
  for (const sub of ['nested/a/b/c', 'nested/a/b', 'empty-dir', 'small'])
    await utimes(join(dir, sub), past, past);
}

/** SHA-256 of a file, streamed. */
export async function fileHash(path: string | Buffer): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** One entry of a directory, as compared. */
interface Entry {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeUs: bigint;
  content?: string;
  target?: string;
  inode: bigint;
}

async function describe(root: Buffer): Promise<Map<string, Entry>> {
  const entries = new Map<string, Entry>();
  const walk = async (dir: Buffer, rel: string) => {
    for (const name of (await readdir(dir, { encoding: 'buffer' })).sort(Buffer.compare)) {
      const path = Buffer.concat([dir, Buffer.from('/'), name]);
      const key = `${rel}/${name.toString('base64')}`;
      const st = await lstat(path, { bigint: true });
      const entry: Entry = {
        type: st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'other',
        mode: Number(st.mode & 0o7777n),
        uid: Number(st.uid),
        gid: Number(st.gid),
        size: st.isFile() ? Number(st.size) : 0,
        mtimeUs: st.mtimeNs / 1000n,
        inode: st.ino,
      };
      if (st.isFile()) entry.content = await fileHash(path);
      if (st.isSymbolicLink())
        entry.target = (await readlink(path, { encoding: 'buffer' })).toString('base64');
      entries.set(key, entry);
      if (st.isDirectory()) await walk(path, key);
    }
  };
  await walk(root, '');
  return entries;
}

/**
 * Differences between two directories (empty when equal): entries, types, modes, owners, sizes, contents,
 * mtimes to the microsecond (symlinks' included), link targets, and which files are hard links of which.
 */
export async function compareTrees(expected: string, actual: string): Promise<string[]> {
  const a = await describe(Buffer.from(expected));
  const b = await describe(Buffer.from(actual));
  const problems: string[] = [];
  const show = (key: string) =>
    key
      .split('/')
      .map((part) => Buffer.from(part, 'base64').toString('utf8'))
      .join('/');
  for (const [key, want] of a) {
    const got = b.get(key);
    if (!got) {
      problems.push(`${show(key)}: missing`);
      continue;
    }
    for (const field of ['type', 'mode', 'uid', 'gid', 'size', 'content', 'target', 'mtimeUs'] as const) {
      if (want[field] !== got[field])
        problems.push(`${show(key)}: ${field} ${String(want[field])} != ${String(got[field])}`);
    }
  }
  for (const key of b.keys()) if (!a.has(key)) problems.push(`${show(key)}: not expected`);
  // Hard links: entries sharing an inode in one tree share one in the other.
  const groups = (tree: Map<string, Entry>) => {
    const byInode = new Map<bigint, string[]>();
    for (const [key, entry] of tree)
      if (entry.type === 'file') byInode.set(entry.inode, [...(byInode.get(entry.inode) ?? []), key]);
    return new Set(
      [...byInode.values()].filter((keys) => keys.length > 1).map((keys) => keys.sort().join('|')),
    );
  };
  const linksA = groups(a);
  const linksB = groups(b);
  for (const group of linksA)
    if (!linksB.has(group)) problems.push(`hard links ${show(group)} not restored as one file`);
  for (const group of linksB) if (!linksA.has(group)) problems.push(`hard links ${show(group)} not expected`);
  return problems;
}
