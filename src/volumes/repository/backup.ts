/**
 * Backing up a directory into the repository: walk it depth first, chunk each file, store new chunks and one
 * tree per directory, then — once every pack and its index are stored — write the snapshot manifest last.
 * With a parent snapshot, a file whose size, mtime, ctime and inode are unchanged is not read again: its
 * chunk list is taken from the parent. Entries that cannot be read are skipped and listed, never fatal;
 * failing to store is fatal and leaves no manifest.
 */
import type { BigIntStats } from 'node:fs';
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { loadIndex } from './blob-index.ts';
import { freeBuffer } from './buffers.ts';
import { Chunker } from './chunker.ts';
import type { SnapshotManifest, SnapshotStats, TreeNode } from './format.ts';
import { acquireLock, type LockOptions } from './locks.ts';
import { type Repository, repoKeys } from './repository.ts';
import { encodeTree, linkFields, nameFields, nodeName, TreeLoader } from './tree.ts';
import { Uploader, type UploaderOptions } from './uploader.ts';

/** Options of a backup. */
export interface BackupOptions {
  /** Labels of the snapshot; Lifeboat sets `cluster`, `namespace`, `pvc` and `backup`. */
  tags?: Record<string, string>;
  /** The previous snapshot of the same volume (id or unique prefix): unchanged files are not read again. */
  parent?: string;
  signal?: AbortSignal;
  /** Called after each directory, and every half second within large files, with running totals. */
  onProgress?: (progress: BackupProgress) => void;
  lock?: LockOptions;
  uploader?: UploaderOptions;
  /** Chunks hashed, compressed and sealed at once (default 4). */
  concurrency?: number;
}

/** Running totals of a backup. */
export interface BackupProgress {
  files: number;
  dirs: number;
  bytesRead: number;
  logicalBytes: number;
  newBytes: number;
}

/** A finished backup. */
export interface BackupResult {
  snapshotId: string;
  manifest: SnapshotManifest;
}

const slash = Buffer.from('/');
/** Small files (below the chunker's minimum: one chunk) read at once within a directory. */
const smallFilesAtOnce = 8;
const maxSkippedListed = 1000;

/**
 * Backs up directory `root` into the repository under a shared lock, and returns the new snapshot. Throws
 * when the directory cannot be read at all or when storing fails (then no snapshot is written).
 */
export async function backupDirectory(
  repo: Repository,
  root: string,
  options: BackupOptions = {},
): Promise<BackupResult> {
  const started = Date.now();
  const rootStat = await lstat(root, { bigint: true });
  if (!rootStat.isDirectory()) throw new RangeError(`${root} is not a directory`);
  const lock = await acquireLock(repo, false, options.lock);
  let walker: Walker | undefined;
  try {
    const { index } = await loadIndex(repo);
    const parentId = options.parent ? await repo.resolveSnapshotId(options.parent) : undefined;
    const parentTree = parentId ? (await repo.loadSnapshot(parentId)).tree : undefined;
    walker = new Walker(
      repo,
      new Uploader(repo, index, options.uploader),
      new TreeLoader(repo, index),
      options,
    );
    const tree = await walker.saveDir(Buffer.from(root), '', parentTree);
    await walker.uploader.flush();
    walker.stats.newBlobs = walker.uploader.stats.newBlobs;
    walker.stats.newBytes = walker.uploader.stats.newBytes;
    walker.stats.durationMs = Date.now() - started;
    const manifest: SnapshotManifest = {
      version: 1,
      time: new Date(started).toISOString(),
      tree,
      ...(parentId ? { parent: parentId } : {}),
      root: {
        mode: Number(rootStat.mode & 0o7777n),
        uid: Number(rootStat.uid),
        gid: Number(rootStat.gid),
        mtimeNs: String(rootStat.mtimeNs),
      },
      hostname: repo.hostname,
      tags: { ...options.tags },
      stats: walker.stats,
      skipped: walker.skipped,
    };
    // Last: only now does anything refer to the packs and indexes above.
    lock.assertHeld();
    const { id } = await repo.writeFile(repoKeys.snapshot, manifest);
    return { snapshotId: id, manifest };
  } finally {
    await walker?.uploader.settle();
    await lock.release();
  }
}

/** A counting semaphore bounding the chunks in flight (and so memory). */
class Slots {
  private free: number;
  private readonly waiters: (() => void)[] = [];
  constructor(count: number) {
    this.free = count;
  }
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.free++;
  }
}

/** A node whose content chunks may still be on their way. */
interface PendingNode {
  node: TreeNode;
  content?: Promise<string[]>;
}

class Walker {
  readonly uploader: Uploader;
  readonly stats: SnapshotStats = {
    files: 0,
    dirs: 0,
    symlinks: 0,
    logicalBytes: 0,
    readBytes: 0,
    reusedFiles: 0,
    newBlobs: 0,
    newBytes: 0,
    durationMs: 0,
  };
  readonly skipped: { path: string; reason: string }[] = [];
  private readonly trees: TreeLoader;
  private readonly chunker: Chunker;
  private readonly slots: Slots;
  /** Files below this size are one chunk, read whole without the chunker's shared buffers. */
  private readonly smallFile: bigint;
  private readonly options: BackupOptions;
  /** Files with several links, by device and inode: read once. */
  private readonly hardlinks = new Map<string, { size: number; content: Promise<string[]> }>();

  constructor(repo: Repository, uploader: Uploader, trees: TreeLoader, options: BackupOptions) {
    this.uploader = uploader;
    this.trees = trees;
    this.options = options;
    this.chunker = new Chunker(repo.crypto.master.chunkerSeed, repo.config.chunker);
    this.slots = new Slots(options.concurrency ?? 4);
    this.smallFile = BigInt(repo.config.chunker.min);
  }

  private skip(path: string, error: unknown): void {
    if (this.skipped.length >= maxSkippedListed) return;
    const reason =
      error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error);
    this.skipped.push({ path: path || '.', reason });
  }

  private lastProgress = 0;

  private progress(): void {
    this.lastProgress = Date.now();
    this.options.onProgress?.({
      files: this.stats.files,
      dirs: this.stats.dirs,
      bytesRead: this.stats.readBytes,
      logicalBytes: this.stats.logicalBytes,
      newBytes: this.uploader.stats.newBytes,
    });
  }

  /** Stores a directory's entries and its tree; returns the tree's id. */
  async saveDir(path: Buffer, rel: string, parentTree: string | undefined): Promise<string> {
    const names = (await readdir(path, { encoding: 'buffer' })).sort(Buffer.compare);
    const previous = new Map<string, TreeNode>();
    if (parentTree) {
      // A parent listing that cannot be read only costs reading this directory's files again.
      const parent = await this.trees.load(parentTree).catch(() => undefined);
      for (const node of parent?.nodes ?? []) previous.set(nodeName(node).toString('latin1'), node);
    }
    const pending: (PendingNode | undefined)[] = [];
    // Small files are read several at once (each is a few calls to the thread pool: one after the other,
    // 2,000 of them cost seconds); directories and larger files one at a time, through the one chunker.
    const reading = new Set<Promise<void>>();
    let failure: unknown;
    for (const [i, name] of names.entries()) {
      this.options.signal?.throwIfAborted();
      if (failure) break;
      const child = Buffer.concat([path, slash, name]);
      const childRel = rel ? `${rel}/${name.toString('utf8')}` : name.toString('utf8');
      const before = previous.get(name.toString('latin1'));
      const save = async (st: BigIntStats) => {
        try {
          pending[i] = await this.saveEntry(child, childRel, name, before, st);
        } catch (error) {
          if (!isReadError(error)) throw error;
          this.skip(childRel, error);
        }
      };
      let st: BigIntStats;
      try {
        st = await lstat(child, { bigint: true });
      } catch (error) {
        if (!isReadError(error)) throw error;
        this.skip(childRel, error);
        continue;
      }
      if (st.isFile() && st.nlink === 1n && st.size < this.smallFile) {
        while (reading.size >= smallFilesAtOnce) await Promise.race(reading);
        const read = save(st)
          .catch((error: unknown) => {
            failure ??= error;
          })
          .finally(() => reading.delete(read));
        reading.add(read);
      } else {
        await save(st);
      }
    }
    await Promise.all(reading);
    if (failure) throw failure;
    const nodes: TreeNode[] = [];
    for (const entry of pending) {
      if (!entry) continue;
      if (entry.content !== undefined) entry.node.content = await entry.content;
      nodes.push(entry.node);
    }
    this.stats.dirs++;
    this.progress();
    return this.uploader.save('tree', encodeTree(nodes));
  }

  private async saveEntry(
    path: Buffer,
    rel: string,
    name: Buffer,
    before: TreeNode | undefined,
    st: BigIntStats,
  ): Promise<PendingNode | undefined> {
    const base = (type: TreeNode['type'], size: number): TreeNode => ({
      ...nameFields(name),
      type,
      mode: Number(st.mode & 0o7777n),
      uid: Number(st.uid),
      gid: Number(st.gid),
      mtimeNs: String(st.mtimeNs),
      ctimeNs: String(st.ctimeNs),
      inode: String(st.ino),
      size,
    });
    if (st.isDirectory()) {
      const subtree = await this.saveDir(path, rel, before?.type === 'dir' ? before.subtree : undefined);
      return { node: { ...base('dir', 0), subtree } };
    }
    if (st.isSymbolicLink()) {
      const target = await readlink(path, { encoding: 'buffer' });
      this.stats.symlinks++;
      return { node: { ...base('symlink', 0), ...linkFields(target) } };
    }
    if (!st.isFile()) {
      this.skip(rel, new Error('not a regular file, directory or symlink (socket, device or FIFO)'));
      return undefined;
    }
    return this.saveFile(path, st, base, before);
  }

  private async saveFile(
    path: Buffer,
    st: BigIntStats,
    base: (type: TreeNode['type'], size: number) => TreeNode,
    before: TreeNode | undefined,
  ): Promise<PendingNode> {
    const links = Number(st.nlink);
    const extra = links > 1 ? { links, device: String(st.dev) } : {};
    const linkKey = links > 1 ? `${st.dev}:${st.ino}` : undefined;
    const seen = linkKey ? this.hardlinks.get(linkKey) : undefined;
    this.stats.files++;
    if (seen) return { node: { ...base('file', seen.size), ...extra }, content: seen.content };
    const size = Number(st.size);
    const node = base('file', size);
    let result: { size: number; content: Promise<string[]> };
    if (
      before?.type === 'file' &&
      before.size === size &&
      before.mtimeNs === node.mtimeNs &&
      before.ctimeNs === node.ctimeNs &&
      before.inode === node.inode &&
      before.content?.every((id) => this.uploader.known(id))
    ) {
      this.stats.reusedFiles++;
      result = { size, content: Promise.resolve([...before.content]) };
    } else {
      result = await this.readFile(path, size);
    }
    if (linkKey) this.hardlinks.set(linkKey, result);
    this.stats.logicalBytes += result.size;
    this.progress();
    return { node: { ...base('file', result.size), ...extra }, content: result.content };
  }

  /** Reads a file chunk by chunk; the chunks are stored in the background, a few at a time. */
  private async readFile(
    path: Buffer,
    expected: number,
  ): Promise<{ size: number; content: Promise<string[]> }> {
    const file = await open(path, 'r');
    const ids: Promise<string>[] = [];
    let size = 0;
    try {
      for await (const chunk of this.chunker.chunks(file, expected)) {
        this.options.signal?.throwIfAborted();
        size += chunk.length;
        this.stats.readBytes += chunk.length;
        // Within a large file too: a volume of one big file would otherwise show no progress until its end.
        if (Date.now() - this.lastProgress >= 500) this.progress();
        await this.slots.acquire();
        const id = this.uploader.save('data', chunk).finally(() => {
          // Stored or known: the chunk (the chunker's copy) is freed now, not left to the collector.
          freeBuffer(chunk);
          this.slots.release();
        });
        id.catch(() => {});
        ids.push(id);
      }
    } finally {
      await file.close();
    }
    const content = Promise.all(ids);
    // Awaited when the directory's tree is written; until then a failed upload must not go unhandled.
    content.catch(() => {});
    return { size, content };
  }
}

/** Errors of reading the source (skip the entry), as opposed to failures of storing (fatal). */
function isReadError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return (
    typeof code === 'string' &&
    ['ENOENT', 'EACCES', 'EPERM', 'EIO', 'ELOOP', 'ENOTDIR', 'ESTALE'].includes(code)
  );
}
