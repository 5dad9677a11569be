/**
 * The store of a local-mode command: the break-glass path, straight from a bucket URL, when the console is
 * gone. Its failures read as the console's location check reads them — one sentence from the same source
 * (`explainStorageError`) — followed by where the fix goes on the command line (a `caCert=` in the URL, AWS
 * variables), since the console's sentence names the fields of its form. A location with no backups whose
 * sub-folders hold some says where they are.
 */
import { topLevelDirs } from '../archive/index.ts';
import { BackupNotFoundError } from '../backup/index.ts';
import {
  explainStorageError,
  LocationError,
  ObjectExistsError,
  type ObjectInfo,
  ObjectNotFoundError,
  type ObjectStore,
  type ProbeStep,
  type PutOptions,
  parseLocation,
  StorageError,
  untrustedCertificateCodes,
  type ValidationTarget,
  validationTarget,
} from '../storage/index.ts';
import { openStore } from './context.ts';
import { UsageError } from './io.ts';

/** A store operation of a local-mode command failed; the message is the console's sentence and the fix. */
export class LocalStoreError extends Error {
  override readonly name = 'LocalStoreError';
  /** The store, without credentials. */
  readonly location: string;
  readonly step: ProbeStep;
  constructor(message: string, fields: { location: string; step: ProbeStep; cause: unknown }) {
    super(message, { cause: fields.cause });
    this.location = fields.location;
    this.step = fields.step;
  }
}

/** The names and codes of an error and of what it wraps (SDKs nest the network error). */
function errorCodes(error: unknown, depth = 0): string[] {
  if (!error || typeof error !== 'object' || depth > 5) return [];
  const e = error as { name?: unknown; code?: unknown; cause?: unknown; errors?: unknown };
  const own = [e.name, e.code].filter((value): value is string => typeof value === 'string');
  const inner = [e.cause, ...(Array.isArray(e.errors) ? e.errors : [])];
  return [...own, ...inner.flatMap((next) => errorCodes(next, depth + 1))];
}

/** Where the console's fix goes on the command line, for the failures whose fix is a form field there. */
function commandLineFix(error: unknown, target: ValidationTarget): string | undefined {
  const codes = errorCodes(error);
  if (codes.some((code) => untrustedCertificateCodes.has(code)))
    return 'on the command line, add caCert=/path/to/ca.pem (that CA certificate) to the location URL';
  if (target.provider === 's3' && codes.includes('CredentialsProviderError'))
    return 'on the command line, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) in the environment';
  if (target.provider === 'gcs' && codes.includes('CredentialsProviderError'))
    return 'on the command line, add keyFile=/path/to/key.json to the location URL';
  return undefined;
}

/** Errors the engine branches on, or already in words: passed on as they are. */
function passesThrough(error: unknown): boolean {
  return (
    error instanceof ObjectNotFoundError ||
    error instanceof ObjectExistsError ||
    error instanceof LocationError ||
    error instanceof StorageError
  );
}

/** An `ObjectStore` that hands each failure of the store to `onFailure`, and throws what it returns. */
class FailureHookStore implements ObjectStore {
  readonly description: string;
  private readonly store: ObjectStore;
  private readonly onFailure: (error: unknown, step: ProbeStep) => unknown;
  constructor(store: ObjectStore, onFailure: (error: unknown, step: ProbeStep) => unknown) {
    this.store = store;
    this.onFailure = onFailure;
    this.description = store.description;
  }

  private async run<T>(step: ProbeStep, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw this.onFailure(error, step);
    }
  }

  put(key: string, body: Parameters<ObjectStore['put']>[1], options?: PutOptions): Promise<void> {
    return this.run('write', () => this.store.put(key, body, options));
  }
  get(key: string): ReturnType<ObjectStore['get']> {
    return this.run('read', () => this.store.get(key));
  }
  head(key: string): Promise<ObjectInfo | undefined> {
    return this.run('read', () => this.store.head(key));
  }
  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    try {
      yield* this.store.list(prefix);
    } catch (error) {
      throw this.onFailure(error, 'list');
    }
  }
  listPrefixes(prefix: string): Promise<string[]> {
    return this.run('list', () => this.store.listPrefixes(prefix));
  }
  delete(keys: readonly string[]): Promise<void> {
    return this.run('delete', () => this.store.delete(keys));
  }
  close(): Promise<void> {
    return this.store.close();
  }
}

/** The store, failing with the console's sentence and the command line's fix (a `LocalStoreError`). */
function explainingStore(store: ObjectStore, target: ValidationTarget): ObjectStore {
  return new FailureHookStore(store, (error, step) => {
    if (passesThrough(error)) return error;
    const fix = commandLineFix(error, target);
    const sentence = `${store.description}: ${explainStorageError(error, step, target)}${fix ? ` — ${fix}` : ''}`;
    return new LocalStoreError(sentence, { location: store.description, step, cause: error });
  });
}

/**
 * The store as `location validate` uses it: failures pass unchanged (the check explains them in the
 * console's sentences), and `fixes()` then says where the fixes of those that need one go on the command line.
 */
export function watchedStore(
  store: ObjectStore,
  target: ValidationTarget,
): {
  store: ObjectStore;
  fixes(): string[];
} {
  const failures: unknown[] = [];
  return {
    store: new FailureHookStore(store, (error) => {
      failures.push(error);
      return error;
    }),
    fixes: () => [
      ...new Set(failures.map((error) => commandLineFix(error, target)).filter((fix) => fix !== undefined)),
    ],
  };
}

/** Opens `--location URL` for a local-mode command; its failures are explained (see the file's comment). */
export function openLocalStore(url: string | undefined): ObjectStore {
  const store = openStore(url);
  return explainingStore(store, validationTarget(parseLocation(url as string)));
}

/** Folders that are part of a location's own layout (Lifeboat's and Velero's), never a location below it. */
const layoutDirs = new Set<string>([...topLevelDirs, 'kopia', 'restic']);

/** How deep below the location, and how many folders at most, the search for backups goes. */
const searchDepth = 2;
const searchListings = 40;

/**
 * The sub-folders of a location (relative, ending in `/`) that hold backups of their own — where a user
 * who gave `s3://b/` for backups made at `s3://b/prod/` should look. Searches two levels, a bounded number
 * of listings; an empty list when none is found.
 */
export async function backupsBelow(store: ObjectStore): Promise<string[]> {
  const found: string[] = [];
  let level = [''];
  let listings = 0;
  for (let depth = 0; depth < searchDepth && level.length > 0; depth++) {
    const next: string[] = [];
    for (const parent of level) {
      if (listings >= searchListings) return found;
      listings++;
      const folders = (await store.listPrefixes(parent)).filter(
        (folder) => !(parent === '' && layoutDirs.has(folder)),
      );
      for (const folder of folders) {
        if (listings >= searchListings) return found;
        const candidate = `${parent}${folder}/`;
        listings++;
        if ((await store.listPrefixes(`${candidate}backups/`)).length > 0) found.push(candidate);
        else if (!layoutDirs.has(folder)) next.push(candidate);
      }
    }
    level = next;
  }
  return found;
}

/** The location URL's bucket and path (its `?options` left out), with `sub` (relative, ending in `/`) added. */
export function locationBelow(url: string, sub: string): string {
  const base = url.split('?', 1)[0] ?? '';
  return `${base.endsWith('/') ? base : `${base}/`}${sub}`;
}

/**
 * "no backups in s3://b/; found some under s3://b/prod/", or undefined when no sub-folder holds backups.
 * The URL's options (`?endpoint=…`) are left out of the sentence: the user keeps theirs.
 */
export async function backupsElsewhere(store: ObjectStore, url: string): Promise<string | undefined> {
  const below = await backupsBelow(store);
  if (below.length === 0) return undefined;
  const here = locationBelow(url, '');
  const shown = below.slice(0, 3).map((sub) => locationBelow(url, sub));
  const more = below.length > shown.length ? ` (and ${below.length - shown.length} more)` : '';
  const options = url.includes('?') ? ', with the same ?options' : '';
  return `no backups in ${here}; found some under ${shown.join(', ')}${more}: give that as --location${options}`;
}

/**
 * Runs the work of a local-mode command on one backup. When the backup is not found and the location holds
 * no backups at all, the error also says where some are (a prefix one level too high is the likely slip).
 */
export async function withBackupsElsewhere<T>(
  store: ObjectStore,
  url: string,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof BackupNotFoundError)) throw error;
    const here = await store.listPrefixes('backups/').catch(() => undefined);
    const elsewhere =
      here?.length === 0 ? await backupsElsewhere(store, url).catch(() => undefined) : undefined;
    if (!elsewhere) throw error;
    throw new UsageError(`${error.message}: ${elsewhere}`, { cause: error });
  }
}
