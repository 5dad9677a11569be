/** What a person picks in the restore wizard, and the request body it becomes. */
import type { BackupView } from '../../../src/api/types.ts';
import type { RestoreRequest } from './restore-queries.ts';

export type ExistingResourcePolicy = 'none' | 'update';

/** Where claims' data may come from (the API's `volumeSource`). */
export type VolumeSource = NonNullable<RestoreRequest['volumeSource']>;

/** The volume sources as the wizard offers them: a label and a one-line hint each. */
export const volumeSources: readonly { value: VolumeSource; label: string; hint: string }[] = [
  {
    value: 'auto',
    label: 'Auto',
    hint: 'The CSI snapshot the backup kept where the target cluster can use it, else the copy in the backup location.',
  },
  {
    value: 'snapshot',
    label: 'Kept snapshots only',
    hint: 'Never a copy: a claim whose snapshot the target cannot use fails, named, rather than being filled from its copy.',
  },
  {
    value: 'copy',
    label: 'Copies only',
    hint: 'The copies in the backup location, even where a snapshot is usable (tests the copies, spares the storage); a claim with no copy fails.',
  },
];

export interface RestoreChoice {
  targetCluster: string;
  /** Empty: the server names it `<backup>-<timestamp>`. */
  name: string;
  /** Empty: every namespace of the backup. */
  includeNamespaces: string[];
  /** Source namespace → target namespace; empty or identical values restore under the same name. */
  namespaceMappings: Record<string, string>;
  /** Rows as typed, including half-filled ones (they are left out of the request). */
  storageClassMappings: { from: string; to: string }[];
  existingResourcePolicy: ExistingResourcePolicy;
  volumeSource: VolumeSource;
}

export function initialChoice(backup: BackupView): RestoreChoice {
  return {
    targetCluster: backup.cluster.name ?? '',
    name: '',
    includeNamespaces: [],
    namespaceMappings: {},
    storageClassMappings: [],
    existingResourcePolicy: 'none',
    volumeSource: 'auto',
  };
}

/** How the console names a volume source (its label in the wizard). */
export function volumeSourceLabel(value: VolumeSource): string {
  return volumeSources.find((source) => source.value === value)?.label ?? value;
}

/**
 * Whether the backup may hold claims' data (CSI snapshots or copies): only then does the wizard offer the
 * volume source. A backup sync found with Velero's `snapshotVolumes` unset may have snapshots too.
 */
export function hasVolumes(backup: BackupView): boolean {
  return (
    backup.options.includeDisks ||
    backup.options.includeDisksSource === 'velero-unset' ||
    backup.volumeCopies.length > 0
  );
}

/** Only the mappings that change something: a mapping to the same name or to nothing is no mapping. */
function realMappings(pairs: [string, string][]): Record<string, string> {
  const mappings: Record<string, string> = {};
  for (const [from, to] of pairs) {
    const source = from.trim();
    const target = to.trim();
    if (source && target && source !== target) mappings[source] = target;
  }
  return mappings;
}

/** The body of POST /restores/plan and POST /restores, the same for both so the plan is what runs. */
export function requestOf(backup: BackupView, choice: RestoreChoice): RestoreRequest {
  const namespaceMappings = realMappings(Object.entries(choice.namespaceMappings));
  const storageClassMappings = realMappings(choice.storageClassMappings.map((row) => [row.from, row.to]));
  return {
    // By id: another location (or another cluster's policy) may hold a backup of the same name.
    backup: backup.id,
    targetCluster: choice.targetCluster,
    ...(choice.name.trim() ? { name: choice.name.trim() } : {}),
    ...(choice.includeNamespaces.length > 0 ? { includeNamespaces: choice.includeNamespaces } : {}),
    ...(Object.keys(namespaceMappings).length > 0 ? { namespaceMappings } : {}),
    ...(Object.keys(storageClassMappings).length > 0 ? { storageClassMappings } : {}),
    existingResourcePolicy: choice.existingResourcePolicy,
    // Auto is the server's default: left out, as a backup without volumes leaves it.
    ...(choice.volumeSource !== 'auto' && hasVolumes(backup) ? { volumeSource: choice.volumeSource } : {}),
  };
}

/** Storage class rows with only one side filled: they would be silently dropped, so they are pointed out. */
export function halfFilledMappings(choice: RestoreChoice): number[] {
  return choice.storageClassMappings.flatMap((row, index) =>
    Boolean(row.from.trim()) === Boolean(row.to.trim()) ? [] : [index],
  );
}
