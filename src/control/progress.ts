/** Saves a job's progress to the database at most every `intervalMs` and at least once per interval. */
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
    this.timer = setInterval(() => this.flush(), intervalMs);
  }

  update(value: T): void {
    this.latest = value;
    this.dirty = true;
  }

  private flush(): Promise<void> {
    if (!this.dirty || this.latest === undefined) return this.saving;
    const value = this.latest;
    this.dirty = false;
    this.saving = this.saving.then(() => this.save(value)).catch(this.onError);
    return this.saving;
  }

  /** Stops the timer and writes what is pending. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
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
