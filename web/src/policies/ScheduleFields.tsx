/** When backups run: a preset or cron fields, the time zone they are read in, and the next runs it gives. */
import { Field } from '../components/ui.tsx';
import { formatTime, userTimeZone } from '../format.ts';
import {
  type CronFields,
  type PolicyForm,
  type ScheduleKind,
  scheduleOf,
  scheduleOptions,
} from './policy-form.ts';
import { useSchedulePreview } from './policy-queries.ts';

const timeZones = Intl.supportedValuesOf('timeZone');

const cronFields: { key: keyof CronFields; label: string; placeholder: string }[] = [
  { key: 'month', label: 'Month', placeholder: '*' },
  { key: 'day', label: 'Day', placeholder: '*' },
  { key: 'hour', label: 'Hour', placeholder: '0' },
  { key: 'minute', label: 'Minute', placeholder: '0' },
];

export function ScheduleFields(props: {
  form: PolicyForm;
  set: (change: Partial<PolicyForm>) => void;
  /** The message of exactly this request field, if the server refused it. */
  issue: (path: string) => string | undefined;
}) {
  const { form, set, issue } = props;
  return (
    <>
      <div className="row">
        <Field label="Schedule" error={issue('schedule') ?? issue('schedule.kind')}>
          {(id) => (
            <select
              id={id}
              value={form.scheduleKind}
              onChange={(e) => set({ scheduleKind: e.target.value as ScheduleKind })}
            >
              {scheduleOptions.map((option) => (
                <option key={option.kind} value={option.kind}>
                  {option.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Time zone"
          error={issue('timeZone') ?? issue('schedule.timeZone')}
          hint={`Midnight and custom hours are read in this zone. Yours is ${userTimeZone}.`}
        >
          {(id) => (
            <>
              <input
                id={id}
                list={`${id}-zones`}
                value={form.timeZone}
                onChange={(e) => set({ timeZone: e.target.value })}
                autoComplete="off"
              />
              <datalist id={`${id}-zones`}>
                {timeZones.map((zone) => (
                  <option key={zone} value={zone} />
                ))}
              </datalist>
            </>
          )}
        </Field>
      </div>
      {form.scheduleKind === 'custom' ? (
        <fieldset className="field">
          <legend>Cron fields</legend>
          <div className="row">
            {cronFields.map((field) => (
              <Field key={field.key} label={field.label} error={issue(`schedule.${field.key}`)}>
                {(id) => (
                  <input
                    id={id}
                    value={form.cron[field.key]}
                    placeholder={field.placeholder}
                    onChange={(e) => set({ cron: { ...form.cron, [field.key]: e.target.value } })}
                    autoComplete="off"
                  />
                )}
              </Field>
            ))}
          </div>
          <div className="hint">
            Cron fields: <code>*</code> is every value, <code>1-5</code> a range, <code>*/2</code> every
            second one, <code>1,15</code> a list. Month 1–12, Day 1–31, Hour 0–23, Minute 0–59. The defaults (
            <code>* * 0 0</code>) run every day at midnight; Day <code>1,15</code> Hour <code>2</code> Minute{' '}
            <code>30</code> runs at 02:30 on the 1st and the 15th.
          </div>
        </fieldset>
      ) : null}
      <NextRuns form={form} />
    </>
  );
}

function NextRuns(props: { form: PolicyForm }) {
  const { form } = props;
  const preview = useSchedulePreview(scheduleOf(form), form.timeZone);
  return (
    <section aria-labelledby="next-runs-heading" className="field">
      <h3 id="next-runs-heading">Next runs</h3>
      {form.scheduleKind === 'never' ? (
        <p className="muted">None: with Never, backups are only made by hand (Backups tab).</p>
      ) : preview.error ? (
        <div className="field-error" role="alert">
          This schedule cannot run: {preview.error.message}
        </div>
      ) : preview.data ? (
        <ol aria-busy={preview.isFetching}>
          {preview.data.map((run) => (
            <li key={run}>{formatTime(run)}</li>
          ))}
        </ol>
      ) : (
        <p className="loading">Working out the next runs…</p>
      )}
      {form.scheduleKind === 'biweekly' ? (
        <p className="muted">
          Every two weeks is a fixed 14-day interval counted from the first midnight after saving (in the time
          zone above), so its weekday is that midnight's, not always a Sunday. Saving again without changing
          the schedule keeps its days.
        </p>
      ) : null}
      {form.scheduleKind !== 'never' ? (
        <p className="muted">Times are shown in your time zone ({userTimeZone}).</p>
      ) : null}
    </section>
  );
}
