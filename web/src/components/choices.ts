/**
 * Choices several forms offer, defined once so each concept reads the same in every form: what
 * "Auto" means for cluster-scoped resources, and how long a backup is kept (its expiry).
 */
import type { BackupInput } from '../../../src/api/types.ts';

export type ClusterResources = NonNullable<BackupInput['includeClusterResources']>;

/** The cluster-resources modes, as every form names them (the CLI's `auto`, `always`, `never`). */
export const clusterResourceChoices: { value: ClusterResources; label: string; meaning: string }[] = [
  {
    value: 'auto',
    label: 'Auto',
    meaning: 'all when every namespace is backed up, else only those the namespaces use',
  },
  {
    value: 'always',
    label: 'Always',
    meaning: 'every cluster-scoped object (CRDs, cluster roles, storage classes…)',
  },
  { value: 'never', label: 'Never', meaning: 'namespaced objects only' },
];

/** "Auto — all when every namespace is backed up, …": a choice with its meaning. */
export function clusterResourcesOption(choice: { label: string; meaning: string }): string {
  return `${choice.label} — ${choice.meaning}`;
}

/**
 * The hint under a select of the modes: what the chosen one means (the select shows the short labels, so
 * the choice is never cut off in a narrow form).
 */
export function clusterResourcesHint(value: string): string {
  const choice = clusterResourceChoices.find((entry) => entry.value === value);
  return choice ? clusterResourcesOption(choice) : '';
}

/** How a mode reads where it is shown, not chosen (a backup's page, a saved schedule). */
export function clusterResourcesLabel(value: string): string {
  return clusterResourceChoices.find((choice) => choice.value === value)?.label ?? value;
}

/** The expiries forms offer (the API's `expiryHours`; the CLI's `--expiry`). */
export const expiryChoices: { hours: number; label: string }[] = [
  { hours: 24, label: '1 day' },
  { hours: 24 * 7, label: '7 days' },
  { hours: 24 * 30, label: '30 days' },
  { hours: 24 * 90, label: '90 days' },
  { hours: 24 * 365, label: '1 year' },
];
