/**
 * Small whole files of a restore, written by the worker threads in batches (restore-workers.ts): a file of one
 * chunk and no hard links is created, written and given its owner, mode and time in one go, so it costs the
 * main thread a share of one message instead of six trips through the thread pool (open, write, close,
 * chown, chmod, utimes). A batch is sent once it holds `batchFiles` files or `batchBytes` bytes, or when
 * the pack that filled it is read; at most `batchesInFlight` batches are out at once (memory stays bounded:
 * a caller waits in `add`).
 */

import type { TreeNode } from './format.ts';
import type { RestoreFile } from './restore-files.ts';
import type { FileOutcome, FileWrite } from './restore-worker.ts';
import type { RestoreWorkers } from './restore-workers.ts';

const batchFiles = 64;
const batchBytes = 1024 * 1024;
const batchesInFlight = 8;

/**
 * The mtime of `node` as seconds for utimes, which takes a double (about 0.24 µs apart today): aimed at the
 * middle of the microsecond so the time set truncates to the right one.
 */
export function utimesSeconds(node: Pick<TreeNode, 'mtimeNs'>): number {
  return (Number(BigInt(node.mtimeNs) / 1000n) + 0.5) / 1e6;
}

interface Queued {
  file: RestoreFile;
  node: TreeNode;
  data: Buffer[];
  length: number;
}

/** Batches of whole files on their way to the workers. */
export class FileBatches {
  private readonly workers: RestoreWorkers;
  private readonly owners: boolean;
  private readonly done: (file: RestoreFile, outcome: FileOutcome) => void;
  private queued: Queued[] = [];
  private queuedBytes = 0;
  private readonly inFlight = new Set<Promise<void>>();

  /** `done` is called once per file added, with what failed (undefined: written with its metadata). */
  constructor(
    workers: RestoreWorkers,
    owners: boolean,
    done: (file: RestoreFile, outcome: FileOutcome) => void,
  ) {
    this.workers = workers;
    this.owners = owners;
    this.done = done;
  }

  /** Queues `file` (of tree node `node`) with its whole contents; waits while too many batches are out. */
  async add(file: RestoreFile, node: TreeNode, data: readonly Buffer[]): Promise<void> {
    const length = data.reduce((sum, piece) => sum + piece.length, 0);
    this.queued.push({ file, node, data: [...data], length });
    this.queuedBytes += length;
    if (this.queued.length >= batchFiles || this.queuedBytes >= batchBytes) this.flush();
    while (this.inFlight.size >= batchesInFlight) await Promise.race(this.inFlight);
  }

  /** Sends what is queued. */
  flush(): void {
    if (this.queued.length === 0) return;
    const batch = this.queued;
    this.queued = [];
    this.queuedBytes = 0;
    const data = Buffer.allocUnsafeSlow(batch.reduce((sum, each) => sum + each.length, 0));
    const files: FileWrite[] = [];
    let at = 0;
    for (const { file, node, data: pieces, length } of batch) {
      const offset = at;
      for (const piece of pieces) at += piece.copy(data, at);
      files.push({
        path: file.path,
        offset,
        length,
        mode: node.mode,
        uid: node.uid,
        gid: node.gid,
        seconds: utimesSeconds(node),
      });
    }
    const sent: Promise<void> = this.workers
      .writeFiles({ data, files, owners: this.owners })
      .then(
        (outcomes) => {
          for (const [i, each] of batch.entries()) this.done(each.file, outcomes[i]);
        },
        (error: unknown) => {
          const reason = (error as Error).message;
          for (const each of batch) this.done(each.file, { write: reason });
        },
      )
      .finally(() => this.inFlight.delete(sent));
    this.inFlight.add(sent);
  }

  /** Sends what is queued and waits for every batch. */
  async drain(): Promise<void> {
    this.flush();
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }
}
