/**
 * What a backup holds when it has no Lifeboat content index (Velero made it): Velero's resource list
 * (`<name>-resource-list.json.gz`: `group/version/Kind` → `namespace/name`), completed with the tarball's
 * entry paths — each object's resource (`deployments`) and stored size, which the list does not give, and any
 * object the list leaves out. The tarball is streamed with every body drained, never held. Neither file has
 * per-object checksums, so these contents say what the backup names, not that its objects are intact.
 *
 * Both files are untrusted: the list is read bounded (`maxResourceListBytes` inflated) and checked entry by
 * entry; the tarball's paths are kept up to the same bound.
 */
import type { Readable } from 'node:stream';
import {
  BackupMetadataError,
  gunzipBounded,
  maxResourceListBytes,
  mebibytes,
  parseItemPath,
  readTarball,
  tarballPaths,
} from '../archive/index.ts';

/** Which file a backup's contents were listed from. */
export type ContentsSource = 'lifeboat-index' | 'velero-resource-list' | 'tarball';

/**
 * One object of a backup. From Lifeboat's index every field is set; from Velero's resource list `resource`
 * and `size` come from the tarball's paths (absent when it has none for the object) and there is no
 * `sha256`; from the tarball's paths alone, `kind` (and `version`, unless a preferred-version folder names
 * it) is empty.
 */
export interface ContentItem {
  group: string;
  version: string;
  kind: string;
  /** The plural resource name (`deployments`), as in the tarball's paths. */
  resource?: string;
  namespace?: string;
  name: string;
  /** Bytes of the object's JSON in the tarball. */
  size?: number;
  /** SHA-256 of the object's JSON: only Lifeboat's index records it. */
  sha256?: string;
}

/** A backup's objects and where they were listed from. */
export interface BackupContents {
  source: ContentsSource;
  items: ContentItem[];
  /** Why the tarball's paths could not complete the list (the list is shown without them). */
  warning?: string;
}

/** One entry of Velero's resource list. */
export interface ResourceListEntry {
  group: string;
  version: string;
  kind: string;
  namespace?: string;
  name: string;
}

const groupPattern = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const versionPattern = /^[a-z0-9]{1,63}$/;
const kindPattern = /^[A-Za-z0-9]{1,253}$/;
/** A namespace or object name as Velero writes them: no `/`, no control characters, at most 253. */
const namePattern = /^[^/\p{Cc}]{1,253}$/u;

/**
 * Decodes `<name>-resource-list.json.gz` (a buffer, or a stream from the location), at most
 * `maxResourceListBytes` once inflated (`ArchiveLimitError` past it). `BackupMetadataError` names the first
 * key or entry that cannot be Velero's. Velero writes `null` for a backup of nothing.
 */
export async function decodeResourceList(
  input: Buffer | Readable,
  file: string,
): Promise<ResourceListEntry[]> {
  const bytes = await gunzipBounded(input, maxResourceListBytes, file);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new BackupMetadataError(`${file} is not JSON: it was cut short or altered`, { file, cause: error });
  }
  if (json === null) return [];
  const malformed = (what: string) =>
    new BackupMetadataError(`${file} is not a Velero resource list: ${what}`, { file });
  if (typeof json !== 'object' || Array.isArray(json)) throw malformed('it is not an object of lists');
  const entries: ResourceListEntry[] = [];
  for (const [key, names] of Object.entries(json as Record<string, unknown>)) {
    const parts = key.split('/');
    const [group, version, kind] = parts.length === 2 ? ['', parts[0], parts[1]] : parts;
    if (
      parts.length < 2 ||
      parts.length > 3 ||
      group === undefined ||
      (group !== '' && !groupPattern.test(group)) ||
      !versionPattern.test(version ?? '') ||
      !kindPattern.test(kind ?? '')
    )
      throw malformed(`${quote(key)} is not an apiVersion/Kind`);
    if (names === null) continue;
    if (!Array.isArray(names)) throw malformed(`${quote(key)} is not a list of names`);
    for (const entry of names) {
      const split = typeof entry === 'string' ? entry.split('/') : [];
      const namespace = split.length === 2 ? split[0] : undefined;
      const name = split.length === 2 ? split[1] : split[0];
      if (
        split.length < 1 ||
        split.length > 2 ||
        !namePattern.test(name ?? '') ||
        (namespace !== undefined && !namePattern.test(namespace))
      )
        throw malformed(
          `${quote(key)} lists ${quote(String(entry))}, which is not a name nor namespace/name`,
        );
      const item: ResourceListEntry = {
        group,
        version: version as string,
        kind: kind as string,
        name: name as string,
      };
      if (namespace !== undefined) item.namespace = namespace;
      entries.push(item);
    }
  }
  return entries;
}

/** An object as the tarball's paths name it. */
export interface PathItem {
  group: string;
  resource: string;
  namespace?: string;
  name: string;
  size: number;
}

/** The objects of a tarball by path (one per object: preferred-version copies folded in). */
export interface TarballPaths {
  items: PathItem[];
  /** `resource.group` → the version its preferred-version folder names. */
  versions: Map<string, string>;
}

/**
 * The objects a tarball's entry paths name, streamed with every body drained (none is held), at most
 * `maxResourceListBytes` of names (then `BackupMetadataError`); reading stops at the tarball's own limits
 * (`readTarball`). Entries that are not object paths (`metadata/version`, anything else) are skipped.
 */
export async function readTarballPaths(source: Readable, file: string): Promise<TarballPaths> {
  const byKey = new Map<string, PathItem>();
  const versions = new Map<string, string>();
  let kept = 0;
  for await (const entry of readTarball(source, { maxEntryBytes: 0, file })) {
    const parts = parseItemPath(entry.name);
    if (!parts) continue;
    const size = 'tooLarge' in entry ? entry.size : entry.data.length;
    const { groupResource, namespace, name, versionDir } = parts;
    if (versionDir?.endsWith(tarballPaths.preferredVersionSuffix))
      versions.set(groupResource, versionDir.slice(0, -tarballPaths.preferredVersionSuffix.length));
    const key = `${groupResource}\n${namespace ?? ''}\n${name}`;
    if (byKey.has(key)) continue;
    kept += key.length;
    if (kept > maxResourceListBytes)
      throw new BackupMetadataError(
        `${file} names more objects than Lifeboat lists (over ${mebibytes(maxResourceListBytes)} of names): its contents are not listed`,
        { file },
      );
    const dot = groupResource.indexOf('.');
    const item: PathItem = {
      group: dot < 0 ? '' : groupResource.slice(dot + 1),
      resource: dot < 0 ? groupResource : groupResource.slice(0, dot),
      name,
      size,
    };
    if (namespace !== undefined) item.namespace = namespace;
    byKey.set(key, item);
  }
  return { items: [...byKey.values()], versions };
}

/**
 * Velero's resource list completed with the tarball's paths: each entry gets its resource and size, and
 * objects only the tarball names are added (kind from the list's other objects of that resource, else
 * empty). A kind's resource is learned from the objects whose group, namespace and name match one path
 * only; a kind never so matched takes the resource that is its lower-case plural (or its lower-case name),
 * when there is one.
 */
export function completeResourceList(list: readonly ResourceListEntry[], paths: TarballPaths): ContentItem[] {
  const objectKey = (group: string, namespace: string | undefined, name: string) =>
    `${group}\n${namespace ?? ''}\n${name}`;
  const byObject = new Map<string, PathItem[]>();
  for (const item of paths.items) {
    const key = objectKey(item.group, item.namespace, item.name);
    const found = byObject.get(key);
    if (found) found.push(item);
    else byObject.set(key, [item]);
  }
  const votes = new Map<string, Map<string, number>>();
  for (const entry of list) {
    const found = byObject.get(objectKey(entry.group, entry.namespace, entry.name));
    if (found?.length !== 1) continue;
    const kindKey = `${entry.group}\n${entry.kind}`;
    const counts = votes.get(kindKey) ?? new Map<string, number>();
    votes.set(kindKey, counts);
    const resource = (found[0] as PathItem).resource;
    counts.set(resource, (counts.get(resource) ?? 0) + 1);
  }
  const resourcesOfGroup = new Map<string, Set<string>>();
  for (const item of paths.items) {
    const set = resourcesOfGroup.get(item.group) ?? new Set<string>();
    resourcesOfGroup.set(item.group, set);
    set.add(item.resource);
  }
  const resourceOf = new Map<string, string | undefined>();
  const kindOf = new Map<string, string>();
  const resolve = (group: string, kind: string): string | undefined => {
    const kindKey = `${group}\n${kind}`;
    if (resourceOf.has(kindKey)) return resourceOf.get(kindKey);
    const counts = [...(votes.get(kindKey) ?? new Map<string, number>()).entries()];
    let resource = counts.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
    if (resource === undefined) {
      const known = resourcesOfGroup.get(group);
      // `Endpoints` is already plural: its resource is `endpoints`.
      resource = [lowerPlural(kind), kind.toLowerCase()].find((name) => known?.has(name));
    }
    resourceOf.set(kindKey, resource);
    if (resource !== undefined && !kindOf.has(`${group}\n${resource}`))
      kindOf.set(`${group}\n${resource}`, kind);
    return resource;
  };
  const matched = new Set<PathItem>();
  const items: ContentItem[] = list.map((entry) => {
    const item: ContentItem = { ...entry };
    const resource = resolve(entry.group, entry.kind);
    if (resource === undefined) return item;
    item.resource = resource;
    const path = byObject
      .get(objectKey(entry.group, entry.namespace, entry.name))
      ?.find((candidate) => candidate.resource === resource);
    if (path) {
      item.size = path.size;
      matched.add(path);
    }
    return item;
  });
  for (const path of paths.items) {
    if (matched.has(path)) continue;
    items.push(pathContentItem(path, paths.versions, kindOf.get(`${path.group}\n${path.resource}`) ?? ''));
  }
  return items;
}

/** The tarball's paths alone as contents: no kinds (unless `kind` is known), versions from preferred folders. */
export function pathContents(paths: TarballPaths): ContentItem[] {
  return paths.items.map((path) => pathContentItem(path, paths.versions, ''));
}

function pathContentItem(path: PathItem, versions: Map<string, string>, kind: string): ContentItem {
  const groupResource = path.group ? `${path.resource}.${path.group}` : path.resource;
  const item: ContentItem = {
    group: path.group,
    version: versions.get(groupResource) ?? '',
    kind,
    resource: path.resource,
    name: path.name,
    size: path.size,
  };
  if (path.namespace !== undefined) item.namespace = path.namespace;
  return item;
}

/** The usual resource name of a kind: `Ingress` → `ingresses`, `NetworkPolicy` → `networkpolicies`. */
export function lowerPlural(kind: string): string {
  const lower = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

/** A string from a file, for a message: JSON-quoted and at most ~80 characters. */
function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
