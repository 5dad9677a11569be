/** The one place business errors become HTTP statuses, with one JSON error body. */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import {
  AuthenticationError,
  BackupMetadataError,
  BackupNotFoundError,
  ConflictError,
  explainKubeApiError,
  InputError,
  isUniqueViolation,
  KubeApiError,
  KubeConnectionError,
  KubeconfigError,
  LocationError,
  NotAllowedError,
  NotFoundError,
  ObjectNotFoundError,
  PreconditionError,
  StorageError,
  VaultError,
} from '../control/index.ts';

/** The body of every error answer. */
export interface ErrorBody {
  error: {
    name: string;
    message: string;
    /** Per-field problems of a form. */
    issues?: { path: string; message: string }[];
    /** Problems found by a check against the real world (location validation). */
    problems?: string[];
  };
}

/** Raised by the HTTP layer itself (a body that is not JSON). */
export class RequestBodyError extends InputError {}

/** A cluster, a store or a bucket's contents failed us: not the caller's fault, not ours either. */
function isUpstream(error: unknown): boolean {
  return (
    error instanceof KubeConnectionError ||
    error instanceof KubeApiError ||
    error instanceof StorageError ||
    error instanceof BackupMetadataError
  );
}

function statusOf(error: unknown): ContentfulStatusCode {
  if (error instanceof InputError || error instanceof KubeconfigError || error instanceof LocationError)
    return 400;
  if (error instanceof BackupNotFoundError || error instanceof ObjectNotFoundError) return 404;
  if (isUniqueViolation(error)) return 409;
  if (isUpstream(error)) return 502;
  if (error instanceof AuthenticationError) return 401;
  if (error instanceof NotAllowedError) return 403;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof PreconditionError) return 422;
  return 500;
}

export function errorResponse(error: unknown, c: Context): Response {
  const status = statusOf(error);
  const known = (status !== 500 && !isUniqueViolation(error)) || error instanceof VaultError;
  let message = 'the server failed to handle the request; the server log has the details';
  if (isUniqueViolation(error))
    message = 'something of that name was just created by another request: pick another name';
  // Never the body of what the cluster answered (a kubeconfig may point at any web page): a Status's words only.
  else if (error instanceof KubeApiError) message = explainKubeApiError(error);
  else if (known && error instanceof Error) message = error.message;
  const body: ErrorBody = {
    error: {
      name: isUniqueViolation(error)
        ? 'ConflictError'
        : known && error instanceof Error
          ? error.name
          : 'InternalError',
      message,
    },
  };
  if (error instanceof InputError && error.issues.length > 0) body.error.issues = error.issues;
  if (error instanceof PreconditionError && error.problems.length > 0) body.error.problems = error.problems;
  return c.json(body, status);
}
