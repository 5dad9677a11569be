/**
 * `verifyBackup`: every object of a backup checked as a restore would check it, without a cluster — each
 * entry's size, path, checksum against Lifeboat's content index, JSON and identity (body against path and
 * index) — plus what the index lists that the tarball lacks. Nothing is written.
 */
import {
  BackupMetadataError,
  backupKeys,
  itemPath,
  maxObjectBytes,
  parseItemPath,
  readTarball,
} from '../archive/index.ts';
import { readBackupDescription } from '../backup/index.ts';
import type { ObjectStore } from '../storage/index.ts';
import { RestoreIndex } from './content-index.ts';
import {
  type ItemRef,
  identityProblem,
  integrityProblem,
  missingIndexProblem,
  noIndexWarning,
  parseObject,
  pathProblem,
  repeatedPathProblem,
  shownPath,
  tooLargeProblem,
} from './object-checks.ts';

/** One thing wrong with a backup: the file or tarball path it concerns, and a sentence. */
export interface VerifyProblem {
  path: string;
  problem: string;
}

/** What `verifyBackup` found. */
export interface BackupVerification {
  backup: string;
  /** Whether the backup has Lifeboat's content index (one Velero made has none: checksums unchecked). */
  indexed: boolean;
  /** Object entries read from the tarball (Lifeboat stores each object at two paths). */
  checkedEntries: number;
  /** Objects the content index lists. */
  indexedObjects: number;
  /** Every problem, up to `maxListedProblems`; `problemCount` counts them all. */
  problems: VerifyProblem[];
  problemCount: number;
  warnings: string[];
}

/** Problems listed at most: a backup tampered with throughout would otherwise list every object. */
export const maxListedProblems = 1000;

/** Checks every object of backup `name` in `store` against its path and its content index. */
export async function verifyBackup(store: ObjectStore, name: string): Promise<BackupVerification> {
  const description = await readBackupDescription(store, name);
  const keys = backupKeys(name);
  const result: BackupVerification = {
    backup: name,
    indexed: false,
    checkedEntries: 0,
    indexedObjects: 0,
    problems: [],
    problemCount: 0,
    warnings: [],
  };
  const report = (path: string, problem: string) => {
    result.problemCount++;
    if (result.problems.length < maxListedProblems) result.problems.push({ path: shownPath(path), problem });
  };
  let index: RestoreIndex | undefined;
  try {
    index = await RestoreIndex.read(store, name);
    if (!index && description.madeByLifeboat) report(keys.index, missingIndexProblem(name));
    else if (!index) result.warnings.push(noIndexWarning);
  } catch (error) {
    if (!(error instanceof BackupMetadataError)) throw error;
    report(keys.index, `${error.message}: no object's checksum could be checked`);
  }
  result.indexed = index !== undefined;
  result.indexedObjects = index?.size ?? 0;

  try {
    for await (const entry of readTarball(await store.get(keys.tarball), {
      maxEntryBytes: maxObjectBytes,
      file: keys.tarball,
      transient: true,
    })) {
      const parts = parseItemPath(entry.name);
      if (!parts) continue;
      result.checkedEntries++;
      const ref: ItemRef = { ...parts, path: entry.name };
      // Looked up once, whatever the entry's size: the index then knows this path was seen (and taken).
      const found = index?.find(ref.groupResource, ref.namespace, ref.name, !ref.versionDir);
      const problem =
        'tooLarge' in entry
          ? tooLargeProblem(ref, entry.size)
          : checkEntry(ref, entry.data, index !== undefined, found);
      if (problem) report(entry.name, problem);
    }
  } catch (error) {
    // A tarball that cannot be read to its end (corrupt, a bomb) is a problem of the backup; the store's
    // own failures are not, and are thrown.
    if (!(error instanceof BackupMetadataError)) throw error;
    report(keys.tarball, `${error.message}; the objects after that point were not checked`);
    return result;
  }
  for (const entry of index?.unseen() ?? []) {
    const path = itemPath(entry.groupResource, entry.namespace, entry.name);
    report(
      path,
      `${shownPath(path)} is listed in the backup's content index but missing from the tarball: it was removed after the backup was made`,
    );
  }
  return result;
}

/** The first problem of one entry within the size limit, if any (`found`: its index entry, when indexed). */
function checkEntry(
  ref: ItemRef,
  data: Buffer,
  indexed: boolean,
  found: ReturnType<RestoreIndex['find']>,
): string | undefined {
  const problem =
    pathProblem(ref) ??
    (!ref.versionDir && found?.taken
      ? repeatedPathProblem(ref)
      : indexed
        ? integrityProblem(ref, data, found?.entry)
        : undefined);
  if (problem) return problem;
  const parsed = parseObject(ref, data);
  if ('problem' in parsed) return parsed.problem;
  // The entry was found by the path's namespace: the scope it records is the path's.
  const expected = found && {
    kind: found.entry.kind,
    apiVersion: found.entry.apiVersion,
    namespaced: ref.namespace !== undefined,
  };
  return identityProblem(ref, parsed.object, expected);
}
