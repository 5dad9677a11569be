/** Errors a backup request can be refused with before anything is written. */

/** The request itself is wrong (name, selector, TTL, filters); the message says what to fix. */
export class BackupInputError extends Error {
  override readonly name = 'BackupInputError';
}

/**
 * A backup of that name already exists in the location: completed, or (`unfinished`: its folder is claimed
 * but has no description) being written by another writer or left unfinished.
 */
export class BackupExistsError extends Error {
  override readonly name = 'BackupExistsError';
  readonly backup: string;
  constructor(backup: string, location: string, unfinished?: { since?: Date }) {
    super(
      unfinished
        ? `a backup named "${backup}" already exists in ${location}: it is being written${unfinished.since ? ` (started ${unfinished.since.toISOString()})` : ''} or was left unfinished; choose another name, or, if it was left unfinished, \`lifeboat backup delete ${backup}\` removes the leftovers`
        : `a backup named "${backup}" already exists in ${location}: choose another name, or delete it first`,
    );
    this.backup = backup;
  }
}

/** No backup of that name in the location. */
export class BackupNotFoundError extends Error {
  override readonly name = 'BackupNotFoundError';
  readonly backup: string;
  constructor(backup: string, location: string) {
    super(`no backup named "${backup}" in ${location}`);
    this.backup = backup;
  }
}
