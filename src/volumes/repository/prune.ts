/**
 * Forget and prune. `forgetSnapshots` deletes manifests only. `pruneRepository` is mark and sweep under an
 * exclusive lock: mark every blob the remaining snapshots need, then delete packs nothing needs, copy the
 * needed blobs out of packs mostly unneeded (repack), write a new index and only then delete the old index
 * files and the packs. Interrupted at any point, it leaves a repository every snapshot of which restores
 * (docs/repository-format.md §9).
 */
import { BlobIndex, loadIndex } from './blob-index.ts';
import { IntegrityError } from './errors.ts';
import type { BlobEntry } from './format.ts';
import { acquireLock, type LockOptions } from './locks.ts';
import { markUsed } from './mark.ts';
import { openBlob, readPack } from './pack.ts';
import { type Repository, repoKeys } from './repository.ts';
import { TreeLoader } from './tree.ts';
import { Uploader, type UploaderOptions } from './uploader.ts';

/** What `forgetSnapshots` deleted. */
export interface ForgetResult {
  deleted: string[];
}

/**
 * Deletes snapshot manifests (ids or unique prefixes). Their data stays until `pruneRepository`. Needs no
 * lock: a backup using one as parent only reuses chunk ids, which the backup's own lock keeps from prune.
 */
export async function forgetSnapshots(repo: Repository, ids: readonly string[]): Promise<ForgetResult> {
  const deleted: string[] = [];
  for (const id of ids) deleted.push(await repo.resolveSnapshotId(id));
  await repo.store.delete(deleted.map((id) => repoKeys.snapshot(id)));
  return { deleted };
}

/** Options of `pruneRepository`. */
export interface PruneOptions {
  lock?: LockOptions;
  /**
   * A pack no index lists is deleted only when older than this (default 1 hour): it may belong to a backup
   * whose lock went stale while it still runs. Such packs are otherwise left by killed writers.
   */
  unindexedGraceMs?: number;
  /** A pack whose unneeded bytes reach this share of it is repacked (default 0.2); below, it is kept. */
  repackThreshold?: number;
  uploader?: UploaderOptions;
  signal?: AbortSignal;
}

/** What `pruneRepository` did. */
export interface PruneResult {
  snapshots: number;
  usedBlobs: number;
  /** Packs deleted because nothing needs them. */
  deletedPacks: number;
  /** Packs whose needed blobs were copied into new packs, then deleted. */
  repackedPacks: number;
  /** Packs partly unneeded but below the threshold: kept as they are, with this many unneeded bytes. */
  keptPartlyUsedPacks: number;
  unusedBytesKept: number;
  /** Packs no index listed, deleted (older than the grace period) and kept (younger). */
  deletedUnindexedPacks: number;
  keptUnindexedPacks: number;
  /** Bytes of packs deleted, and bytes of new packs and index files written. */
  deletedBytes: number;
  writtenBytes: number;
  indexFilesWritten: number;
  indexFilesDeleted: number;
  durationMs: number;
}

const hour = 3_600_000;

/** Prunes the repository under an exclusive lock. Refuses (`IntegrityError`) when a snapshot needs data that is gone. */
export async function pruneRepository(repo: Repository, options: PruneOptions = {}): Promise<PruneResult> {
  const started = Date.now();
  const lock = await acquireLock(repo, true, options.lock);
  try {
    const { index } = await loadIndex(repo);
    const stored = new Map<string, { size: number; time: number }>();
    for await (const info of repo.store.list(repoKeys.dataDir)) {
      stored.set(repoKeys.idOf(info.key), { size: info.size, time: info.lastModified?.getTime() ?? 0 });
    }
    const snapshots = await repo.snapshots({ strict: true });
    const marked = await markUsed(snapshots, new TreeLoader(repo, index), options.signal);
    const first = marked.problems[0];
    if (first)
      throw new IntegrityError(
        repoKeys.snapshot(first.snapshot),
        `prune stopped, nothing deleted: ${first.error.message}`,
      );
    const used = new Set([...marked.trees, ...marked.data]);

    // Each needed blob is kept in one pack: the first listed that exists.
    const owner = new Map<string, string>();
    for (const [pack, entries] of index.packs) {
      if (!stored.has(pack)) continue;
      for (const entry of entries) if (used.has(entry.id) && !owner.has(entry.id)) owner.set(entry.id, pack);
    }
    const missing = [...used].find((id) => !owner.has(id));
    if (missing)
      throw new IntegrityError(
        `blob ${missing}`,
        'a snapshot needs it and no existing pack holds it: prune stopped, nothing deleted',
      );

    const result: PruneResult = {
      snapshots: snapshots.length,
      usedBlobs: used.size,
      deletedPacks: 0,
      repackedPacks: 0,
      keptPartlyUsedPacks: 0,
      unusedBytesKept: 0,
      deletedUnindexedPacks: 0,
      keptUnindexedPacks: 0,
      deletedBytes: 0,
      writtenBytes: 0,
      indexFilesWritten: 0,
      indexFilesDeleted: 0,
      durationMs: 0,
    };
    const threshold = options.repackThreshold ?? 0.2;
    const keep: { id: string; blobs: BlobEntry[] }[] = [];
    const repack: { id: string; blobs: BlobEntry[] }[] = [];
    const remove: string[] = [];
    for (const [pack, entries] of index.packs) {
      if (!stored.has(pack)) continue;
      const total = entries.reduce((sum, entry) => sum + entry.length, 0);
      const needed = entries.filter((entry) => owner.get(entry.id) === pack);
      const neededBytes = needed.reduce((sum, entry) => sum + entry.length, 0);
      if (needed.length === 0) {
        remove.push(pack);
        result.deletedPacks++;
      } else if (neededBytes < total && 1 - neededBytes / total >= threshold) {
        repack.push({ id: pack, blobs: needed });
        remove.push(pack);
        result.repackedPacks++;
      } else {
        if (neededBytes < total) {
          result.keptPartlyUsedPacks++;
          result.unusedBytesKept += total - neededBytes;
        }
        keep.push({ id: pack, blobs: entries });
      }
    }
    const grace = options.unindexedGraceMs ?? hour;
    for (const [pack, info] of stored) {
      if (index.packs.has(pack)) continue;
      if (Date.now() - info.time >= grace) {
        remove.push(pack);
        result.deletedUnindexedPacks++;
      } else {
        result.keptUnindexedPacks++;
      }
    }

    if (remove.length === 0) {
      result.durationMs = Date.now() - started;
      return result;
    }
    // 1. New packs for the repacked blobs (the uploader indexes them as it goes).
    const uploader = new Uploader(repo, new BlobIndex(), options.uploader);
    try {
      for (const { id, blobs } of repack) {
        options.signal?.throwIfAborted();
        const data = await readPack(repo, id);
        for (const entry of blobs.sort((a, b) => a.offset - b.offset)) {
          await openBlob(repo, id, data, entry);
          await uploader.saveSealed(entry, data.subarray(entry.offset, entry.offset + entry.length));
        }
      }
      await uploader.flush();
    } finally {
      await uploader.settle();
    }
    result.writtenBytes += uploader.stats.newBytes;
    result.indexFilesWritten += uploader.stats.indexFiles;
    // 2. An index of the packs kept, 50,000 blobs a file.
    let batch: typeof keep = [];
    let blobs = 0;
    const writeBatch = async () => {
      if (batch.length === 0) return;
      const { bytes } = await repo.writeFile(repoKeys.index, { version: 1, packs: batch });
      result.writtenBytes += bytes;
      result.indexFilesWritten++;
      batch = [];
      blobs = 0;
    };
    for (const pack of keep) {
      batch.push(pack);
      blobs += pack.blobs.length;
      if (blobs >= 50_000) await writeBatch();
    }
    await writeBatch();
    // 3. Only now the old index files, then the packs.
    lock.assertHeld();
    await repo.store.delete(index.files.map((id) => repoKeys.index(id)));
    result.indexFilesDeleted = index.files.length;
    for (const pack of remove) result.deletedBytes += stored.get(pack)?.size ?? 0;
    for (let i = 0; i < remove.length; i += 1000) {
      await repo.store.delete(remove.slice(i, i + 1000).map((id) => repoKeys.pack(id)));
    }
    result.durationMs = Date.now() - started;
    return result;
  } finally {
    await lock.release();
  }
}
