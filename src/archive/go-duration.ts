/** Go's `time.Duration` text, as Velero writes a backup's `ttl` and as flags such as `--expiry` take it. */

/** Go's `time.Duration.String()` for whole seconds, e.g. 720h0m0s — what Velero writes for `ttl`. */
export function goDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/** Parses a Go duration such as `720h`, `90m`, `1h30m0s`, `36h0m0s` into milliseconds. */
export function parseGoDuration(text: string): number {
  const match = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?$/.exec(text.trim());
  if (!match || text.trim() === '' || (!match[1] && !match[2] && !match[3])) {
    throw new Error(
      `"${text}" is not a duration: use hours, minutes and seconds such as 720h, 36h30m or 90m`,
    );
  }
  const [, h = '0', m = '0', s = '0'] = match;
  return Math.round((Number(h) * 3600 + Number(m) * 60 + Number(s)) * 1000);
}
