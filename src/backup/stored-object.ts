/**
 * One object of a backup, read back from its tarball for a person to look at: found by the identity its
 * tarball path gives (group, resource, namespace, name), read bounded like every entry (`maxObjectBytes`,
 * the tarball's own inflated limit), parsed without losing a number, and checked against Lifeboat's content
 * index where the backup has one. The tarball is streamed until the object's entry and no further.
 *
 * The bucket is untrusted: an entry that is not a JSON object with metadata, or whose body names another
 * object than its path, is refused with a sentence (`BackupMetadataError`). A checksum that differs is not
 * refused — the point of looking may be to see what changed — but `integrity` says so.
 */
import { createHash } from 'node:crypto';
import {
  BackupMetadataError,
  backupKeys,
  decodeIndex,
  type IndexEntry,
  itemPath,
  maxObjectBytes,
  mebibytes,
  parseItemPath,
  readTarball,
  tarballPaths,
} from '../archive/index.ts';
import { parseLossless } from '../kube/index.ts';
import type { ObjectStore } from '../storage/index.ts';
import { readIfPresent } from './catalog.ts';
import { BackupNotFoundError } from './errors.ts';

/** Which object of a backup: the parts of its tarball path. */
export interface StoredObjectRef {
  /** The API group, `''` for the core group. */
  group: string;
  /** The plural resource name (`deployments`), as in the tarball's paths. */
  resource: string;
  /** Absent for a cluster-scoped object. */
  namespace?: string;
  name: string;
}

/**
 * How far the object's bytes are vouched for: `verified` (they match the content index's SHA-256 and size),
 * `differs` (they do not: changed after the backup was made), `not-indexed` (the index does not list the
 * object: added after), `no-index` (the backup has no Lifeboat index, as Velero's: nothing to check against).
 */
export type StoredObjectIntegrity = 'verified' | 'differs' | 'not-indexed' | 'no-index';

/** An object as the backup stores it. */
export interface StoredObject {
  /** The tarball entry it was read from. */
  path: string;
  /** Its JSON, numbers kept as written (`JSON.stringify` gives them back unchanged). */
  object: Record<string, unknown>;
  /** Bytes of its JSON in the tarball. */
  size: number;
  integrity: StoredObjectIntegrity;
}

const groupPattern = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const resourcePattern = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
/** A namespace or object name as a tarball path holds it: no `/`, no control characters, at most 253. */
const namePattern = /^[^/\p{Cc}]{1,253}$/u;

/** What is wrong with a reference (as a sentence), or undefined when it can name a tarball path. */
export function storedObjectRefProblem(ref: StoredObjectRef): string | undefined {
  if (ref.group !== '' && !groupPattern.test(ref.group))
    return `${JSON.stringify(ref.group.slice(0, 80))} is not an API group: give the group as in the backup's contents ('' for the core group)`;
  if (!resourcePattern.test(ref.resource))
    return `${JSON.stringify(ref.resource.slice(0, 80))} is not a resource name: give the plural resource (deployments)`;
  for (const [what, value] of [
    ['namespace', ref.namespace],
    ['name', ref.name],
  ] as const)
    if (value !== undefined && (!namePattern.test(value) || value === '.' || value === '..'))
      return `${JSON.stringify(value.slice(0, 80))} is not a valid ${what}: at most 253 characters, without '/'`;
  return undefined;
}

/** `deployments.apps`, or `pods` for the core group: how tarball paths name a resource. */
export function groupResourceOf(ref: Pick<StoredObjectRef, 'group' | 'resource'>): string {
  return ref.group ? `${ref.resource}.${ref.group}` : ref.resource;
}

/**
 * The object `ref` names in backup `backup`, or undefined when its tarball has no such object (from its
 * plain path, or its preferred-version copy). `BackupNotFoundError` when the backup has no tarball;
 * `BackupMetadataError` (or `ArchiveLimitError`) when the tarball, the entry or the index cannot be read
 * as Lifeboat writes them.
 */
export async function readStoredObject(
  store: ObjectStore,
  backup: string,
  ref: StoredObjectRef,
): Promise<StoredObject | undefined> {
  const problem = storedObjectRefProblem(ref);
  if (problem) throw new BackupMetadataError(problem);
  const keys = backupKeys(backup);
  const groupResource = groupResourceOf(ref);
  const wanted = itemPath(groupResource, ref.namespace, ref.name);
  // The index (when there is one) is read while the tarball streams: both are bounded reads.
  // Once the index has failed the answer, the tarball is not read on for nothing.
  let indexFailed = false;
  const [entry, indexEntry] = await Promise.all([
    readIfPresent(store, keys.tarball, async (stream) => {
      for await (const found of readTarball(stream, { maxEntryBytes: maxObjectBytes, file: keys.tarball })) {
        if (indexFailed) return null;
        const parts = parseItemPath(found.name);
        if (
          !parts ||
          parts.groupResource !== groupResource ||
          parts.namespace !== ref.namespace ||
          parts.name !== ref.name ||
          // Other version folders (Velero's EnableAPIGroupVersions) hold the object in another version.
          (parts.versionDir !== undefined && !parts.versionDir.endsWith(tarballPaths.preferredVersionSuffix))
        )
          continue;
        if ('tooLarge' in found)
          throw new BackupMetadataError(
            `${shown(found.name)} is ${mebibytes(found.size)}, over the ${mebibytes(maxObjectBytes)} limit of one object: Lifeboat never writes one that large, so it is not shown`,
            { file: keys.tarball },
          );
        return found;
      }
      return null;
    }),
    readIfPresent(store, keys.index, async (stream) => {
      const index = await decodeIndex(stream, { file: keys.index, backup }).catch((error: unknown) => {
        indexFailed = true;
        throw error;
      });
      return (
        index.items.find(
          (item) =>
            item.group === ref.group &&
            item.resource === ref.resource &&
            item.namespace === ref.namespace &&
            item.name === ref.name,
        ) ?? null
      );
    }),
  ]);
  if (entry === undefined) throw new BackupNotFoundError(backup, `${store.description} (it has no tarball)`);
  if (entry === null) return undefined;
  const object = parseStored(entry.name, entry.data, ref);
  return {
    path: entry.name || wanted,
    object,
    size: entry.data.length,
    integrity: integrityOf(entry.data, indexEntry),
  };
}

function integrityOf(data: Buffer, entry: IndexEntry | null | undefined): StoredObjectIntegrity {
  if (entry === undefined) return 'no-index';
  if (entry === null) return 'not-indexed';
  const sha256 = createHash('sha256').update(data).digest('hex');
  return entry.sha256 === sha256 && entry.size === data.length ? 'verified' : 'differs';
}

/** The entry's JSON, once it is an object with metadata that names the object its path names. */
function parseStored(path: string, data: Buffer, ref: StoredObjectRef): Record<string, unknown> {
  const refuse = (what: string) =>
    new BackupMetadataError(`${shown(path)} ${what}: it was altered, so it is not shown`);
  let value: unknown;
  try {
    value = parseLossless(data);
  } catch (error) {
    // The parser's message may quote the bytes: said in our words instead.
    if ((error as Error).name === 'JsonDepthError') throw refuse('nests deeper than Lifeboat reads');
    throw refuse('is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw refuse('is not a JSON object');
  const object = value as Record<string, unknown>;
  const metadata = object.metadata as { name?: unknown; namespace?: unknown } | undefined;
  if (typeof metadata !== 'object' || metadata === null) throw refuse('has no metadata');
  const namespace = metadata.namespace === '' ? undefined : metadata.namespace;
  if (metadata.name !== ref.name || (namespace !== undefined && namespace !== ref.namespace))
    throw refuse('names another object than its path');
  const apiVersion = object.apiVersion;
  const group =
    typeof apiVersion === 'string' && apiVersion.includes('/')
      ? apiVersion.slice(0, apiVersion.lastIndexOf('/'))
      : '';
  if (typeof apiVersion !== 'string' || group !== ref.group)
    throw refuse(`has an apiVersion that is not of the group ${JSON.stringify(ref.group || 'core')}`);
  return object;
}

/** A tarball path as a message shows it (clipped: a pax header may make it megabytes long). */
function shown(path: string): string {
  return JSON.stringify(path.length > 300 ? `${path.slice(0, 300)}…` : path);
}
