/** The schedule form's values, how a saved policy fills them, and the request body they become. */
import type { PolicyInput, PolicyView, Schedule } from '../../../src/api/types.ts';
import { keepVolumeSnapshotsField } from '../backups/KeepVolumeSnapshots.tsx';
import { copyVolumeDataField } from '../components/CopyVolumeData.tsx';
import { expiryChoices } from '../components/choices.ts';
import { userTimeZone } from '../format.ts';

export type ScheduleKind = Schedule['kind'];
export type ClusterResources = PolicyInput['includeClusterResources'];

/** The request path each form field is sent as (a refusal names these): its error clears when it is edited. */
export const requestPathOf: Record<keyof PolicyForm, string> = {
  prefix: 'prefix',
  location: 'location',
  scheduleKind: 'schedule',
  cron: 'schedule',
  timeZone: 'timeZone',
  expiryHours: 'expiryHours',
  includeDisks: 'includeDisks',
  copyVolumeData: 'copyVolumeData',
  keepVolumeSnapshots: 'keepVolumeSnapshots',
  includeClusterResources: 'includeClusterResources',
  namespaces: 'namespaces',
};

export const scheduleOptions: { kind: ScheduleKind; label: string }[] = [
  { kind: 'never', label: 'Never' },
  { kind: 'weekly', label: 'Every week on Sunday at midnight' },
  { kind: 'biweekly', label: 'Every two weeks at midnight' },
  { kind: 'monthly', label: 'Every month on the 1st at midnight' },
  { kind: 'bimonthly', label: 'Every two months on the 1st at midnight' },
  { kind: 'custom', label: 'Custom' },
];

/** The expiries the form offers: the same as a backup's (one list for the concept). */
export const expiryOptions = expiryChoices;

/** Cron fields of a custom schedule, as typed. */
export interface CronFields {
  month: string;
  day: string;
  hour: string;
  minute: string;
}

export interface PolicyForm {
  prefix: string;
  /** Location name; empty until the project's locations are known. */
  location: string;
  scheduleKind: ScheduleKind;
  cron: CronFields;
  timeZone: string;
  expiryHours: number;
  includeDisks: boolean;
  /** Copy the disks' data to the location; null: the location's default when each backup runs. */
  copyVolumeData: boolean | null;
  /** Keep the CSI snapshots beside the copied data; null: the location's default. */
  keepVolumeSnapshots: boolean | null;
  includeClusterResources: ClusterResources;
  /** Empty for all. */
  namespaces: string[];
}

const defaultCron: CronFields = { month: '*', day: '*', hour: '0', minute: '0' };

/** A prefix the API accepts, made from the owner's name: at most 40 characters, not ending in '-'. */
function prefixFor(owner: string): string {
  return owner.slice(0, 40).replace(/-+$/, '');
}

export function newForm(ownerName: string): PolicyForm {
  return {
    prefix: prefixFor(ownerName),
    location: '',
    scheduleKind: 'weekly',
    cron: defaultCron,
    timeZone: userTimeZone,
    expiryHours: 720,
    includeDisks: false,
    copyVolumeData: null,
    keepVolumeSnapshots: null,
    includeClusterResources: 'auto',
    namespaces: [],
  };
}

export function formOf(policy: PolicyView): PolicyForm {
  const { schedule } = policy;
  return {
    prefix: policy.prefix,
    location: policy.location.name,
    scheduleKind: schedule.kind,
    cron:
      schedule.kind === 'custom'
        ? { month: schedule.month, day: schedule.day, hour: schedule.hour, minute: schedule.minute }
        : defaultCron,
    timeZone: policy.timeZone,
    expiryHours: policy.expiryHours,
    includeDisks: policy.includeDisks,
    copyVolumeData: policy.copyVolumeData,
    keepVolumeSnapshots: policy.keepVolumeSnapshots,
    includeClusterResources: policy.includeClusterResources,
    namespaces: policy.namespaces,
  };
}

export function scheduleOf(form: Pick<PolicyForm, 'scheduleKind' | 'cron'>): Schedule {
  if (form.scheduleKind !== 'custom') return { kind: form.scheduleKind };
  const { month, day, hour, minute } = form.cron;
  return { kind: 'custom', month: month.trim(), day: day.trim(), hour: hour.trim(), minute: minute.trim() };
}

export function inputOf(form: PolicyForm): PolicyInput {
  return {
    prefix: form.prefix.trim(),
    location: form.location,
    schedule: scheduleOf(form),
    timeZone: form.timeZone.trim(),
    expiryHours: form.expiryHours,
    includeDisks: form.includeDisks,
    ...copyVolumeDataField(form.includeDisks, form.copyVolumeData),
    ...keepVolumeSnapshotsField(form.includeDisks, form.copyVolumeData, form.keepVolumeSnapshots),
    includeClusterResources: form.includeClusterResources,
    namespaces: form.namespaces,
  };
}
