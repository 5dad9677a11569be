/**
 * Restoring a snapshot into a directory, in three passes: (1) walk the trees and create every directory,
 * symlink and hard link (the file a hard link points to is created first, at its size); (2) read each needed
 * pack once and write each of its blobs at the offsets of the files that use it, several blobs at once
 * while the pack streams in: a file is created by its first write and kept open until its last
 * (restore-files.ts); zero chunks are skipped, leaving holes; files no write created are then made at their
 * size; (3) set owners, modes and times, deepest entries first, so a directory's children are done before
 * it and writing never changes a time already set. Memory holds the blobs being written (bounded in bytes
 * and count) and the list of files, not file contents. An entry that cannot be restored is listed in
 * `problems`; the others are restored.
 */
import { chmod, lchown, link, lstat, lutimes, mkdir, readdir, symlink } from 'node:fs/promises';
import { type BlobIndex, type BlobLocation, loadIndex } from './blob-index.ts';
import { RestoreTargetError } from './errors.ts';
import type { BlobEntry, TreeNode } from './format.ts';
import { openSealedBlobPieces } from './pack.ts';
import { streamPackBlobs } from './pack-stream.ts';
import type { Repository } from './repository.ts';
import { createFileAt, forEachLimit, fsConcurrency, OpenFiles, type RestoreFile } from './restore-files.ts';
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

/** Blobs being opened and written at once, and their bytes (sealed and plain): what bounds memory. */
const blobsInFlight = 64;
const bytesInFlight = 48 * 1024 * 1024;

/**
 * A budget of blobs and bytes in flight; a blob larger than the whole budget waits until nothing else is
 * in flight. First come, first served.
 */
class Budget {
  private blobs = 0;
  private bytes = 0;
  private readonly waiters: { bytes: number; resolve: () => void }[] = [];

  private fits(bytes: number): boolean {
    return this.blobs === 0 || (this.blobs < blobsInFlight && this.bytes + bytes <= bytesInFlight);
  }

  async acquire(bytes: number): Promise<void> {
    if (this.waiters.length === 0 && this.fits(bytes)) {
      this.blobs++;
      this.bytes += bytes;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push({ bytes, resolve }));
  }

  release(bytes: number): void {
    this.blobs--;
    this.bytes -= bytes;
    for (let next = this.waiters[0]; next && this.fits(next.bytes); next = this.waiters[0]) {
      this.waiters.shift();
      this.blobs++;
      this.bytes += next.bytes;
      next.resolve();
    }
  }
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
  await run.createTree(Buffer.from(target), '', manifest.tree, 0);
  const byPack = new Map<string, BlobLocation[]>();
  for (const id of run.needed.keys()) {
    const location = index.get(id) as BlobLocation;
    const list = byPack.get(location.pack) ?? [];
    list.push(location);
    byPack.set(location.pack, list);
  }
  const packs = [...byPack.entries()];
  let next = 0;
  const reader = async () => {
    while (next < packs.length) {
      const [pack, entries] = packs[next++] as [string, BlobLocation[]];
      options.signal?.throwIfAborted();
      await run.writePack(
        pack,
        entries.sort((a, b) => a.offset - b.offset),
      );
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency ?? 8 }, reader));
  } finally {
    await run.openFiles.finish(run.files);
  }
  await run.applyMetadata();
  const owners = options.owners ?? process.getuid?.() === 0;
  await setMetadata(target, { ...manifest.root, type: 'dir' }, owners).catch((error: unknown) =>
    run.problem('.', (error as Error).message),
  );
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
  readonly files: RestoreFile[] = [];
  readonly openFiles: OpenFiles;
  /** Blob id → where its bytes go (file number and offset). */
  readonly needed = new Map<string, { file: number; offset: number }[]>();
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
  private zero = Buffer.alloc(0);
  private readonly budget = new Budget();

  constructor(repo: Repository, index: BlobIndex, options: RestoreOptions) {
    this.repo = repo;
    this.index = index;
    this.trees = new TreeLoader(repo, index);
    this.options = options;
    this.openFiles = new OpenFiles(options.openFiles ?? 64, (rel, reason) => this.problem(rel, reason));
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
    const file: RestoreFile = { path, rel, size: node.size, remaining: 0, created: !!linkKey, users: 0 };
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
      file.remaining++;
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
   * Pass 2: reads one pack and writes its blobs where they go. Blobs are opened and written while the pack
   * streams on, as many as the budget allows, so the small files of a pack are not written one by one.
   */
  async writePack(pack: string, entries: BlobLocation[]): Promise<void> {
    const packEnd = (this.index.packs.get(pack) ?? []).reduce(
      (end, e) => Math.max(end, e.offset + e.length),
      0,
    );
    const done = new Set<string>();
    const writing = new Set<Promise<void>>();
    try {
      await streamPackBlobs(this.repo, pack, entries, packEnd, async (entry, sealed) => {
        done.add(entry.id);
        // The sealed pieces are views of what the store delivered; they and the plaintext are held.
        const cost = entry.length + entry.rawLength;
        await this.budget.acquire(cost);
        const write = this.restoreBlob(pack, entry, sealed).finally(() => {
          this.budget.release(cost);
          writing.delete(write);
        });
        writing.add(write);
      });
    } catch (error) {
      const left = entries.filter((entry) => !done.has(entry.id));
      this.failBlobs(left, `pack ${pack} could not be read: ${(error as Error).message}`);
    } finally {
      await Promise.all(writing);
    }
  }

  /** Opens one blob and writes it at every place that uses it; never throws (problems are listed). */
  private async restoreBlob(pack: string, entry: BlobEntry, sealed: Buffer[]): Promise<void> {
    let plain: Buffer[];
    try {
      plain = await openSealedBlobPieces(this.repo, pack, sealed, entry);
    } catch (error) {
      this.failBlobs([entry], (error as Error).message);
      return;
    }
    const zero = plain.every((piece) => this.isZero(piece));
    const places = this.needed.get(entry.id) ?? [];
    await Promise.all(
      places.map(async (place) => {
        const file = this.files[place.file] as RestoreFile;
        // A zero chunk is left as a hole: the file is made at its size.
        if (zero) this.openFiles.skip(file);
        else if (!(await this.openFiles.write(file, plain, place.offset))) return;
        this.bytesWritten += entry.rawLength;
      }),
    );
    this.options.onProgress?.({ bytesWritten: this.bytesWritten, totalBytes: this.totalBytes });
  }

  private isZero(piece: Buffer): boolean {
    if (this.zero.length < piece.length) this.zero = Buffer.alloc(piece.length);
    return piece.equals(this.zero.subarray(0, piece.length));
  }

  private failBlobs(entries: readonly BlobEntry[], reason: string): void {
    for (const entry of entries) {
      for (const place of this.needed.get(entry.id) ?? []) {
        const file = this.files[place.file];
        if (!file) continue;
        this.problem(file.rel, reason);
        this.openFiles.skip(file);
      }
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
