/**
 * The worker threads of a restore: they write the small whole files (restore-batches.ts) with blocking
 * calls (restore-worker.ts), while the main thread downloads and opens blobs. Measured on the mover
 * benchmark's 2,000 small files: the main thread's time halves. Large blobs stay on the main thread:
 * moving their bytes to a worker (a copy into fresh memory and a message each) cost as much as the
 * decryption and hashing it would have moved.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { FileOutcome, FilesReply, FilesRequest } from './restore-worker.ts';

interface Pending {
  resolve: (outcomes: FileOutcome[]) => void;
  reject: (error: Error) => void;
}

/** A worker and the batches it is writing. */
class WorkerThread {
  readonly worker: Worker;
  readonly pending = new Map<number, Pending>();

  constructor() {
    this.worker = new Worker(new URL('./restore-worker.ts', import.meta.url));
    this.worker.on('message', (reply: FilesReply) => {
      const waiting = this.pending.get(reply.n);
      this.pending.delete(reply.n);
      waiting?.resolve(reply.outcomes);
    });
    const failAll = (error: Error) => {
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    this.worker.on('error', failAll);
    this.worker.on('exit', (code) => failAll(new Error(`the restore's worker thread exited (code ${code})`)));
  }
}

/** The worker threads of one restore. */
export class RestoreWorkers {
  private readonly threads: WorkerThread[];
  private next = 0;

  /** `threads` workers (default: the machine's cores, at least 1, at most 4; 0: none). */
  constructor(threads = Math.min(4, Math.max(1, availableParallelism()))) {
    this.threads = Array.from({ length: threads }, () => new WorkerThread());
  }

  /** Whether there are workers (else the main thread writes every file). */
  get enabled(): boolean {
    return this.threads.length > 0;
  }

  /** Writes whole files on the least busy worker (`data` moved there); the outcome of each. */
  writeFiles(request: Omit<FilesRequest, 'n'>): Promise<FileOutcome[]> {
    let thread = this.threads[this.next++ % this.threads.length] as WorkerThread;
    for (const other of this.threads) if (other.pending.size < thread.pending.size) thread = other;
    const n = this.next;
    return new Promise<FileOutcome[]>((resolve, reject) => {
      thread.pending.set(n, { resolve, reject });
      thread.worker.postMessage({ n, ...request } satisfies FilesRequest, [
        request.data.buffer as ArrayBuffer,
      ]);
    });
  }

  /** Ends the workers (batches still being written fail). */
  async close(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.worker.terminate()));
  }
}
