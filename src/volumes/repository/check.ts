/**
 * `repository check`: every snapshot reads, every tree and chunk it needs is in an index and its pack
 * exists (at least as long as the index says); with `readData`, every pack is read whole: its name is the
 * SHA-256 of its bytes, its own header agrees with the index, and every blob decrypts and hashes to its id.
 */
import { type BlobIndex, loadIndex } from './blob-index.ts';
import type { BlobEntry } from './format.ts';
import { markUsed } from './mark.ts';
import { openBlob, type PackData, readPack, readPackHeader } from './pack.ts';
import { type Repository, repoKeys, type SnapshotEntry } from './repository.ts';
import { TreeLoader } from './tree.ts';

/** Options of `checkRepository`. */
export interface CheckOptions {
  /** Read every pack and verify every blob (downloads the whole repository). */
  readData?: boolean;
  signal?: AbortSignal;
  /** Called after each pack read with `readData`. */
  onProgress?: (progress: { packsRead: number; packs: number }) => void;
}

/** One thing found wrong (an error) or worth knowing (a warning). */
export interface CheckProblem {
  kind:
    | 'index'
    | 'snapshot'
    | 'tree'
    | 'missing-blob'
    | 'missing-pack'
    | 'pack'
    | 'unindexed-pack'
    | 'unused-pack';
  /** The object concerned, relative to the location. */
  key?: string;
  message: string;
}

/** What `checkRepository` found. */
export interface CheckResult {
  /** No error (warnings allowed). */
  ok: boolean;
  snapshots: number;
  trees: number;
  dataBlobs: number;
  packs: number;
  packsRead: number;
  errors: CheckProblem[];
  warnings: CheckProblem[];
}

/** Checks the repository; reports problems in the result, throws only when the store cannot be read. */
export async function checkRepository(repo: Repository, options: CheckOptions = {}): Promise<CheckResult> {
  const errors: CheckProblem[] = [];
  const warnings: CheckProblem[] = [];
  const { index, problems } = await loadIndex(repo, { tolerant: true });
  for (const problem of problems) {
    errors.push({ kind: 'index', key: repoKeys.index(problem.id), message: problem.error.message });
  }
  const stored = new Map<string, number>();
  for await (const info of repo.store.list(repoKeys.dataDir)) stored.set(repoKeys.idOf(info.key), info.size);

  const snapshots: SnapshotEntry[] = [];
  for (const id of await repo.listIds(repoKeys.snapshotsDir)) {
    try {
      snapshots.push({ id, manifest: await repo.loadSnapshot(id) });
    } catch (error) {
      errors.push({ kind: 'snapshot', key: repoKeys.snapshot(id), message: (error as Error).message });
    }
  }
  const marked = await markUsed(snapshots, new TreeLoader(repo, index), options.signal);
  for (const problem of marked.problems) {
    errors.push({
      kind: 'tree',
      key: repoKeys.snapshot(problem.snapshot),
      message: `tree ${problem.tree}: ${problem.error.message}`,
    });
  }
  const complete = marked.problems.length === 0 && !errors.some((error) => error.kind === 'snapshot');
  const neededPacks = new Set<string>();
  for (const id of marked.data) {
    const location = index.get(id);
    if (!location) {
      errors.push({
        kind: 'missing-blob',
        message: `chunk ${id} is needed by a snapshot and no index lists it`,
      });
    } else {
      neededPacks.add(location.pack);
    }
  }
  for (const id of marked.trees) {
    const location = index.get(id);
    if (location) neededPacks.add(location.pack);
  }
  for (const [pack, entries] of index.packs) {
    const size = stored.get(pack);
    const end = entries.reduce((max, entry) => Math.max(max, entry.offset + entry.length), 0);
    if (size === undefined) {
      const problem = {
        key: repoKeys.pack(pack),
        message: `the index lists pack ${pack}, which does not exist`,
      };
      // A pack is only known to be unused when every snapshot and tree was read; otherwise it may hold what
      // an unread tree needs, so its absence is an error.
      if (neededPacks.has(pack)) errors.push({ kind: 'missing-pack', ...problem });
      else if (!complete)
        errors.push({
          kind: 'missing-pack',
          ...problem,
          message: `${problem.message}; some snapshots or trees could not be read, so it may be needed`,
        });
      else warnings.push({ kind: 'unused-pack', ...problem });
    } else if (end + 4 > size) {
      errors.push({
        kind: 'pack',
        key: repoKeys.pack(pack),
        message: `it has ${size} bytes, its index needs ${end + 4}`,
      });
    }
  }
  for (const pack of stored.keys()) {
    if (!index.packs.has(pack)) {
      warnings.push({
        kind: 'unindexed-pack',
        key: repoKeys.pack(pack),
        message: 'no index lists this pack (left by an interrupted backup); prune removes it',
      });
    }
  }
  let packsRead = 0;
  if (options.readData) {
    const packs = [...stored.keys()];
    let next = 0;
    const reader = async () => {
      while (next < packs.length) {
        const pack = packs[next++] as string;
        options.signal?.throwIfAborted();
        errors.push(...(await readAndVerify(repo, index, pack)));
        options.onProgress?.({ packsRead: ++packsRead, packs: packs.length });
      }
    };
    await Promise.all([reader(), reader()]);
  }
  return {
    ok: errors.length === 0,
    snapshots: snapshots.length,
    trees: marked.trees.size,
    dataBlobs: marked.data.size,
    packs: stored.size,
    packsRead,
    errors,
    warnings,
  };
}

/** Reads one pack whole and verifies its name, its header against the index, and every blob. */
async function readAndVerify(repo: Repository, index: BlobIndex, pack: string): Promise<CheckProblem[]> {
  const key = repoKeys.pack(pack);
  const problems: CheckProblem[] = [];
  const fail = (message: string) => problems.push({ kind: 'pack', key, message });
  let data: PackData;
  try {
    data = await readPack(repo, pack);
  } catch (error) {
    fail(`it could not be read: ${(error as Error).message}`);
    return problems;
  }
  if (data.sha256() !== pack)
    fail('its name is not the SHA-256 of its bytes: it was changed after it was written');
  let header: BlobEntry[];
  try {
    header = await readPackHeader(repo, pack, data);
  } catch (error) {
    fail((error as Error).message);
    return problems;
  }
  const listed = new Map(header.map((entry) => [entry.id, entry]));
  for (const entry of index.packs.get(pack) ?? []) {
    const own = listed.get(entry.id);
    if (!own || own.offset !== entry.offset || own.length !== entry.length || own.type !== entry.type) {
      fail(`the index places blob ${entry.id} where the pack's header does not`);
    }
  }
  for (const entry of header) {
    try {
      await openBlob(repo, pack, data, entry);
    } catch (error) {
      fail((error as Error).message);
    }
  }
  return problems;
}
