/** The schedule as the server keeps it: when it last ran and when it runs next. */
import type { PolicyView } from '../../../src/api/types.ts';
import { expiryLabel, formatTime, relative } from '../format.ts';
import { expiryOptions, scheduleOptions } from './policy-form.ts';

function describeSchedule(policy: PolicyView): string {
  const { schedule } = policy;
  if (schedule.kind === 'custom')
    return `Custom (month ${schedule.month}, day ${schedule.day}, hour ${schedule.hour}, minute ${schedule.minute})`;
  return scheduleOptions.find((option) => option.kind === schedule.kind)?.label ?? schedule.kind;
}

/** What the schedule's backups do with disks, and with their data (null: the location's default). */
function describeDisks(policy: PolicyView): string {
  if (!policy.includeDisks) return 'Not included';
  if (policy.copyVolumeData === false) return 'Snapshotted, data not copied';
  const copied =
    policy.copyVolumeData === null
      ? "Snapshotted; data copied if the location's default says so"
      : 'Snapshotted, data copied to the location';
  if (policy.keepVolumeSnapshots === null) return copied;
  return `${copied}; snapshots ${policy.keepVolumeSnapshots ? 'kept beside the copy' : 'deleted once copied'}`;
}

export function SavedPolicy(props: { policy: PolicyView }) {
  const { policy } = props;
  return (
    <section aria-labelledby="saved-schedule-heading" className="field">
      <h3 id="saved-schedule-heading">Saved schedule</h3>
      <div className="grid">
        <div className="stat">
          <div className="label">Runs</div>
          <div className="value">
            {describeSchedule(policy)} <span className="muted">({policy.timeZone})</span>
          </div>
        </div>
        <div className="stat">
          <div className="label">Into</div>
          <div className="value">
            {policy.location.name}, kept{' '}
            {expiryOptions.find((option) => option.hours === policy.expiryHours)?.label ??
              expiryLabel(policy.expiryHours)}
          </div>
        </div>
        <div className="stat">
          <div className="label">Disks</div>
          <div className="value">{describeDisks(policy)}</div>
        </div>
        <div className="stat">
          <div className="label">Last run</div>
          <div className="value">
            {policy.lastRunAt ? `${formatTime(policy.lastRunAt)} (${relative(policy.lastRunAt)})` : 'Not yet'}
          </div>
        </div>
      </div>
      <h4>Upcoming runs</h4>
      {policy.upcomingRuns.length > 0 ? (
        <ol>
          {policy.upcomingRuns.map((run) => (
            <li key={run}>{formatTime(run)}</li>
          ))}
        </ol>
      ) : (
        <p className="muted">None: this schedule never runs on its own.</p>
      )}
    </section>
  );
}
