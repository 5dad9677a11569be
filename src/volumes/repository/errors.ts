/** Errors of the volume repository. Callers branch on the class and its fields, never on message text. */

/** The location holds no repository yet (no `config`), or holds no key to open it. */
export class RepositoryNotFoundError extends Error {
  override readonly name = 'RepositoryNotFoundError';
  readonly location: string;
  constructor(location: string) {
    super(
      `no volume repository in ${location}: create it first (the first data-mover backup to this location does)`,
    );
    this.location = location;
  }
}

/** No key file of the repository opens with the secret given. */
export class WrongSecretError extends Error {
  override readonly name = 'WrongSecretError';
  readonly location: string;
  /** How many key files were tried. */
  readonly keysTried: number;
  constructor(location: string, keysTried: number) {
    super(
      `the repository secret does not open the volume repository in ${location} (${keysTried} key file(s) tried): ` +
        'give the secret this location was created with (the control plane keeps it in its vault)',
    );
    this.location = location;
    this.keysTried = keysTried;
  }
}

/**
 * Something read from the bucket is not what the repository wrote: a blob whose authentication tag or id
 * does not match, a file whose name is not the hash of its bytes, a pack or index that does not parse. The
 * data was damaged or tampered with; `repository check --read-data` lists every such object.
 */
export class IntegrityError extends Error {
  override readonly name = 'IntegrityError';
  /** The object key (relative to the location) where the damage was found. */
  readonly key: string;
  constructor(key: string, problem: string, options?: { cause?: unknown }) {
    super(`${key} in the volume repository is damaged or was tampered with: ${problem}`, options);
    this.key = key;
  }
}

/** The repository's format version is newer than this Lifeboat knows: upgrade Lifeboat to read it. */
export class UnsupportedVersionError extends Error {
  override readonly name = 'UnsupportedVersionError';
  readonly version: number;
  constructor(what: string, version: number, supported: number) {
    super(
      `${what} has format version ${version}; this Lifeboat reads version ${supported}: upgrade Lifeboat`,
    );
    this.version = version;
  }
}

/**
 * Another process holds a lock that conflicts (a prune while backups run, or backups while a prune runs).
 * Retryable: try again once it is done, or once its lock is stale (`staleAfterMs` after its last refresh).
 */
export class RepositoryLockedError extends Error {
  override readonly name = 'RepositoryLockedError';
  readonly retryable = true;
  /** Who holds the conflicting locks (host and pid as they recorded them). */
  readonly holders: readonly string[];
  constructor(wanted: 'shared' | 'exclusive', holders: readonly string[]) {
    super(
      `the volume repository is locked by ${holders.join(', ')}: ` +
        (wanted === 'exclusive'
          ? 'a prune needs it to itself; run it again when the backups have finished'
          : 'a prune is running; run the backup again when it has finished'),
    );
    this.holders = holders;
  }
}

/**
 * This process could not refresh its lock in time, so a prune may have started meanwhile: the operation
 * stopped before writing anything that could refer to data the prune removed. Retryable.
 */
export class LockLostError extends Error {
  override readonly name = 'LockLostError';
  readonly retryable = true;
  constructor(options?: { cause?: unknown }) {
    super(
      'the volume repository lock could not be refreshed in time (the store was unreachable or the process was paused); ' +
        'nothing was committed: run the backup again',
      options,
    );
  }
}

/** No snapshot with that id (or id prefix) in the repository. */
export class SnapshotNotFoundError extends Error {
  override readonly name = 'SnapshotNotFoundError';
  readonly snapshotId: string;
  constructor(snapshotId: string, problem = 'no such snapshot') {
    super(`volume snapshot "${snapshotId}": ${problem}; list the snapshots of the repository to find it`);
    this.snapshotId = snapshotId;
  }
}

/** A restore target that cannot be written as asked (not empty, not a directory). */
export class RestoreTargetError extends Error {
  override readonly name = 'RestoreTargetError';
  readonly path: string;
  constructor(path: string, problem: string) {
    super(`cannot restore into ${path}: ${problem}`);
    this.path = path;
  }
}
