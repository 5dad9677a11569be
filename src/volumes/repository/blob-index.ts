/**
 * The in-memory index: where each blob is (pack, offset, length), loaded from every `index/<id>` file. A
 * blob may be listed more than once (two writers stored the same chunk, or a prune was interrupted between
 * writing the new index and deleting the old one); any of its places will do.
 */
import { type BlobEntry, type IndexDocument, indexSchema, limits, parseDocument } from './format.ts';
import { type Repository, repoKeys } from './repository.ts';

/** A blob's place. */
export interface BlobLocation extends BlobEntry {
  pack: string;
}

/** The blobs of the repository, by id, and the packs the index files list. */
export class BlobIndex {
  private readonly blobs = new Map<string, BlobLocation>();
  /** Pack id → its blobs, as listed by the index files. */
  readonly packs = new Map<string, BlobEntry[]>();
  /** Ids of the index files loaded. */
  readonly files: string[] = [];

  /** Whether a blob is stored. */
  has(id: string): boolean {
    return this.blobs.has(id);
  }

  /** Where a blob is stored (its first listed place), or undefined. */
  get(id: string): BlobLocation | undefined {
    return this.blobs.get(id);
  }

  /** Records the blobs of a pack. */
  addPack(pack: string, entries: readonly BlobEntry[]): void {
    const listed = this.packs.get(pack);
    if (listed) {
      const known = new Set(listed.map((entry) => entry.id));
      for (const entry of entries) if (!known.has(entry.id)) listed.push(entry);
    } else {
      this.packs.set(pack, [...entries]);
    }
    for (const entry of entries) {
      if (!this.blobs.has(entry.id)) this.blobs.set(entry.id, { ...entry, pack });
    }
  }

  /** Number of distinct blobs. */
  get size(): number {
    return this.blobs.size;
  }

  /** Every distinct blob with its first place. */
  values(): IterableIterator<BlobLocation> {
    return this.blobs.values();
  }
}

/** One index file that could not be read, for `check`. */
export interface IndexReadProblem {
  id: string;
  error: Error;
}

/**
 * Loads every index file. With `tolerant`, a file that cannot be read is reported and skipped (for
 * `check`); otherwise its error is thrown.
 */
export async function loadIndex(
  repo: Repository,
  options: { tolerant?: boolean } = {},
): Promise<{ index: BlobIndex; problems: IndexReadProblem[] }> {
  const index = new BlobIndex();
  const problems: IndexReadProblem[] = [];
  const ids = await repo.listIds(repoKeys.indexDir);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++] as string;
      try {
        const doc = await readIndexFile(repo, id);
        for (const pack of doc.packs) index.addPack(pack.id, pack.blobs);
        index.files.push(id);
      } catch (error) {
        if (!options.tolerant) throw error;
        problems.push({ id, error: error as Error });
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return { index, problems };
}

/** One index file. */
export function readIndexFile(repo: Repository, id: string): Promise<IndexDocument> {
  return repo.readFile(
    repoKeys.index(id),
    (bytes, key) => parseDocument(indexSchema, bytes, key),
    limits.index,
  );
}
