/** Errors of the storage layer. */

/** No object under that key. */
export class ObjectNotFoundError extends Error {
  override readonly name = 'ObjectNotFoundError';
  readonly key: string;
  constructor(key: string, location: string, options?: { cause?: unknown }) {
    super(`no object "${key}" in ${location}`, options);
    this.key = key;
  }
}

/**
 * `put(key, body, { ifAbsent: true })` found an object under that key already: another writer created it
 * first. Nothing was overwritten.
 */
export class ObjectExistsError extends Error {
  override readonly name = 'ObjectExistsError';
  readonly key: string;
  readonly location: string;
  constructor(key: string, location: string, options?: { cause?: unknown }) {
    super(`an object "${key}" already exists in ${location}; it was left as it is`, options);
    this.key = key;
    this.location = location;
  }
}

/** A location URL or its options are not usable; the message says what to fix. */
export class LocationError extends Error {
  override readonly name = 'LocationError';
}

/** The store failed an operation; `retryable` says whether trying again may help. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  readonly operation: string;
  readonly retryable: boolean;
  constructor(message: string, fields: { operation: string; retryable: boolean; cause?: unknown }) {
    super(message, { cause: fields.cause });
    this.operation = fields.operation;
    this.retryable = fields.retryable;
  }
}
