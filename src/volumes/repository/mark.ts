/**
 * Marking: every blob the snapshots need, found by walking their trees (each distinct tree once, since
 * unchanged directories share their tree blob). Used by `check` and by `prune`.
 */
import type { BlobIndex } from './blob-index.ts';
import type { SnapshotEntry } from './repository.ts';
import type { TreeLoader } from './tree.ts';

/** A tree that could not be read, with the snapshot that needs it. */
export interface MarkProblem {
  snapshot: string;
  tree: string;
  error: Error;
}

/** The blobs the snapshots need. */
export interface Marked {
  trees: Set<string>;
  data: Set<string>;
  problems: MarkProblem[];
}

/** Walks every snapshot's trees, four trees at a time. */
export async function markUsed(
  snapshots: readonly SnapshotEntry[],
  trees: TreeLoader,
  signal?: AbortSignal,
): Promise<Marked> {
  const marked: Marked = { trees: new Set(), data: new Set(), problems: [] };
  for (const snapshot of snapshots) {
    const queue: string[] = [];
    const enqueue = (id: string) => {
      if (marked.trees.has(id)) return;
      marked.trees.add(id);
      queue.push(id);
    };
    enqueue(snapshot.manifest.tree);
    const worker = async () => {
      for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
        signal?.throwIfAborted();
        try {
          for (const node of (await trees.load(id)).nodes) {
            if (node.subtree) enqueue(node.subtree);
            for (const chunk of node.content ?? []) marked.data.add(chunk);
          }
        } catch (error) {
          marked.problems.push({ snapshot: snapshot.id, tree: id, error: error as Error });
        }
      }
    };
    // Workers stop when the queue is empty for a moment; run rounds until it stays empty.
    while (queue.length > 0) await Promise.all(Array.from({ length: 4 }, worker));
  }
  return marked;
}

/** Whether every blob in `ids` is in the index. */
export function missingFrom(index: BlobIndex, ids: Iterable<string>): string[] {
  const missing: string[] = [];
  for (const id of ids) if (!index.has(id)) missing.push(id);
  return missing;
}
