/** Errors of the Kubernetes layer. Callers branch on `status`/`reason`, never on message text. */

/** The API server answered with an error Status. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  readonly status: number;
  /** The Status `reason`, for example `NotFound`, `Forbidden`, `Expired`, `AlreadyExists`. */
  readonly reason: string;
  readonly method: string;
  readonly path: string;
  /** The whole Status object the server sent, when it sent one. */
  readonly details: unknown;

  constructor(fields: {
    status: number;
    reason: string;
    message: string;
    method: string;
    path: string;
    details?: unknown;
  }) {
    super(`${fields.method} ${fields.path}: ${fields.status} ${fields.reason}: ${fields.message}`);
    this.status = fields.status;
    this.reason = fields.reason;
    this.method = fields.method;
    this.path = fields.path;
    this.details = fields.details;
  }

  /** Throttling and server-side hiccups are worth another try; everything else is a verdict. */
  get retryable(): boolean {
    return (
      this.status === 429 ||
      this.status === 500 ||
      this.status === 502 ||
      this.status === 503 ||
      this.status === 504
    );
  }
}

/** The API server could not be reached (connection refused, TLS failure, timeout). */
export class KubeConnectionError extends Error {
  override readonly name = 'KubeConnectionError';
  readonly server: string;
  readonly retryable: boolean;

  constructor(server: string, message: string, options: { cause?: unknown; retryable: boolean }) {
    super(message, { cause: options.cause });
    this.server = server;
    this.retryable = options.retryable;
  }
}

/** A kubeconfig that cannot be used as given. */
export class KubeconfigError extends Error {
  override readonly name = 'KubeconfigError';
}

/** A one-line description of a failure for results and logs: the Status reason and message for API errors. */
export function describeError(error: unknown): string {
  if (error instanceof KubeApiError)
    return `${error.reason}: ${error.message.replace(/^[A-Z]+ \S+: \d+ \w+: /, '')}`;
  return error instanceof Error ? error.message : String(error);
}
