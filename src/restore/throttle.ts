/** How often progress is reported while a restore reads or checks its backup. */
export const progressIntervalMs = 100;

/**
 * `report` called at most once per `intervalMs` (the calls between are dropped: a progress report need not
 * hear of every object); a no-op when there is no `report`.
 */
export function throttled<A extends unknown[]>(
  report: ((...args: A) => void) | undefined,
  intervalMs = progressIntervalMs,
): (...args: A) => void {
  if (!report) return () => {};
  let last = 0;
  return (...args: A) => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    report(...args);
  };
}
