/**
 * Location URLs (DESIGN.md section 4): one string names a backup location in local mode and in tests.
 *   file:///abs/dir (or a plain absolute path)
 *   s3://bucket/prefix?region=R&endpoint=URL&forcePathStyle=true&caCert=FILE
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { LocationError } from './errors.ts';
import { FileObjectStore } from './file.ts';
import type { ObjectStore } from './object-store.ts';
import { S3ObjectStore, type S3Options } from './s3.ts';

export type Location =
  | { provider: 'file'; dir: string }
  | ({ provider: 's3' } & Omit<S3Options, 'credentials' | 'caCert'> & { caCertFile?: string });

const s3Params = new Set(['region', 'endpoint', 'forcePathStyle', 'caCert']);

/** Parses a location URL; the error says what is wrong and what a valid one looks like. */
export function parseLocation(text: string): Location {
  if (!text)
    throw new LocationError(
      'no location given: pass --location file:///dir or s3://bucket/prefix?region=...',
    );
  if (text.startsWith('/') || text.startsWith('.')) return { provider: 'file', dir: resolve(text) };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new LocationError(
      `"${text}" is not a location URL: use file:///abs/dir or s3://bucket/prefix?region=R`,
    );
  }
  if (url.protocol === 'file:') {
    const dir = decodeURIComponent(url.pathname);
    if (!isAbsolute(dir) || url.host)
      throw new LocationError(`a file location needs an absolute path: file:///abs/dir, got "${text}"`);
    return { provider: 'file', dir };
  }
  if (url.protocol === 's3:') {
    for (const name of url.searchParams.keys()) {
      if (!s3Params.has(name)) {
        throw new LocationError(`unknown s3 location option "${name}" (known: ${[...s3Params].join(', ')})`);
      }
    }
    const bucket = url.hostname;
    if (!bucket) throw new LocationError(`the s3 location "${text}" names no bucket: s3://bucket/prefix`);
    const forcePathStyle = url.searchParams.get('forcePathStyle');
    if (forcePathStyle !== null && forcePathStyle !== 'true' && forcePathStyle !== 'false') {
      throw new LocationError(`forcePathStyle must be true or false, got "${forcePathStyle}"`);
    }
    const location: Location = {
      provider: 's3',
      bucket,
      prefix: decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, ''),
      region: url.searchParams.get('region') ?? process.env.AWS_REGION ?? 'us-east-1',
      forcePathStyle: forcePathStyle === 'true',
    };
    const endpoint = url.searchParams.get('endpoint');
    if (endpoint) location.endpoint = endpoint;
    const caCert = url.searchParams.get('caCert');
    if (caCert) location.caCertFile = caCert;
    return location;
  }
  throw new LocationError(`unsupported location scheme "${url.protocol}" in "${text}": use file:// or s3://`);
}

/** Options a caller may add to what the URL says (explicit credentials, for tests and the control plane). */
export interface StoreOptions {
  s3Credentials?: S3Options['credentials'];
}

/** Opens the store a location names. */
export function openObjectStore(location: Location, options: StoreOptions = {}): ObjectStore {
  switch (location.provider) {
    case 'file':
      return new FileObjectStore(location.dir);
    case 's3': {
      const { caCertFile, provider: _provider, ...rest } = location;
      const s3: S3Options = { ...rest };
      if (caCertFile) {
        try {
          s3.caCert = readFileSync(caCertFile, 'utf8');
        } catch (error) {
          throw new LocationError(
            `cannot read the CA certificate file "${caCertFile}": ${(error as Error).message}`,
          );
        }
      }
      if (options.s3Credentials) s3.credentials = options.s3Credentials;
      return new S3ObjectStore(s3);
    }
  }
}
