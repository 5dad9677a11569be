/**
 * The checks every object of a backup passes before a restore may create it, each failing that one object
 * with a sentence that names its tarball path: the path itself (a valid namespace), its size, its checksum
 * against Lifeboat's content index, its JSON, and its identity — the name, namespace, group, kind and scope
 * its body claims must be those its path gives, since the plan shows what the path says.
 */
import { hash } from 'node:crypto';
import { type ItemPathParts, maxObjectBytes, mebibytes } from '../archive/index.ts';
import { parseLossless } from '../kube/index.ts';
import { asRecord, type KubeJson } from './sanitize.ts';
import type { TypeInfo } from './target.ts';

/** An object of the tarball, by its path. */
export interface ItemRef extends ItemPathParts {
  /** The entry's path in the tarball. */
  path: string;
}

/** What an object's type must be: from the content index, else the target's discovery or the backup's CRDs. */
export interface ExpectedType extends TypeInfo {
  /** The exact apiVersion, when the content index records it. */
  apiVersion?: string;
}

/** Set when a Lifeboat backup is read without its index (a Velero-made one): restored, but unchecked. */
export const noIndexWarning =
  'integrity could not be checked: the backup has no Lifeboat content index (made by Velero?)';

/** Why a backup Lifeboat made cannot be restored or verified without its content index. */
export function missingIndexProblem(backup: string): string {
  return `backup "${backup}" was made by Lifeboat, but its content index (backups/${backup}/lifeboat-index.json.gz) is missing: without it no object's checksum can be checked, so Lifeboat will not restore it — the index was lost or removed by another writer of the bucket; restore from another backup`;
}

const namespacePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function isNamespaceName(name: string): boolean {
  return name.length <= 63 && namespacePattern.test(name);
}

/** A string of the bucket as a message shows it: quoted, escaped, clipped. */
export function quoted(value: unknown, max = 100): string {
  if (typeof value !== 'string') return value === undefined ? 'missing' : kindOfJson(value);
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}...` : value);
}

/** A tarball path as a message shows it (clipped: a pax header may make it megabytes long). */
export function shownPath(path: string): string {
  const clipped = path.length > 300 ? `${path.slice(0, 300)}...` : path;
  return JSON.stringify(clipped).slice(1, -1);
}

function kindOfJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a JSON array';
  return `a JSON ${typeof value}`;
}

/** The API group of a group-resource (`''` for the core group). */
export function groupOf(groupResource: string): string {
  const dot = groupResource.indexOf('.');
  return dot === -1 ? '' : groupResource.slice(dot + 1);
}

/** What is wrong with the path itself, if anything. */
export function pathProblem(ref: ItemRef): string | undefined {
  // Named only when something is wrong: the check runs for every object of a backup.
  const path = () => shownPath(ref.path);
  if (ref.namespace !== undefined && !isNamespaceName(ref.namespace))
    return `${path()} is in namespace ${quoted(ref.namespace)}, which is not a valid namespace name (at most 63 lower-case letters, digits and '-'): not restored`;
  if (ref.groupResource === 'namespaces' && !isNamespaceName(ref.name))
    return `${path()} names namespace ${quoted(ref.name)}, which is not a valid namespace name (at most 63 lower-case letters, digits and '-'): not restored`;
  if (ref.name === '' || ref.name === '.' || ref.name === '..')
    return `${path()} has no valid object name: not restored`;
  return undefined;
}

/** The sentence for an entry over `maxObjectBytes`. */
export function tooLargeProblem(ref: ItemRef, size: number): string {
  return `${shownPath(ref.path)} is ${mebibytes(size)}, over the ${mebibytes(maxObjectBytes)} limit of one object: not restored`;
}

/** What the content index records of an object's stored bytes: their size and SHA-256 (32 raw bytes). */
export interface IndexedBytes {
  size: number;
  digest: Uint8Array;
}

/**
 * Checks stored bytes against the index entry of their path (absent: not in the index). The bytes are
 * hashed only when their size matches, in one call with no Hash object: a restore checks every entry, and
 * each would hold native memory until the garbage collector gets to it.
 */
export function integrityProblem(
  ref: ItemRef,
  data: Buffer,
  entry: IndexedBytes | undefined,
): string | undefined {
  // Named only when something is wrong: the check runs for every object of a backup.
  const path = () => shownPath(ref.path);
  if (!entry)
    return `${path()} is not in the backup's content index: it was added after the backup was made, so it is not restored`;
  if (entry.size !== data.length || !hash('sha256', data, 'buffer').equals(entry.digest))
    return `${path()} does not match its checksum in the backup's content index: it was changed after the backup was made, so it is not restored`;
  return undefined;
}

/** A plain path the tarball holds more than once (each copy after the first is refused, and replaces it). */
export function repeatedPathProblem(ref: ItemRef): string {
  return `${shownPath(ref.path)} is in the backup's tarball more than once: a backup holds each object once, so its copies cannot all be the one the content index vouches for; not restored`;
}

/** Parses an object's bytes; a problem when they are not a JSON object with metadata. */
export function parseObject(ref: ItemRef, raw: Buffer): { object: KubeJson } | { problem: string } {
  // Named only when something is wrong: the check runs for every object of a backup.
  const path = () => shownPath(ref.path);
  let value: unknown;
  try {
    value = parseLossless(raw);
  } catch (error) {
    // The parser's message may quote the bytes: said in our words instead.
    if ((error as Error).name === 'JsonDepthError')
      return {
        problem: `${path()} nests more than ${(error as { limit: number }).limit} levels deep (the most accepted): not restored`,
      };
    return { problem: `${path()} is not valid JSON: not restored` };
  }
  const object = asRecord(value);
  if (!object)
    return { problem: `${path()} holds ${kindOfJson(value)}, not a Kubernetes object: not restored` };
  if (!asRecord(object.metadata)) return { problem: `${path()} has no metadata object: not restored` };
  return { object: object as KubeJson };
}

/** The sentence for an object whose type neither the index, the target nor the backup's CRDs know. */
export function unknownTypeProblem(ref: ItemRef): string {
  return `${shownPath(ref.path)} cannot be checked: the target cluster does not serve ${shownPath(ref.groupResource)} and the backup defines no such custom resource, so it is not restored`;
}

/**
 * Whether the body is the object its path names: metadata.name, metadata.namespace (absent or the path's),
 * the apiVersion's group and — when the type is known — the kind, the version the index records and the scope.
 */
export function identityProblem(
  ref: ItemRef,
  object: KubeJson,
  expected: ExpectedType | undefined,
): string | undefined {
  const found: string[] = [];
  const { name, namespace } = object.metadata;
  if (name !== ref.name) found.push(`metadata.name is ${quoted(name)}, not ${quoted(ref.name)}`);
  if (ref.namespace !== undefined) {
    if (namespace !== undefined && namespace !== ref.namespace)
      found.push(`metadata.namespace is ${quoted(namespace)}, not ${quoted(ref.namespace)}`);
  } else if (namespace !== undefined && namespace !== '') {
    found.push(`metadata.namespace is ${quoted(namespace)} in a cluster-wide path`);
  }
  const group = groupOf(ref.groupResource);
  const apiVersion = object.apiVersion;
  if (typeof apiVersion !== 'string') found.push(`apiVersion is ${quoted(apiVersion)}`);
  else {
    const bodyGroup = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
    if (bodyGroup !== group)
      found.push(`apiVersion ${quoted(apiVersion)} is not of the group ${quoted(group || 'core')}`);
    else if (expected?.apiVersion !== undefined && apiVersion !== expected.apiVersion)
      found.push(
        `apiVersion is ${quoted(apiVersion)}, not ${quoted(expected.apiVersion)} as the content index records`,
      );
  }
  if (expected) {
    const { kind, namespaced } = expected;
    if (object.kind !== kind) found.push(`kind is ${quoted(object.kind)}, not ${quoted(kind)}`);
    if (namespaced && ref.namespace === undefined)
      found.push(`${kind} objects live in namespaces but the path is cluster-wide`);
    if (!namespaced && ref.namespace !== undefined)
      found.push(`${kind} objects are cluster-wide but the path is in namespace ${quoted(ref.namespace)}`);
  }
  if (found.length === 0) return undefined;
  return `${shownPath(ref.path)} is not the object its path names (${found.join('; ')}): not restored`;
}
