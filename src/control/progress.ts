import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Saves a job's progress to the database at most every `intervalMs` and at least once per interval. A save
 * that fails (a lost connection) is tried again at the next interval with the latest value, and `stop` tries
 * the last one a few times more: what was not saved is never silently dropped.
 */
export class ProgressSaver<T> {
  private latest: T | undefined;
  private dirty = false;
  private saving: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private readonly save: (value: T) => Promise<void>;
  private readonly onError: (error: unknown) => void;

  constructor(save: (value: T) => Promise<void>, onError: (error: unknown) => void, intervalMs = 250) {
    this.save = save;
    this.onError = onError;
    this.timer = setInterval(() => void this.flush(), intervalMs);
  }

  update(value: T): void {
    this.latest = value;
    this.dirty = true;
  }

  private flush(): Promise<void> {
    if (!this.dirty || this.latest === undefined) return this.saving;
    const value = this.latest;
    this.dirty = false;
    this.saving = this.saving
      .then(() => this.save(value))
      .catch((error: unknown) => {
        // Saved again with the latest value (this one, or a newer one) at the next try.
        this.dirty = true;
        this.onError(error);
      });
    return this.saving;
  }

  /**
   * Stops the timer and writes what is pending, trying a failed write again `retries` times (waiting
   * `delayMs`, doubling); resolves to whether everything was saved.
   */
  async stop(retries = 5, delayMs = 250): Promise<boolean> {
    clearInterval(this.timer);
    for (let attempt = 0; ; attempt++) {
      await this.flush();
      if (!this.dirty) return true;
      if (attempt >= retries) return false;
      await sleep(delayMs * 2 ** attempt);
    }
  }
}

/** Runs `work`, trying again after a failure (a lost database connection) up to `retries` times. */
export async function withRetries<T>(work: () => Promise<T>, retries = 5, delayMs = 250): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= retries) throw error;
      await sleep(delayMs * 2 ** attempt);
    }
  }
}

/** What a view shows of a job's progress: 100% only once it has finished well, at most 99% before. */
export function progressOf(
  finished: boolean,
  itemsDone: number,
  itemsTotal: number,
): { itemsDone: number; itemsTotal: number; percent: number } {
  const percent = finished
    ? 100
    : itemsTotal > 0
      ? Math.min(99, Math.floor((itemsDone / itemsTotal) * 100))
      : 0;
  return { itemsDone, itemsTotal, percent };
}
