/**
 * Location URLs (DESIGN.md section 4): one string names a backup location in local mode and in tests.
 *   file:///abs/dir (or a plain absolute path)
 *   s3://bucket/prefix?region=R&endpoint=URL&forcePathStyle=true&caCert=FILE&roleArn=ARN&externalId=ID
 *       &stsEndpoint=URL&sse=AES256|aws:kms&kmsKeyId=ID
 *   gs://bucket/prefix?endpoint=URL&keyFile=FILE
 *   azblob://account/container/prefix?endpoint=URL
 * Secrets never go in the URL: they come from `StoreOptions` (the control plane's vault) or, in local
 * mode, from each cloud's usual environment variables. Paths are taken literally: a `.`, `..` or empty
 * segment is refused, never resolved, so a location always names the folder it shows.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { type AzureCredentials, AzureObjectStore } from './azure.ts';
import { LocationError } from './errors.ts';
import { FileObjectStore } from './file.ts';
import { GcsObjectStore } from './gcs.ts';
import {
  azureAccountNameProblem,
  azureContainerNameProblem,
  gcsBucketNameProblem,
  prefixProblem,
  s3BucketNameProblem,
} from './names.ts';
import type { ObjectStore } from './object-store.ts';
import { S3ObjectStore, type S3Options } from './s3.ts';

export type S3Location = { provider: 's3' } & Omit<S3Options, 'credentials' | 'caCert'> & {
    caCertFile?: string;
  };
export type GcsLocation = {
  provider: 'gcs';
  bucket: string;
  prefix: string;
  endpoint?: string;
  keyFile?: string;
};
export type AzureLocation = {
  provider: 'azure';
  account: string;
  container: string;
  prefix: string;
  endpoint?: string;
};
export type Location = { provider: 'file'; dir: string } | S3Location | GcsLocation | AzureLocation;

const knownParams: Record<string, readonly string[]> = {
  's3:': [
    'region',
    'endpoint',
    'forcePathStyle',
    'caCert',
    'roleArn',
    'externalId',
    'stsEndpoint',
    'sse',
    'kmsKeyId',
  ],
  'gs:': ['endpoint', 'keyFile'],
  'azblob:': ['endpoint'],
};

function checkParams(url: URL, text: string): void {
  const known = knownParams[url.protocol] ?? [];
  for (const name of url.searchParams.keys()) {
    if (!known.includes(name)) {
      throw new LocationError(
        `unknown option "${name}" in "${redact(text)}" (${url.protocol}// locations take: ${known.join(', ')})`,
      );
    }
  }
}

/** The URL with any query value that looks secret removed, for messages. */
export function redact(text: string): string {
  return text.replace(/([?&](?:sig|secret|key|token|password)[^=]*=)[^&]*/gi, '$1***');
}

function endpointParam(url: URL, text: string): string | undefined {
  const endpoint = url.searchParams.get('endpoint') ?? undefined;
  if (endpoint !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(endpoint);
    } catch {
      throw new LocationError(
        `endpoint "${endpoint}" in "${redact(text)}" is not a URL: use https://host:port`,
      );
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw new LocationError(`endpoint "${endpoint}" must be an http:// or https:// URL`);
    }
  }
  return endpoint;
}

/** The path part of a location as written, before a URL parser resolves its `.` and `..` segments. */
function rawPath(text: string): string {
  let rest = text.replace(/^[a-z][a-z0-9+.-]*:/i, '');
  if (rest.startsWith('//')) {
    rest = rest.slice(2);
    const slash = rest.search(/[/\\?#]/);
    rest = slash < 0 ? '' : rest.slice(slash);
  }
  return rest.replace(/[?#].*$/s, '');
}

/**
 * Refuses `.`, `..` and empty segments in a location's path (also percent-encoded or with backslashes):
 * a URL parser or `path.resolve` would quietly make them name another folder than the one written.
 * `leadingDots` lets a relative local path start with `./` or `../`.
 */
function checkSegments(text: string, path: string, leadingDots = false): void {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw new LocationError(`the location "${redact(text)}" has a malformed %-escape in its path`);
  }
  let checked = decoded;
  if (leadingDots) checked = checked.replace(/^(\.\.?([/\\]+|$))+/, '');
  const problem = prefixProblem(checked);
  if (!problem) return;
  throw new LocationError(
    `the location "${redact(text)}" ${problem} in its path: location paths are taken literally, never resolved — write the folder itself, without ".", ".." or empty segments`,
  );
}

/** Parses a location URL; the error says what is wrong and what a valid one looks like. */
export function parseLocation(text: string): Location {
  if (!text)
    throw new LocationError(
      'no location given: pass --location file:///dir, s3://bucket/prefix, gs://bucket/prefix or azblob://account/container/prefix',
    );
  if (text.startsWith('/') || text.startsWith('.')) {
    checkSegments(text, text, text.startsWith('.'));
    return { provider: 'file', dir: resolve(text) };
  }
  checkSegments(text, rawPath(text));
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new LocationError(
      `"${redact(text)}" is not a location URL: use file:///abs/dir, s3://bucket/prefix, gs://bucket/prefix or azblob://account/container/prefix`,
    );
  }
  const path = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
  switch (url.protocol) {
    case 'file:': {
      const dir = decodeURIComponent(url.pathname);
      if (!isAbsolute(dir) || url.host)
        throw new LocationError(`a file location needs an absolute path: file:///abs/dir, got "${text}"`);
      return { provider: 'file', dir };
    }
    case 's3:': {
      checkParams(url, text);
      const bucket = url.hostname;
      if (!bucket)
        throw new LocationError(`the s3 location "${redact(text)}" names no bucket: s3://bucket/prefix`);
      const problem = s3BucketNameProblem(bucket);
      if (problem) throw new LocationError(`"${bucket}" is not a valid S3 bucket name: it ${problem}`);
      const forcePathStyle = url.searchParams.get('forcePathStyle');
      if (forcePathStyle !== null && forcePathStyle !== 'true' && forcePathStyle !== 'false') {
        throw new LocationError(`forcePathStyle must be true or false, got "${forcePathStyle}"`);
      }
      const location: S3Location = {
        provider: 's3',
        bucket,
        prefix: path,
        region: url.searchParams.get('region') ?? process.env.AWS_REGION ?? 'us-east-1',
        forcePathStyle: forcePathStyle === 'true',
      };
      const endpoint = endpointParam(url, text);
      if (endpoint) location.endpoint = endpoint;
      const caCert = url.searchParams.get('caCert');
      if (caCert) location.caCertFile = caCert;
      const roleArn = url.searchParams.get('roleArn');
      const externalId = url.searchParams.get('externalId');
      if (externalId && !roleArn)
        throw new LocationError(
          'externalId is given without roleArn: the external ID goes with the role to assume',
        );
      if (roleArn) {
        if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(roleArn)) {
          throw new LocationError(
            `roleArn "${roleArn}" is not an IAM role ARN: arn:aws:iam::123456789012:role/name`,
          );
        }
        location.roleArn = roleArn;
        if (externalId) location.externalId = externalId;
      }
      const stsEndpoint = url.searchParams.get('stsEndpoint');
      if (stsEndpoint) location.stsEndpoint = stsEndpoint;
      const sse = url.searchParams.get('sse');
      if (sse !== null) {
        if (sse !== 'AES256' && sse !== 'aws:kms')
          throw new LocationError(`sse must be AES256 (SSE-S3) or aws:kms (SSE-KMS), got "${sse}"`);
        location.sse = sse;
      }
      const kmsKeyId = url.searchParams.get('kmsKeyId');
      if (kmsKeyId) {
        if (sse !== 'aws:kms') throw new LocationError('kmsKeyId needs sse=aws:kms');
        location.kmsKeyId = kmsKeyId;
      }
      return location;
    }
    case 'gs:': {
      checkParams(url, text);
      const bucket = url.hostname;
      const problem = gcsBucketNameProblem(bucket);
      if (problem)
        throw new LocationError(`"${bucket}" is not a valid Google Cloud Storage bucket name: it ${problem}`);
      const location: GcsLocation = { provider: 'gcs', bucket, prefix: path };
      const endpoint = endpointParam(url, text);
      if (endpoint) location.endpoint = endpoint;
      const keyFile = url.searchParams.get('keyFile');
      if (keyFile) location.keyFile = keyFile;
      return location;
    }
    case 'azblob:': {
      checkParams(url, text);
      const account = url.hostname;
      const [container = '', ...rest] = path.split('/');
      const accountProblem = azureAccountNameProblem(account);
      if (accountProblem)
        throw new LocationError(
          `"${account}" is not a valid Azure storage account name: it ${accountProblem}`,
        );
      const containerProblem = azureContainerNameProblem(container);
      if (containerProblem) {
        throw new LocationError(
          `"${container}" is not a valid Azure blob container name (azblob://account/container/prefix): it ${containerProblem}`,
        );
      }
      const location: AzureLocation = { provider: 'azure', account, container, prefix: rest.join('/') };
      const endpoint = endpointParam(url, text);
      if (endpoint) location.endpoint = endpoint;
      return location;
    }
    default:
      throw new LocationError(
        `unsupported location scheme "${url.protocol}" in "${redact(text)}": use file://, s3://, gs:// or azblob://`,
      );
  }
}

/** An endpoint URL reduced to what names a server: scheme, host, port (defaults made explicit), path. */
function normalEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    const port = url.port || (url.protocol === 'https:' ? '443' : url.protocol === 'http:' ? '80' : '');
    return `${url.protocol}//${url.hostname.toLowerCase()}:${port}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return endpoint.trim().toLowerCase();
  }
}

/** AWS's own S3 endpoints (global, regional, dual-stack, FIPS) are one service: buckets are global. */
const awsS3Host = /^s3([.-][a-z0-9-]+)*\.amazonaws\.com(\.cn)?$/;

/** Which store (provider, server, bucket or account/container, or file tree) and the folder inside it. */
function storageFolder(location: Location): { store: string; folder: string } {
  switch (location.provider) {
    case 'file':
      return { store: 'file', folder: resolve(location.dir) };
    case 's3': {
      const host = location.endpoint ? URL.parse(location.endpoint)?.hostname.toLowerCase() : undefined;
      const server =
        location.endpoint && !awsS3Host.test(host ?? '') ? normalEndpoint(location.endpoint) : 'aws';
      return { store: `s3 ${server} ${location.bucket}`, folder: location.prefix };
    }
    case 'gcs': {
      const server = normalEndpoint(location.endpoint ?? 'https://storage.googleapis.com');
      return { store: `gcs ${server} ${location.bucket}`, folder: location.prefix };
    }
    case 'azure': {
      const server = normalEndpoint(location.endpoint ?? `https://${location.account}.blob.core.windows.net`);
      return { store: `azure ${server} ${location.account} ${location.container}`, folder: location.prefix };
    }
  }
}

/**
 * Whether two locations cover a common bucket folder: same provider, same server (endpoint compared by
 * scheme, host and port, default endpoints made explicit), same bucket — or account and container, or
 * directory tree — and one prefix equal to or inside the other at `/` boundaries (`a/b` covers `a/b/c`,
 * not `a/bc`). Two such locations would list, sync and expire each other's backups.
 */
export function locationsOverlap(a: Location, b: Location): boolean {
  const first = storageFolder(a);
  const second = storageFolder(b);
  if (first.store !== second.store) return false;
  const segments = (folder: string) => folder.split('/').filter((segment) => segment !== '');
  const x = segments(first.folder);
  const y = segments(second.folder);
  const shorter = x.length <= y.length ? x : y;
  const longer = shorter === x ? y : x;
  return shorter.every((segment, i) => segment === longer[i]);
}

/** Credentials a caller supplies (the control plane's vault, tests); without them, the environment's. */
export interface StoreOptions {
  s3Credentials?: S3Options['credentials'];
  /** A GCS service-account key (the JSON file's contents). */
  gcsCredentialsJson?: string;
  azureCredentials?: AzureCredentials;
  /** Environment to read credentials from in local mode. Default process.env. */
  env?: Record<string, string | undefined>;
}

/** Azure credentials from the environment, as Azure's tools name them. */
function azureCredentialsFromEnv(env: Record<string, string | undefined>): AzureCredentials {
  if (env.AZURE_STORAGE_CONNECTION_STRING)
    return { kind: 'connectionString', connectionString: env.AZURE_STORAGE_CONNECTION_STRING };
  if (env.AZURE_STORAGE_KEY) return { kind: 'sharedKey', accountKey: env.AZURE_STORAGE_KEY };
  if (env.AZURE_STORAGE_SAS_TOKEN) return { kind: 'sas', sasToken: env.AZURE_STORAGE_SAS_TOKEN };
  if (env.AZURE_TENANT_ID && env.AZURE_CLIENT_ID && env.AZURE_CLIENT_SECRET) {
    return {
      kind: 'servicePrincipal',
      tenantId: env.AZURE_TENANT_ID,
      clientId: env.AZURE_CLIENT_ID,
      clientSecret: env.AZURE_CLIENT_SECRET,
      ...(env.AZURE_AUTHORITY_HOST ? { authorityHost: env.AZURE_AUTHORITY_HOST } : {}),
      ...(env.AZURE_SUBSCRIPTION_ID ? { subscriptionId: env.AZURE_SUBSCRIPTION_ID } : {}),
      ...(env.AZURE_RESOURCE_GROUP ? { resourceGroup: env.AZURE_RESOURCE_GROUP } : {}),
    };
  }
  throw new LocationError(
    'no Azure credentials: set AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_KEY, AZURE_STORAGE_SAS_TOKEN, or AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET',
  );
}

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new LocationError(`cannot read the CA certificate file "${file}": ${(error as Error).message}`);
  }
}

/** Opens the store a location names. */
export function openObjectStore(location: Location, options: StoreOptions = {}): ObjectStore {
  const env = options.env ?? process.env;
  switch (location.provider) {
    case 'file':
      return new FileObjectStore(location.dir);
    case 's3': {
      const { caCertFile, provider: _provider, ...rest } = location;
      const s3: S3Options = { ...rest };
      if (caCertFile) s3.caCert = readCa(caCertFile);
      if (options.s3Credentials) s3.credentials = options.s3Credentials;
      return new S3ObjectStore(s3);
    }
    case 'gcs': {
      const { provider: _provider, ...rest } = location;
      return new GcsObjectStore({
        ...rest,
        ...(options.gcsCredentialsJson ? { credentialsJson: options.gcsCredentialsJson } : {}),
      });
    }
    case 'azure': {
      const { provider: _provider, ...rest } = location;
      return new AzureObjectStore({
        ...rest,
        credentials: options.azureCredentials ?? azureCredentialsFromEnv(env),
      });
    }
  }
}
