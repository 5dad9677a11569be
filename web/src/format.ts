/** Times in the user's time zone, sizes, durations and counts as people read them. */
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatTime(iso: string | null | undefined): string {
  return iso ? dateTime.format(new Date(iso)) : '—';
}

export const userTimeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** "in 3 days", "2 hours ago". */
export function relative(iso: string | null | undefined): string {
  if (!iso) return '';
  const ms = new Date(iso).getTime() - Date.now();
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  const abs = Math.abs(ms);
  if (abs < 3600_000) return format.format(Math.round(ms / 60_000), 'minute');
  if (abs < 86_400_000) return format.format(Math.round(ms / 3600_000), 'hour');
  return format.format(Math.round(ms / 86_400_000), 'day');
}

/**
 * A count and its noun: "1 cluster", "3 clusters", "0 clusters". `nouns` is the plural when it is not the noun
 * and an s ("2 policies"). The console's one way of counting things in words.
 */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}

export function expiryLabel(hours: number): string {
  if (hours % 24 === 0) return plural(hours / 24, 'day');
  return plural(hours, 'hour');
}
