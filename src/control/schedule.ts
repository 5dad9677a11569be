/**
 * When a backup policy runs. Presets and custom schedules are cron patterns (croner) in the policy's time
 * zone; "every two weeks" is not expressible in cron, so it is an interval of 14 days anchored at the first
 * midnight after the policy was saved, landing on local midnight across daylight-saving changes.
 */
import { Cron } from 'croner';
import type { Schedule } from '../db/index.ts';
import { InputError } from './errors.ts';

const dayMs = 24 * 3600 * 1000;
const presets: Record<Exclude<Schedule['kind'], 'never' | 'biweekly' | 'custom'>, string> = {
  weekly: '0 0 * * 0',
  monthly: '0 0 1 * *',
  bimonthly: '0 0 1 */2 *',
};

/** A schedule and the zone its times are in. */
export type ZonedSchedule = Schedule & { timeZone?: string };

function cron(pattern: string, timeZone: string): Cron {
  return new Cron(pattern, { timezone: timeZone, paused: true });
}

function zoneOf(schedule: ZonedSchedule): string {
  return schedule.timeZone ?? 'UTC';
}

/** The cron pattern of a schedule (none for `never` and `biweekly`). */
export function cronPattern(schedule: Schedule): string | undefined {
  switch (schedule.kind) {
    case 'never':
    case 'biweekly':
      return undefined;
    case 'custom':
      return `${schedule.minute} ${schedule.hour} ${schedule.day} ${schedule.month} *`;
    default:
      return presets[schedule.kind];
  }
}

/** Throws `InputError` naming the field when a schedule cannot run. */
export function checkSchedule(schedule: ZonedSchedule): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zoneOf(schedule) });
  } catch {
    throw new InputError(`unknown time zone "${schedule.timeZone}": use an IANA name such as Europe/Berlin`, [
      { path: 'schedule.timeZone', message: 'unknown time zone' },
    ]);
  }
  const pattern = cronPattern(schedule);
  if (!pattern) return;
  try {
    const next = cron(pattern, zoneOf(schedule)).nextRun(new Date());
    if (!next) throw new Error('it never fires');
  } catch (error) {
    throw new InputError(
      `invalid custom schedule "${pattern}" (minute hour day month): ${(error as Error).message.replace(/^CronPattern: /, '')}`,
      [{ path: 'schedule', message: (error as Error).message }],
    );
  }
}

/** The first local midnight strictly after `after` — the anchor of an interval schedule saved then. */
export function firstMidnightAfter(after: Date, timeZone = 'UTC'): Date {
  const next = cron('0 0 * * *', timeZone).nextRun(after);
  if (!next) throw new Error('no midnight after the given time');
  return next;
}

/** The next run strictly after `after`, or null when the schedule never runs. */
export function nextRun(schedule: ZonedSchedule, anchor: Date, after: Date): Date | null {
  const zone = zoneOf(schedule);
  if (schedule.kind === 'never') return null;
  if (schedule.kind === 'biweekly') {
    if (after < anchor) return anchor;
    const period = 14 * dayMs;
    let slot = Math.floor((after.getTime() - anchor.getTime()) / period) + 1;
    for (;;) {
      // Local midnight nearest to anchor + n×14 days (the UTC offset may have moved by an hour or two).
      const approx = new Date(anchor.getTime() + slot * period - 12 * 3600 * 1000);
      const candidate = cron('0 0 * * *', zone).nextRun(approx);
      if (candidate && candidate > after) return candidate;
      slot += 1;
    }
  }
  const pattern = cronPattern(schedule);
  return pattern ? cron(pattern, zone).nextRun(after) : null;
}

/** The next `count` runs after `after`. */
export function nextRuns(schedule: ZonedSchedule, anchor: Date, after: Date, count: number): Date[] {
  const runs: Date[] = [];
  let from = after;
  for (let i = 0; i < count; i++) {
    const next = nextRun(schedule, anchor, from);
    if (!next) break;
    runs.push(next);
    from = next;
  }
  return runs;
}

/** `prefix-YYYYMMDDhhmmss` (UTC) of a scheduled slot: the same for every replica that computes it. */
export function scheduledBackupName(prefix: string, slot: Date): string {
  const stamp = slot.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${prefix}-${stamp}`;
}
