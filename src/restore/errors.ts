/** Errors a restore request is refused with before anything is written. */

/** The request is wrong (name, mappings, selector, a backup that cannot be restored); the message says what to fix. */
export class RestoreInputError extends Error {
  override readonly name = 'RestoreInputError';
}
