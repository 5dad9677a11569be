import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSchedule, firstMidnightAfter, nextRun, nextRuns, scheduledBackupName } from './schedule.ts';

const at = (iso: string) => new Date(iso);

test('presets fire at midnight on the named days', () => {
  const anchor = at('2026-11-26T00:00:00Z');
  assert.deepEqual(nextRuns({ kind: 'weekly' }, anchor, at('2026-11-25T10:00:00Z'), 2), [
    at('2026-11-29T00:00:00Z'),
    at('2026-12-06T00:00:00Z'),
  ]);
  assert.deepEqual(
    nextRun({ kind: 'monthly' }, anchor, at('2026-11-25T10:00:00Z')),
    at('2026-12-01T00:00:00Z'),
  );
  assert.deepEqual(nextRuns({ kind: 'bimonthly' }, anchor, at('2026-11-25T10:00:00Z'), 2), [
    at('2027-01-01T00:00:00Z'),
    at('2027-03-01T00:00:00Z'),
  ]);
  assert.equal(nextRun({ kind: 'never' }, anchor, at('2026-11-25T10:00:00Z')), null);
});

test('every two weeks is a 14-day interval from its anchor, not a cron pattern', () => {
  const anchor = firstMidnightAfter(at('2026-11-25T10:00:00Z'));
  assert.deepEqual(anchor, at('2026-11-26T00:00:00Z'));
  assert.deepEqual(nextRuns({ kind: 'biweekly' }, anchor, at('2026-11-25T10:00:00Z'), 4), [
    at('2026-11-26T00:00:00Z'),
    at('2026-12-10T00:00:00Z'),
    at('2026-12-24T00:00:00Z'),
    // Across the year boundary the interval keeps counting (cron's day-of-month steps would restart).
    at('2027-01-07T00:00:00Z'),
  ]);
  // After downtime, the next run is the next slot after now, not the missed ones.
  assert.deepEqual(
    nextRun({ kind: 'biweekly' }, anchor, at('2027-02-01T12:00:00Z')),
    at('2027-02-04T00:00:00Z'),
  );
});

test('two-weekly runs stay on local midnight across a daylight-saving change', () => {
  const schedule = { kind: 'biweekly', timeZone: 'Europe/Berlin' } as const;
  const anchor = firstMidnightAfter(at('2027-03-10T12:00:00Z'), 'Europe/Berlin');
  assert.deepEqual(anchor, at('2027-03-10T23:00:00Z')); // 00:00 CET
  // Two weeks later Berlin is on summer time: local midnight is 22:00 UTC.
  assert.deepEqual(nextRun(schedule, anchor, anchor), at('2027-03-24T23:00:00Z'));
  assert.deepEqual(nextRun(schedule, anchor, at('2027-03-25T00:00:00Z')), at('2027-04-07T22:00:00Z'));
});

test('custom schedules are checked and name the bad field', () => {
  const custom = { kind: 'custom', month: '*', day: '*', hour: '2', minute: '30' } as const;
  checkSchedule(custom);
  assert.deepEqual(nextRun(custom, new Date(0), at('2026-11-25T10:00:00Z')), at('2026-11-26T02:30:00Z'));
  assert.throws(
    () => checkSchedule({ ...custom, minute: '61' }),
    /invalid custom schedule "61 2 \* \* \*".*minute/,
  );
  assert.throws(
    () => checkSchedule({ kind: 'weekly', timeZone: 'Mars/Olympus' }),
    /unknown time zone "Mars\/Olympus"/,
  );
});

test('scheduled backup names are the prefix and the slot in UTC', () => {
  assert.equal(scheduledBackupName('nightly', at('2026-11-26T00:00:00Z')), 'nightly-20261126000000');
});
