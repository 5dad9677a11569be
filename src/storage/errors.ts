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

/**
 * The role of an S3 location could not be assumed through STS: the keys were refused, the trust policy does
 * not let them in, or STS could not be reached. `stsCode` is STS's error code (the cause carries the rest).
 */
export class RoleNotAssumedError extends Error {
  override readonly name = 'RoleNotAssumedError';
  readonly roleArn: string;
  readonly stsCode: string | undefined;
  constructor(roleArn: string, options: { cause: unknown }) {
    const cause = (options.cause ?? {}) as { name?: unknown; Code?: unknown };
    const code =
      typeof cause.Code === 'string' ? cause.Code : typeof cause.name === 'string' ? cause.name : '';
    super(`could not assume role ${roleArn}${code ? ` (${code})` : ''}`, options);
    this.roleArn = roleArn;
    this.stsCode = code || undefined;
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
