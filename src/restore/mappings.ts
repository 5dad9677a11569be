/** Checks of a restore request's mappings: valid names, and never two source namespaces into one target. */
import { isObjectName, objectNamePattern } from '../backup/index.ts';
import { RestoreInputError } from './errors.ts';

/** Parses `from → to` mappings of names; a RestoreInputError names the first invalid one. */
export function parseMappings(
  what: string,
  mappings: Record<string, string> | undefined,
): Map<string, string> {
  const map = new Map<string, string>();
  for (const [from, to] of Object.entries(mappings ?? {})) {
    if (!objectNamePattern.test(from) || !isObjectName(to)) {
      throw new RestoreInputError(`invalid ${what} mapping "${from}:${to}": both sides must be valid names`);
    }
    map.set(from, to);
  }
  return map;
}

/** Refuses two source namespaces mapped onto one target: their objects would mix (and clash by name). */
export function checkOneSourcePerTarget(
  sources: Iterable<string>,
  mapping: ReadonlyMap<string, string>,
): void {
  const byTarget = new Map<string, string>();
  for (const source of sources) {
    const target = mapping.get(source) ?? source;
    const other = byTarget.get(target);
    if (other !== undefined && other !== source) {
      const [a, b] = [other, source].sort() as [string, string];
      const mapped = [a, b].filter((ns) => mapping.has(ns));
      const how =
        mapped.length === 2 ? ['both are mapped to it'] : mapped.map((ns) => `${ns} is mapped to it`);
      throw new RestoreInputError(
        `namespaces "${a}" and "${b}" would both be restored into namespace "${target}" (${how.join(', ') || 'mapped'}): map one of them to another namespace, or leave one out with --exclude-namespaces`,
      );
    }
    byTarget.set(target, source);
  }
}
