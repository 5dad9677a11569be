/**
 * What a backup takes, with the meaning of Velero's flags: namespace and resource include/exclude lists
 * (with `*` and glob patterns), and the cluster-scoped choice `auto | always | never`.
 */
import type { ClusterResourcesMode } from '../archive/index.ts';
import { type ApiResource, qualifiedName } from '../kube/index.ts';

/** A glob (`*`, `?`) as a matcher. A pattern without wildcards matches itself only. */
export function globMatcher(pattern: string): (value: string) => boolean {
  if (!/[*?]/.test(pattern)) return (value) => value === pattern;
  const source = pattern
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  const regex = new RegExp(`^${source}$`);
  return (value) => regex.test(value);
}

/** Include/exclude lists over names: included when some include matches and no exclude does. */
export class IncludeExclude {
  private readonly includes: ((value: string) => boolean)[];
  private readonly excludes: ((value: string) => boolean)[];
  /** True when the include list takes everything (empty or `*`). */
  readonly includesAll: boolean;
  readonly hasExcludes: boolean;

  constructor(include: readonly string[], exclude: readonly string[]) {
    this.includesAll = include.length === 0 || include.includes('*');
    this.includes = include.map(globMatcher);
    this.excludes = exclude.map(globMatcher);
    this.hasExcludes = exclude.length > 0;
  }

  /** True if any of `names` (aliases of one thing) is included and none is excluded. */
  matches(...names: string[]): boolean {
    if (names.some((name) => this.excludes.some((exclude) => exclude(name)))) return false;
    return this.includesAll || names.some((name) => this.includes.some((include) => include(name)));
  }
}

/** Every name a user may give a resource by: plural, plural.group, singular, kind, short names. */
export function resourceAliases(resource: ApiResource): string[] {
  const names = [resource.resource, qualifiedName(resource), resource.kind.toLowerCase(), resource.kind];
  if (resource.singular) names.push(resource.singular);
  if (resource.group) names.push(`${resource.kind.toLowerCase()}.${resource.group}`);
  return [...names, ...resource.shortNames];
}

/** The selection a backup runs with, resolved against discovery and the live namespaces. */
export interface BackupSelection {
  /** Namespaces whose objects are taken. */
  namespaces: Set<string>;
  /** True when every namespace is taken (no include list and no exclusions). */
  allNamespaces: boolean;
  /** Namespaced resource types to list. */
  namespaced: ApiResource[];
  /** Cluster-scoped resource types to list whole (never `namespaces`, handled on its own). */
  clusterScoped: ApiResource[];
  /** In `auto` without all namespaces: only cluster-scoped objects related to what is taken. */
  relatedClusterScoped: boolean;
  /** Whether the Namespace objects of the selected namespaces are taken. */
  namespaceObjects: boolean;
}

export interface SelectionInput {
  resources: readonly ApiResource[];
  liveNamespaces: readonly string[];
  includeNamespaces: readonly string[];
  excludeNamespaces: readonly string[];
  includeResources: readonly string[];
  excludeResources: readonly string[];
  clusterResources: ClusterResourcesMode;
}

/** Resolves the user's choices into the lists to take. */
export function resolveSelection(input: SelectionInput): BackupSelection {
  const namespaceFilter = new IncludeExclude(input.includeNamespaces, input.excludeNamespaces);
  const resourceFilter = new IncludeExclude(input.includeResources, input.excludeResources);
  const allNamespaces = namespaceFilter.includesAll && !namespaceFilter.hasExcludes;
  const namespaces = new Set(input.liveNamespaces.filter((ns) => namespaceFilter.matches(ns)));
  const wanted = input.resources.filter((r) => resourceFilter.matches(...resourceAliases(r)));
  const isNamespaceType = (r: ApiResource) => r.group === '' && r.resource === 'namespaces';
  const takeAllClusterScoped =
    input.clusterResources === 'always' || (input.clusterResources === 'auto' && allNamespaces);
  return {
    namespaces,
    allNamespaces,
    namespaced: wanted.filter((r) => r.namespaced),
    clusterScoped: takeAllClusterScoped ? wanted.filter((r) => !r.namespaced && !isNamespaceType(r)) : [],
    relatedClusterScoped: input.clusterResources === 'auto' && !allNamespaces,
    namespaceObjects: wanted.some(isNamespaceType),
  };
}
