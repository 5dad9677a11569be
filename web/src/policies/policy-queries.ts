/** The schedule editor's data: the owner's policy, the project's locations, and a live preview of runs. */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { LocationView, PolicyView, Schedule } from '../../../src/api/types.ts';
import { ApiError, api } from '../api.ts';

export interface PolicyOwner {
  kind: 'cluster' | 'workspace';
  name: string;
}

function projectPath(project: string): string {
  return `/projects/${encodeURIComponent(project)}`;
}

export function policyPath(project: string, owner: PolicyOwner): string {
  return `${projectPath(project)}/${owner.kind}s/${encodeURIComponent(owner.name)}/policy`;
}

export function policyKey(project: string, owner: PolicyOwner) {
  return ['p', project, 'policy', owner.kind, owner.name] as const;
}

/** The owner's policy, or null when it has none yet (the API answers 404). */
export function usePolicy(project: string, owner: PolicyOwner) {
  return useQuery({
    queryKey: policyKey(project, owner),
    queryFn: async () => {
      try {
        return await api<PolicyView>('GET', policyPath(project, owner));
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
  });
}

export function useLocations(project: string) {
  return useQuery({
    queryKey: ['p', project, 'locations'],
    queryFn: () => api<LocationView[]>('GET', `${projectPath(project)}/locations`),
  });
}

/** `value`, once it has stopped changing for `ms`. */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** The next five runs the schedule would have if saved now, asked again ~300 ms after the last change. */
export function useSchedulePreview(schedule: Schedule, timeZone: string) {
  // A string, so an unchanged schedule typed anew does not restart the wait.
  const request = useSettled(JSON.stringify({ schedule, timeZone: timeZone.trim() || 'UTC', count: 5 }), 300);
  return useQuery({
    queryKey: ['schedule-preview', request],
    queryFn: async () =>
      (await api<{ runs: string[] }>('POST', '/schedule-preview', JSON.parse(request))).runs,
    enabled: schedule.kind !== 'never',
    placeholderData: keepPreviousData,
    retry: false,
  });
}
