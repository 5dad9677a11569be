/** What a person picks in the restore wizard, and the request body it becomes. */
import type { BackupView } from '../../../src/api/types.ts';
import type { RestoreRequest } from './restore-queries.ts';

export type ExistingResourcePolicy = 'none' | 'update';

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
}

export function initialChoice(backup: BackupView): RestoreChoice {
  return {
    targetCluster: backup.cluster.name ?? '',
    name: '',
    includeNamespaces: [],
    namespaceMappings: {},
    storageClassMappings: [],
    existingResourcePolicy: 'none',
  };
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
  };
}

/** Storage class rows with only one side filled: they would be silently dropped, so they are pointed out. */
export function halfFilledMappings(choice: RestoreChoice): number[] {
  return choice.storageClassMappings.flatMap((row, index) =>
    Boolean(row.from.trim()) === Boolean(row.to.trim()) ? [] : [index],
  );
}
