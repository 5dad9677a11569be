/**
 * The only module that knows how keys in a backup location are named (Velero's layout, DESIGN.md section 3)
 * and how paths inside a backup tarball are built. Everything else asks here.
 */

/** Velero's backup format version, written to `metadata/version` and `status.formatVersion`. */
export const formatVersion = '1.1.0';

/**
 * The top-level folders Lifeboat writes under a location's prefix: Velero's `backups/` and `restores/`, and the
 * volume repository under `plugins/` (a folder Velero reserves and never reads). Velero's location validation
 * refuses any other top-level folder.
 */
export const topLevelDirs = ['backups', 'restores', 'plugins'] as const;

/** The folder holding every backup; its sub-folders are backup names. */
export const backupsDir = 'backups/';

/** Keys of the files of backup `name`. */
export function backupKeys(name: string) {
  const dir = `backups/${name}/`;
  return {
    dir,
    metadata: `${dir}velero-backup.json`,
    tarball: `${dir}${name}.tar.gz`,
    resourceList: `${dir}${name}-resource-list.json.gz`,
    logs: `${dir}${name}-logs.gz`,
    results: `${dir}${name}-results.gz`,
    volumeSnapshots: `${dir}${name}-volumesnapshots.json.gz`,
    /** What happened to each volume (Velero 1.18's volume info: snapshotted with its handle, or skipped). */
    volumeInfo: `${dir}${name}-volumeinfo.json.gz`,
    /** Written by Velero before 1.17 and still read by its restore; Lifeboat writes them too. */
    csiVolumeSnapshots: `${dir}${name}-csi-volumesnapshots.json.gz`,
    csiVolumeSnapshotContents: `${dir}${name}-csi-volumesnapshotcontents.json.gz`,
    csiVolumeSnapshotClasses: `${dir}${name}-csi-volumesnapshotclasses.json.gz`,
    index: `${dir}lifeboat-index.json.gz`,
    /**
     * Lifeboat's claim on the name, created only-if-absent before anything else is written (see
     * backup/claim.ts). Velero does not mind it: its sync finds backups by folder and reads
     * `velero-backup.json` and its restore the files above, each by its own key (pkg/persistence/
     * object_store.go), so other files in the folder are never read; its DeleteBackup lists and deletes
     * everything under the folder, so the claim goes with the backup (docs/velero-format-notes.md §1).
     */
    claim: `${dir}lifeboat-claim.json`,
  };
}

/**
 * Keys of the volume data repository of a location (docs/repository-format.md). It lives under `plugins/`, a
 * top-level folder Velero's layout reserves and never reads, so Velero's location validation (which refuses
 * unknown top-level folders) still passes and its sync ignores it (docs/velero-format-notes.md §1). Ids are
 * 64 lowercase hex digits; packs are spread over 256 folders by their first two.
 */
export function repositoryKeys() {
  const dir = 'plugins/lifeboat/repository/';
  return {
    dir,
    config: `${dir}config`,
    keysDir: `${dir}keys/`,
    key: (id: string) => `${dir}keys/${id}`,
    locksDir: `${dir}locks/`,
    lock: (id: string) => `${dir}locks/${id}`,
    snapshotsDir: `${dir}snapshots/`,
    snapshot: (id: string) => `${dir}snapshots/${id}`,
    indexDir: `${dir}index/`,
    index: (id: string) => `${dir}index/${id}`,
    dataDir: `${dir}data/`,
    pack: (id: string) => `${dir}data/${id.slice(0, 2)}/${id}`,
    /** The id at the end of a key listed under one of the folders above. */
    idOf: (key: string) => key.slice(key.lastIndexOf('/') + 1),
  };
}

/** Keys of the files of restore `name`. */
export function restoreKeys(name: string) {
  const dir = `restores/${name}/`;
  return {
    dir,
    logs: `${dir}restore-${name}-logs.gz`,
    results: `${dir}restore-${name}-results.gz`,
    resourceList: `${dir}restore-${name}-resource-list.json.gz`,
  };
}

/** Inside the tarball. */
export const tarballPaths = {
  version: 'metadata/version',
  resourcesDir: 'resources/',
  preferredVersionSuffix: '-preferredversion',
};

/**
 * Path of an item in the tarball: `resources/<resource>[.<group>]/[<version>-preferredversion/]`
 * `namespaces/<ns>/<name>.json` or `.../cluster/<name>.json`. `version` omitted gives the plain path that
 * Velero's restore reads by default.
 */
export function itemPath(
  groupResource: string,
  namespace: string | undefined,
  name: string,
  preferredVersion?: string,
): string {
  const versionDir = preferredVersion ? `${preferredVersion}${tarballPaths.preferredVersionSuffix}/` : '';
  const scope = namespace ? `namespaces/${namespace}/` : 'cluster/';
  return `${tarballPaths.resourcesDir}${groupResource}/${versionDir}${scope}${name}.json`;
}

/** A parsed item path. */
export interface ItemPathParts {
  groupResource: string;
  /** Set for `<version>-preferredversion` or other version directories. */
  versionDir?: string;
  namespace?: string;
  name: string;
}

/** Parses a tarball path written by `itemPath` (or by Velero); undefined for anything else. */
export function parseItemPath(path: string): ItemPathParts | undefined {
  const clean = path.replace(/^\.\//, '');
  if (!clean.startsWith(tarballPaths.resourcesDir) || !clean.endsWith('.json')) return undefined;
  const parts = clean.slice(tarballPaths.resourcesDir.length, -'.json'.length).split('/');
  const [groupResource, ...rest] = parts;
  if (!groupResource) return undefined;
  let versionDir: string | undefined;
  if (rest[0] !== 'cluster' && rest[0] !== 'namespaces') versionDir = rest.shift();
  if (rest[0] === 'cluster' && rest.length === 2) {
    return { groupResource, ...(versionDir ? { versionDir } : {}), name: rest[1] as string };
  }
  if (rest[0] === 'namespaces' && rest.length === 3) {
    return {
      groupResource,
      ...(versionDir ? { versionDir } : {}),
      namespace: rest[1] as string,
      name: rest[2] as string,
    };
  }
  return undefined;
}

/** Velero's resource-list key: `group/version/Kind`, or `version/Kind` for the core group. */
export function resourceListKey(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}
