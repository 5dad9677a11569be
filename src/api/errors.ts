/** The one place business errors become HTTP statuses, with one JSON error body. */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import {
  AuthenticationError,
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  PreconditionError,
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

function statusOf(error: unknown): ContentfulStatusCode {
  if (error instanceof InputError) return 400;
  if (error instanceof AuthenticationError) return 401;
  if (error instanceof NotAllowedError) return 403;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof PreconditionError) return 422;
  return 500;
}

export function errorResponse(error: unknown, c: Context): Response {
  const status = statusOf(error);
  const known = status !== 500 || error instanceof VaultError;
  const body: ErrorBody = {
    error: {
      name: known && error instanceof Error ? error.name : 'InternalError',
      message:
        known && error instanceof Error
          ? error.message
          : 'the server failed to handle the request; the server log has the details',
    },
  };
  if (error instanceof InputError && error.issues.length > 0) body.error.issues = error.issues;
  if (error instanceof PreconditionError && error.problems.length > 0) body.error.problems = error.problems;
  return c.json(body, status);
}
