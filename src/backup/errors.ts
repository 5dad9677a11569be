/** Errors a backup request can be refused with before anything is written. */

/** The request itself is wrong (name, selector, TTL, filters); the message says what to fix. */
export class BackupInputError extends Error {
  override readonly name = 'BackupInputError';
}

/** A completed backup of that name already exists in the location. */
export class BackupExistsError extends Error {
  override readonly name = 'BackupExistsError';
  readonly backup: string;
  constructor(backup: string, location: string) {
    super(
      `a backup named "${backup}" already exists in ${location}: choose another name, or delete it first`,
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
