/**
 * Restoring a snapshot into a directory, in three passes: (1) walk the trees and create every directory,
 * symlink and hard link (the file a hard link points to is created first, at its size); (2) read each needed
 * pack once and write each of its blobs at the offsets of the files that use it, several blobs at once
 * while the pack streams in: a file is created by its first write and kept open until its last
 * (restore-files.ts); zero chunks are skipped, leaving holes; files no write created are then made at their
 * size; (3) set owners, modes and times, deepest entries first, so a directory's children are done before
 * it and writing never changes a time already set. In pass 2 this thread only streams the packs: a thread
 * of its own opens and writes the blobs (blob-writer.ts, restore-worker.ts). Memory holds the blobs being
 * written (bounded by the writer's ring and budget) and the list of files, not file contents. An entry that
 * cannot be restored is listed in `problems`; the others are restored.
 */
import { chmod, lchown, link, lstat, lutimes, mkdir, readdir, symlink } from 'node:fs/promises';
import { type BlobIndex, type BlobLocation, loadIndex } from './blob-index.ts';
import { BlobWriter, type Place, type PlannedFile } from './blob-writer.ts';
import { RestoreTargetError } from './errors.ts';
import { type BlobEntry, limits, type TreeNode } from './format.ts';
import { streamPackBlobs } from './pack-stream.ts';
import { type Repository, repoKeys } from './repository.ts';
import { createFileAt, forEachLimit, fsConcurrency } from './restore-files.ts';
import { nodeLinkTarget, nodeName, TreeLoader } from './tree.ts';

/** Options of a restore. */
export interface RestoreOptions {
  signal?: AbortSignal;
  onProgress?: (progress: RestoreProgress) => void;
  /** Set each entry's owner (default: when running as root, the only user allowed to). */
  owners?: boolean;
  /** Packs read at once (default 8). */
  concurrency?: number;
  /** Files kept open between their chunks (default 64). */
  openFiles?: number;
}

/** Running totals of a restore. */
export interface RestoreProgress {
  bytesWritten: number;
  totalBytes: number;
}

/** What a restore did. */
export interface RestoreResult {
  files: number;
  dirs: number;
  symlinks: number;
  hardlinks: number;
  /** Bytes of file contents restored. */
  bytes: number;
  durationMs: number;
  /** Entries not (fully) restored, with the reason. Empty when the restore is complete. */
  problems: { path: string; reason: string }[];
}

const slash = Buffer.from('/');

interface Placed {
  path: Buffer;
  rel: string;
  node: TreeNode;
  /** 0 for the target's entries, 1 for theirs... */
  depth: number;
}

/**
 * Restores snapshot `snapshotId` (id or unique prefix) into `target`, which must be missing or empty (a
 * `lost+found` left by mkfs is allowed). Throws `SnapshotNotFoundError` or `RestoreTargetError` before
 * writing anything; problems with single entries are reported in the result.
 */
export async function restoreSnapshot(
  repo: Repository,
  snapshotId: string,
  target: string,
  options: RestoreOptions = {},
): Promise<RestoreResult> {
  const started = Date.now();
  // The snapshot and the index are read at once: each costs round trips to the store.
  const [manifest, { index }] = await Promise.all([repo.loadSnapshot(snapshotId), loadIndex(repo)]);
  await prepareTarget(target);
  const run = new Restorer(repo, index, options);
  try {
    await run.createTree(Buffer.from(target), '', manifest.tree, 0);
    await run.writeFiles();
    await run.applyMetadata();
    const owners = options.owners ?? process.getuid?.() === 0;
    await setMetadata(target, { ...manifest.root, type: 'dir' }, owners).catch((error: unknown) =>
      run.problem('.', (error as Error).message),
    );
  } finally {
    await run.writer.close();
  }
  return { ...run.counts, bytes: run.bytesWritten, durationMs: Date.now() - started, problems: run.problems };
}

async function prepareTarget(target: string): Promise<void> {
  await mkdir(target, { recursive: true });
  const info = await lstat(target);
  if (!info.isDirectory()) throw new RestoreTargetError(target, 'it is not a directory');
  const entries = (await readdir(target)).filter((name) => name !== 'lost+found');
  if (entries.length > 0) {
    throw new RestoreTargetError(
      target,
      `it is not empty (${entries.slice(0, 3).join(', ')}...): restore into an empty directory`,
    );
  }
}

class Restorer {
  readonly files: PlannedFile[] = [];
  readonly writer: BlobWriter;
  /** Blob id → where its bytes go (file number and offset). */
  readonly needed = new Map<string, Place[]>();
  readonly problems: { path: string; reason: string }[] = [];
  readonly counts = { files: 0, dirs: 0, symlinks: 0, hardlinks: 0 };
  bytesWritten = 0;
  private totalBytes = 0;
  private readonly repo: Repository;
  private readonly index: BlobIndex;
  private readonly trees: TreeLoader;
  private readonly options: RestoreOptions;
  /** Every entry created, in creation order (parents before children). */
  private readonly placed: Placed[] = [];
  private readonly linked = new Map<string, Buffer>();

  constructor(repo: Repository, index: BlobIndex, options: RestoreOptions) {
    this.repo = repo;
    this.index = index;
    this.trees = new TreeLoader(repo, index);
    this.options = options;
    this.writer = new BlobWriter(repo.crypto, this.files, {
      openFiles: options.openFiles ?? 64,
      maxBlobBytes: limits.dataBlob,
      onProblem: (rel, reason) => this.problem(rel, reason),
      onWritten: (bytes) => {
        this.bytesWritten += bytes;
        this.options.onProgress?.({ bytesWritten: this.bytesWritten, totalBytes: this.totalBytes });
      },
    });
  }

  problem(path: string, reason: string): void {
    if (this.problems.length < 1000) this.problems.push({ path: path || '.', reason });
  }

  /** Pass 1: directories, symlinks, hard links and empty files of a tree, depth first. */
  async createTree(dir: Buffer, rel: string, treeId: string, depth: number): Promise<void> {
    let nodes: TreeNode[];
    try {
      nodes = (await this.trees.load(treeId)).nodes;
    } catch (error) {
      this.problem(rel, `its listing could not be read: ${(error as Error).message}`);
      return;
    }
    for (const node of nodes) {
      this.options.signal?.throwIfAborted();
      const name = nodeName(node);
      const path = Buffer.concat([dir, slash, name]);
      const childRel = rel ? `${rel}/${name.toString('utf8')}` : name.toString('utf8');
      try {
        await this.create({ path, rel: childRel, node, depth });
      } catch (error) {
        this.problem(childRel, (error as NodeJS.ErrnoException).code ?? (error as Error).message);
      }
    }
  }

  private async create(entry: Placed): Promise<void> {
    const { path, rel, node } = entry;
    if (node.type === 'dir') {
      await mkdir(path, 0o700).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST' || !(await lstat(path)).isDirectory()) throw error;
      });
      this.placed.push(entry);
      this.counts.dirs++;
      await this.createTree(path, rel, node.subtree as string, entry.depth + 1);
      return;
    }
    if (node.type === 'symlink') {
      await symlink(nodeLinkTarget(node), path);
      this.placed.push(entry);
      this.counts.symlinks++;
      return;
    }
    const linkKey = node.links && node.device ? `${node.device}:${node.inode}` : undefined;
    const first = linkKey ? this.linked.get(linkKey) : undefined;
    if (first) {
      await link(first, path);
      this.counts.hardlinks++;
      return;
    }
    // Other files are created by their first write; one with hard links must exist for link() above.
    if (linkKey) {
      await createFileAt(path, node.size);
      this.linked.set(linkKey, path);
    }
    const file: PlannedFile = { path, rel, size: node.size, chunks: 0, created: !!linkKey, sent: false };
    const number = this.files.push(file) - 1;
    this.placed.push(entry);
    this.counts.files++;
    this.totalBytes += node.size;
    let offset = 0;
    for (const id of node.content ?? []) {
      const location = this.index.get(id);
      if (!location) {
        this.problem(rel, `chunk ${id} is not in any index: the file is restored only up to byte ${offset}`);
        break;
      }
      const places = this.needed.get(id) ?? [];
      places.push({ file: number, offset });
      this.needed.set(id, places);
      file.chunks++;
      offset += location.rawLength;
    }
    if (offset !== node.size && offset === this.sumKnown(node)) {
      this.problem(rel, `its chunks hold ${offset} bytes, its size is ${node.size}`);
    }
  }

  /** The bytes of a file's chunks, when the index lists them all. */
  private sumKnown(node: TreeNode): number {
    let total = 0;
    for (const id of node.content ?? []) total += this.index.get(id)?.rawLength ?? Number.NaN;
    return total;
  }

  /**
   * Pass 2: reads each needed pack once, several at once, and hands its blobs to the writer; then creates,
   * at their size, the files no blob was placed in.
   */
  async writeFiles(): Promise<void> {
    const byPack = new Map<string, BlobLocation[]>();
    for (const id of this.needed.keys()) {
      const location = this.index.get(id) as BlobLocation;
      const list = byPack.get(location.pack) ?? [];
      list.push(location);
      byPack.set(location.pack, list);
    }
    const packs = [...byPack.entries()];
    let next = 0;
    const reader = async () => {
      while (next < packs.length) {
        const [pack, entries] = packs[next++] as [string, BlobLocation[]];
        if (this.options.signal?.aborted) next = packs.length;
        this.options.signal?.throwIfAborted();
        await this.writePack(
          pack,
          entries.sort((a, b) => a.offset - b.offset),
        );
      }
    };
    try {
      await Promise.all(Array.from({ length: this.options.concurrency ?? 8 }, reader));
    } finally {
      this.bytesWritten = await this.writer.finish();
    }
    const missing = this.files.filter((file) => !file.sent && !file.created);
    await forEachLimit(missing, fsConcurrency, async (file) => {
      await createFileAt(file.path, file.size).catch((error: unknown) =>
        this.problem(file.rel, (error as NodeJS.ErrnoException).code ?? (error as Error).message),
      );
    });
  }

  /** Streams the blobs `entries` (sorted by offset) of one pack to the writer. */
  private async writePack(pack: string, entries: BlobLocation[]): Promise<void> {
    const packEnd = (this.index.packs.get(pack) ?? []).reduce(
      (end, e) => Math.max(end, e.offset + e.length),
      0,
    );
    const key = repoKeys.pack(pack);
    const done = new Set<string>();
    try {
      await streamPackBlobs(this.repo, pack, entries, packEnd, async (entry, read) => {
        const places = this.needed.get(entry.id) ?? [];
        await this.writer.add(key, entry.id, entry.length, entry.rawLength, places, read);
        done.add(entry.id);
      });
    } catch (error) {
      const left = entries.filter((entry) => !done.has(entry.id));
      this.failBlobs(left, `pack ${pack} could not be read: ${(error as Error).message}`);
    }
  }

  private failBlobs(entries: readonly BlobEntry[], reason: string): void {
    for (const entry of entries) {
      const places = this.needed.get(entry.id) ?? [];
      for (const place of places) {
        const file = this.files[place.file];
        if (file) this.problem(file.rel, reason);
      }
      this.writer.skip(places);
    }
  }

  /** Pass 3: owners, modes and times, deepest entries first (a directory after everything in it). */
  async applyMetadata(): Promise<void> {
    const owners = this.options.owners ?? process.getuid?.() === 0;
    const byDepth: Placed[][] = [];
    for (const entry of this.placed) {
      const level = byDepth[entry.depth] ?? [];
      level.push(entry);
      byDepth[entry.depth] = level;
    }
    for (let depth = byDepth.length - 1; depth >= 0; depth--) {
      await forEachLimit(byDepth[depth] ?? [], fsConcurrency, ({ path, rel, node }) =>
        setMetadata(path, node, owners).catch((error: unknown) =>
          this.problem(rel, `metadata: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`),
        ),
      );
    }
  }
}

/** Owner (first: chown clears setuid bits), mode (not on symlinks) and times of one entry. */
async function setMetadata(
  path: Buffer | string,
  node: Pick<TreeNode, 'type' | 'mode' | 'uid' | 'gid' | 'mtimeNs'>,
  owners: boolean,
): Promise<void> {
  if (owners) await lchown(path, node.uid, node.gid);
  if (node.type !== 'symlink') await chmod(path, node.mode);
  // utimes takes seconds as a double (about 0.24 µs apart today): aim at the middle of the microsecond so
  // the time set truncates to the right one.
  const seconds = (Number(BigInt(node.mtimeNs) / 1000n) + 0.5) / 1e6;
  await lutimes(path, seconds, seconds);
}
