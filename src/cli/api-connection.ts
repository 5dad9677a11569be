/**
 * How the `lifeboat` command talks to a control plane: `fetch` with a bearer token, and every failure turned
 * into an `ApiError` (the server's own error: status, name, message, issues, problems; or status 0 when the
 * server could not be reached at all). It knows no routes: `ApiClient` (api-client.ts) holds those.
 */
import type { ErrorBody } from '../api/index.ts';

export interface ApiIssue {
  path: string;
  message: string;
}

/** A request the server refused or failed, or a server that did not answer. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** HTTP status of the answer; 0 when the server could not be reached. */
  readonly status: number;
  /** The server's name for the error (`InputError`, `NotFoundError`, ...); `Unreachable` for status 0. */
  readonly errorName: string;
  readonly issues: ApiIssue[];
  readonly problems: string[];
  /** The server that was asked. */
  readonly server: string;

  constructor(
    fields: {
      status: number;
      errorName: string;
      message: string;
      server: string;
      issues?: ApiIssue[];
      problems?: string[];
    },
    options?: ErrorOptions,
  ) {
    const issues = fields.issues ?? [];
    const problems = fields.problems ?? [];
    // Field issues and check problems that the message does not already spell out, one per line.
    const extra = [
      ...issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)),
      ...problems,
    ].filter((line) => !fields.message.includes(line));
    super([fields.message, ...extra.map((line) => `  - ${line}`)].join('\n'), options);
    this.status = fields.status;
    this.errorName = fields.errorName;
    this.issues = issues;
    this.problems = problems;
    this.server = fields.server;
  }

  /** Worth trying again as it is: the server was unreachable or failed (5xx); 4xx answers need a change. */
  get retryable(): boolean {
    return this.status === 0 || this.status >= 500;
  }
}

/** Why `fetch` got no answer, in words (its own error only says "fetch failed"). */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { message?: string; code?: string } } | undefined)?.cause;
  const reason = cause?.message || cause?.code || (error instanceof Error ? error.message : String(error));
  // fetch refuses the ports browsers block (1, 9, 22, ...) before connecting.
  if (reason === 'bad port') return 'fetch refuses to connect to that port (a port browsers block)';
  return reason;
}

/** An HTTP method the API uses. */
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A connection to one control plane, as the owner of one API token; `ApiClient` adds the routes. */
export class ApiConnection {
  /** The server's base URL as the user gave it, without a trailing `/` or `/api/v1`. */
  readonly server: string;
  private readonly token: string;

  constructor(server: string, token: string) {
    this.server = server.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
    this.token = token;
  }

  protected async send(method: Method, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.server}/api/v1${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new ApiError(
        {
          status: 0,
          errorName: 'Unreachable',
          server: this.server,
          message: `cannot reach the Lifeboat server at ${this.server}: ${networkReason(error)}. Check --server (or LIFEBOAT_SERVER) and that \`lifeboat serve\` runs there`,
        },
        { cause: error },
      );
    }
    if (response.ok) return response;
    const text = await response.text();
    let parsed: Partial<ErrorBody> | undefined;
    try {
      parsed = JSON.parse(text) as Partial<ErrorBody>;
    } catch {
      parsed = undefined;
    }
    const error = parsed?.error;
    if (error && typeof error.message === 'string')
      throw new ApiError({
        status: response.status,
        errorName: String(error.name ?? 'Error'),
        message: error.message,
        server: this.server,
        ...(Array.isArray(error.issues) ? { issues: error.issues } : {}),
        ...(Array.isArray(error.problems) ? { problems: error.problems } : {}),
      });
    // Not a Lifeboat answer: a proxy in between, or another program on that port.
    const snippet = text.trim().slice(0, 200);
    throw new ApiError({
      status: response.status,
      errorName: 'HttpError',
      server: this.server,
      message: `the server at ${this.server} answered ${response.status} ${response.statusText} to ${method} /api/v1${path}${snippet ? `: ${snippet}` : ''}; is --server the address of a Lifeboat control plane?`,
    });
  }

  protected async json<T>(method: Method, path: string, body?: unknown): Promise<T> {
    return (await (await this.send(method, path, body)).json()) as T;
  }

  protected async text(path: string): Promise<string> {
    return (await this.send('GET', path)).text();
  }

  protected async none(method: Method, path: string): Promise<void> {
    await (await this.send(method, path)).body?.cancel();
  }
}
