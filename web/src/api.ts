/**
 * The console's only way to the server: the public REST API, with the signed-in token. Answers are typed
 * with the API's own view types (imported as types only).
 */
import type { ErrorBody } from '../../src/api/types.ts';

const tokenKey = 'lifeboat.token';

export function storedToken(): string | null {
  return localStorage.getItem(tokenKey);
}

export function storeToken(token: string | null): void {
  if (token) localStorage.setItem(tokenKey, token);
  else localStorage.removeItem(tokenKey);
}

/** An answer of 400 and above, with the server's message and per-field issues. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly errorName: string;
  readonly issues: { path: string; message: string }[];
  readonly problems: string[];
  constructor(status: number, body: ErrorBody['error']) {
    super(body.message);
    this.status = status;
    this.errorName = body.name;
    this.issues = body.issues ?? [];
    this.problems = body.problems ?? [];
  }

  /** The message of one field, for showing it next to the field. */
  issue(path: string): string | undefined {
    return this.issues.find((issue) => issue.path === path || issue.path.startsWith(`${path}.`))?.message;
  }
}

/** Called when the server says the token is no longer valid. */
let onSignedOut: () => void = () => undefined;
export function setSignedOutHandler(handler: () => void): void {
  onSignedOut = handler;
}

export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  token = storedToken(),
): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, {
      name: 'NetworkError',
      message: 'the Lifeboat server cannot be reached: check that it runs',
    });
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  const parsed: unknown = type.includes('application/json') && text ? JSON.parse(text) : text;
  if (!response.ok) {
    const error = new ApiError(
      response.status,
      (parsed as ErrorBody | undefined)?.error ?? {
        name: 'Error',
        message: `${response.status} ${response.statusText}`,
      },
    );
    if (response.status === 401 && token) onSignedOut();
    throw error;
  }
  return parsed as T;
}

/**
 * Reads a server-sent event stream with the token (EventSource cannot send headers): calls `onEvent` for
 * each event until the stream ends or `signal` aborts.
 */
export async function readEvents(
  path: string,
  onEvent: (event: string, data: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const token = storedToken();
  const response = await fetch(`/api/v1${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal,
  });
  if (!response.ok || !response.body)
    throw new ApiError(response.status, {
      name: 'Error',
      message: 'the progress stream could not be opened',
    });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) onEvent(event, data.join('\n'));
      end = buffer.indexOf('\n\n');
    }
  }
}
