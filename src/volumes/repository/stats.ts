/**
 * `repository stats`: logical bytes (what the snapshots hold, as their manifests count it) against what is
 * stored once deduplicated, and against the bytes in the bucket after compression and encryption.
 */
import { loadIndex } from './blob-index.ts';
import { type Repository, repoKeys } from './repository.ts';

/** Sizes and counts of a repository. */
export interface RepositoryStats {
  snapshots: number;
  /** Files over every snapshot (a file in two snapshots counts twice). */
  files: number;
  /** Bytes of file contents over every snapshot: what restoring each of them would write. */
  logicalBytes: number;
  /** Bytes of the distinct chunks the index lists, uncompressed: the data once deduplicated. */
  uniqueBytes: number;
  /** Bytes of the distinct trees, uncompressed. */
  treeBytes: number;
  /** Bytes of the pack files in the bucket (compressed, encrypted, with headers). */
  storedBytes: number;
  /** Bytes of the index files. */
  indexBytes: number;
  packs: number;
  dataBlobs: number;
  treeBlobs: number;
  keys: number;
  /** `logicalBytes / storedBytes` (deduplication and compression together); 0 when empty. */
  ratio: number;
}

/** Computes the repository's stats from its manifests, its index and a listing (no pack is read). */
export async function repositoryStats(repo: Repository): Promise<RepositoryStats> {
  const snapshots = await repo.snapshots();
  const { index } = await loadIndex(repo);
  const stats: RepositoryStats = {
    snapshots: snapshots.length,
    files: 0,
    logicalBytes: 0,
    uniqueBytes: 0,
    treeBytes: 0,
    storedBytes: 0,
    indexBytes: 0,
    packs: 0,
    dataBlobs: 0,
    treeBlobs: 0,
    keys: (await repo.listKeys()).length,
    ratio: 0,
  };
  for (const { manifest } of snapshots) {
    stats.files += manifest.stats.files;
    stats.logicalBytes += manifest.stats.logicalBytes;
  }
  for (const blob of index.values()) {
    if (blob.type === 'data') {
      stats.dataBlobs++;
      stats.uniqueBytes += blob.rawLength;
    } else {
      stats.treeBlobs++;
      stats.treeBytes += blob.rawLength;
    }
  }
  for await (const info of repo.store.list(repoKeys.dataDir)) {
    stats.packs++;
    stats.storedBytes += info.size;
  }
  for await (const info of repo.store.list(repoKeys.indexDir)) stats.indexBytes += info.size;
  stats.ratio = stats.storedBytes > 0 ? stats.logicalBytes / stats.storedBytes : 0;
  return stats;
}
