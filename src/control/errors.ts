/**
 * Business errors of the control plane (Backstage's set). The API maps each to one status code in one place;
 * every message says what happened and what to do.
 */

/** Bad input: a field is missing, malformed or contradicts another. */
export class InputError extends Error {
  override readonly name = 'InputError';
  /** Per-field problems, when the input was a form. */
  readonly issues: { path: string; message: string }[];
  constructor(message: string, issues: { path: string; message: string }[] = [], options?: ErrorOptions) {
    super(message, options);
    this.issues = issues;
  }
}

export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  readonly resource: string;
  constructor(resource: string, id: string) {
    super(`${resource} "${id}" not found`);
    this.resource = resource;
  }
}

/** The request is valid but clashes with the current state (a name taken, a location in use). */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

/** Signed in, but the role does not allow this. */
export class NotAllowedError extends Error {
  override readonly name = 'NotAllowedError';
}

/** No token, or one that is unknown. */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
}

/** A check against the real world failed (a location that does not validate, an unhealthy cluster). */
export class PreconditionError extends Error {
  override readonly name = 'PreconditionError';
  readonly problems: string[];
  constructor(message: string, problems: string[] = []) {
    super(message);
    this.problems = problems;
  }
}

/** True for PostgreSQL's unique-violation error. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === '23505';
}

/** Errors of the layers below that reach the API: mapped there to statuses, never to a bare 500. */
export { BackupMetadataError } from '../archive/index.ts';
export { BackupNotFoundError } from '../backup/index.ts';
export { KubeApiError, KubeConnectionError, KubeconfigError } from '../kube/index.ts';
export { LocationError, ObjectNotFoundError, StorageError } from '../storage/index.ts';
