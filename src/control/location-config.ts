/**
 * From a stored location (non-secret config + sealed secret fields) to an open `ObjectStore`, and back:
 * splitting what a user typed into the part that may be shown and the part that is sealed in the vault.
 */
import type { LocationProvider, LocationRecord } from '../db/index.ts';
import {
  type AzureCredentials,
  AzureObjectStore,
  GcsObjectStore,
  type Location,
  type ObjectStore,
  S3ObjectStore,
  type S3Options,
  type ValidationTarget,
} from '../storage/index.ts';
import type { LocationInput } from './schemas.ts';
import type { Vault } from './vault.ts';

/** Field names that hold secrets, wherever they appear in a location's fields. */
const secretFields = new Set(['secretAccessKey', 'serviceAccountKey', 'clientSecret', 'accountKey']);

type Fields = Record<string, unknown>;

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Splits a location's fields into what may be shown and what is sealed. */
export function splitSecrets(fields: Fields): { config: Fields; secrets: Fields } {
  const config: Fields = {};
  const secrets: Fields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (secretFields.has(key)) secrets[key] = value;
    else if (isObject(value)) {
      const inner = splitSecrets(value);
      config[key] = inner.config;
      if (Object.keys(inner.secrets).length > 0) secrets[key] = inner.secrets;
    } else config[key] = value;
  }
  return { config, secrets };
}

/** Deep-merges `over` onto `base` (objects merged, everything else replaced). */
export function mergeFields(base: Fields, over: Fields): Fields {
  const merged: Fields = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = merged[key];
    // A changed credential kind replaces the credentials whole rather than mixing two kinds.
    if (isObject(current) && isObject(value) && (value.kind === undefined || value.kind === current.kind))
      merged[key] = mergeFields(current, value);
    else merged[key] = value;
  }
  return merged;
}

/** Names of the secret fields set, as dotted paths (shown instead of the values). */
export function secretPaths(secrets: Fields, prefix = ''): string[] {
  return Object.entries(secrets).flatMap(([key, value]) =>
    isObject(value) ? secretPaths(value, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

/** The whole input of a stored location, secrets opened: what an edit is merged onto. */
export function storedInput(record: LocationRecord, vault: Vault): Fields {
  const secrets = record.secret
    ? (JSON.parse(vault.open(record.secret, `location:${record.id}`)) as Fields)
    : {};
  return mergeFields({ ...record.config, name: record.name, provider: record.provider }, secrets);
}

/** What a location is opened with instead of its own credentials. */
export interface StoreOverrides {
  /** Temporary keys of the location's role (a mover pod's, from the control plane: data-mover.ts). */
  awsSession?: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
}

/** Opens the store a location's full input describes. */
export function openLocationStore(
  input: LocationInput,
  overrides: StoreOverrides = {},
): { store: ObjectStore; target: ValidationTarget } {
  switch (input.provider) {
    case 'aws':
    case 'minio': {
      const options: S3Options = { bucket: input.bucket, prefix: input.prefix, region: input.region };
      if (input.sse) options.sse = input.sse;
      if (input.kmsKeyId) options.kmsKeyId = input.kmsKeyId;
      const target: ValidationTarget = { provider: 's3', bucket: input.bucket, region: input.region };
      if (input.endpoint) {
        options.endpoint = input.endpoint;
        target.endpoint = input.endpoint;
      }
      if (input.forcePathStyle !== undefined) options.forcePathStyle = input.forcePathStyle;
      if (input.caCert) options.caCert = input.caCert;
      if (input.provider === 'minio') {
        options.credentials = { accessKeyId: input.accessKeyId, secretAccessKey: input.secretAccessKey };
      } else if (input.credentials.kind === 'keys') {
        options.credentials = {
          accessKeyId: input.credentials.accessKeyId,
          secretAccessKey: input.credentials.secretAccessKey,
        };
      } else {
        const role = input.credentials;
        options.roleArn = role.roleArn;
        if (role.externalId) options.externalId = role.externalId;
        if (role.stsEndpoint) options.stsEndpoint = role.stsEndpoint;
        if (role.accessKeyId && role.secretAccessKey)
          options.credentials = { accessKeyId: role.accessKeyId, secretAccessKey: role.secretAccessKey };
        target.roleArn = role.roleArn;
      }
      if (input.provider === 'aws' && overrides.awsSession) {
        // The role was assumed already: its session's keys are the credentials.
        delete options.roleArn;
        delete options.externalId;
        options.credentials = overrides.awsSession;
      }
      return { store: new S3ObjectStore(options), target };
    }
    case 'gcp': {
      const target: ValidationTarget = { provider: 'gcs', bucket: input.bucket };
      if (input.endpoint) target.endpoint = input.endpoint;
      const store = new GcsObjectStore({
        bucket: input.bucket,
        prefix: input.prefix,
        ...(input.serviceAccountKey ? { credentialsJson: input.serviceAccountKey } : {}),
        ...(input.endpoint ? { endpoint: input.endpoint } : {}),
      });
      return { store, target };
    }
    case 'azure': {
      const target: ValidationTarget = { provider: 'azure', bucket: input.container };
      if (input.endpoint) target.endpoint = input.endpoint;
      const given = input.credentials;
      const credentials: AzureCredentials =
        given.kind === 'sharedKey'
          ? { kind: 'sharedKey', accountKey: given.accountKey }
          : {
              kind: 'servicePrincipal',
              tenantId: given.tenantId,
              clientId: given.clientId,
              clientSecret: given.clientSecret,
              ...(given.subscriptionId ? { subscriptionId: given.subscriptionId } : {}),
              ...(given.resourceGroup ? { resourceGroup: given.resourceGroup } : {}),
            };
      const store = new AzureObjectStore({
        account: input.storageAccount,
        container: input.container,
        prefix: input.prefix,
        ...(input.endpoint ? { endpoint: input.endpoint } : {}),
        credentials,
      });
      return { store, target };
    }
  }
}

/** Where a location's bucket is, in one line (no secrets). */
export function describeLocation(provider: LocationProvider, config: Fields): string {
  const prefix = config.prefix ? `/${String(config.prefix)}` : '';
  switch (provider) {
    case 'aws':
      return `s3://${String(config.bucket)}${prefix} (${String(config.region)})${config.endpoint ? ` at ${String(config.endpoint)}` : ''}`;
    case 'minio':
      return `s3://${String(config.bucket)}${prefix} at ${String(config.endpoint)}`;
    case 'gcp':
      return `gs://${String(config.bucket)}${prefix}`;
    case 'azure':
      return `azblob://${String(config.storageAccount)}/${String(config.container)}${prefix}`;
  }
}

/**
 * Where a location's fields point, as the storage layer names a place (provider, endpoint, bucket or
 * account and container, prefix): what `locationsOverlap` compares.
 */
export function storageLocationOf(provider: LocationProvider, config: Fields): Location {
  const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
  const prefix = text(config.prefix) ?? '';
  const endpoint = text(config.endpoint);
  switch (provider) {
    case 'aws':
    case 'minio':
      return {
        provider: 's3',
        bucket: String(config.bucket),
        prefix,
        region: String(config.region),
        ...(endpoint ? { endpoint } : {}),
      };
    case 'gcp':
      return { provider: 'gcs', bucket: String(config.bucket), prefix, ...(endpoint ? { endpoint } : {}) };
    case 'azure':
      return {
        provider: 'azure',
        account: String(config.storageAccount),
        container: String(config.container),
        prefix,
        ...(endpoint ? { endpoint } : {}),
      };
  }
}
