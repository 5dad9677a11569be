/**
 * The backup-location wizard's form: which fields each provider shows, and how they become the request body
 * (`locationInput` in src/control/schemas.ts). The schemas are strict, so empty fields are left out.
 */
import type { LocationView } from '../../../src/api/types.ts';

export type Provider = LocationView['provider'];
export type AwsAuth = 'keys' | 'sts';
export type AzureAuth = 'servicePrincipal' | 'sharedKey';

export interface LocationForm {
  provider: Provider;
  awsAuth: AwsAuth;
  azureAuth: AzureAuth;
  forcePathStyle: boolean;
  /**
   * Whether this server may assume an AWS role with its own identity (LIFEBOAT_ALLOW_SERVER_IDENTITY=true):
   * then the keys that assume it are optional. Told by the server, never typed.
   */
  serverIdentity: boolean;
  /** Copy the snapshots' data here by default, for backups that include disks (the data mover). */
  copyVolumeData: boolean;
  /** Keep the CSI snapshots beside their copied data by default (only with `copyVolumeData`). */
  keepVolumeSnapshots: boolean;
  name: string;
  bucket: string;
  region: string;
  prefix: string;
  endpoint: string;
  caCert: string;
  accessKeyId: string;
  secretAccessKey: string;
  roleArn: string;
  stsEndpoint: string;
  externalId: string;
  serviceAccountKey: string;
  storageAccount: string;
  container: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  subscriptionId: string;
  resourceGroup: string;
  accountKey: string;
  /** The store's URL as pods in the clusters reach it, when it differs from `endpoint`. */
  moverEndpoint: string;
}

/** The form's text fields (everything but the provider, the two auth choices and the switches). */
export type TextKey = Exclude<
  keyof LocationForm,
  | 'provider'
  | 'awsAuth'
  | 'azureAuth'
  | 'forcePathStyle'
  | 'serverIdentity'
  | 'copyVolumeData'
  | 'keepVolumeSnapshots'
>;

export const providerLabels: Record<Provider, string> = {
  aws: 'AWS S3',
  gcp: 'Google Cloud Storage',
  minio: 'MinIO',
  azure: 'Azure Blob',
};

export const fieldLabels: Record<TextKey, string> = {
  name: 'Name',
  bucket: 'Bucket',
  region: 'Region',
  prefix: 'Prefix',
  endpoint: 'Endpoint',
  caCert: 'CA certificate (PEM)',
  accessKeyId: 'Access key ID',
  secretAccessKey: 'Secret access key',
  roleArn: 'Role ARN',
  stsEndpoint: 'STS endpoint',
  externalId: 'External ID',
  serviceAccountKey: 'Service account key (JSON)',
  storageAccount: 'Storage account',
  container: 'Container',
  tenantId: 'Tenant ID',
  clientId: 'Client ID',
  clientSecret: 'Client secret',
  subscriptionId: 'Subscription ID',
  resourceGroup: 'Resource group',
  accountKey: 'Account key',
  moverEndpoint: 'URL from the clusters',
};

/** Fields written only: never returned by the server, so an edit starts them empty. */
export const secretKeys = new Set<TextKey>([
  'secretAccessKey',
  'serviceAccountKey',
  'clientSecret',
  'accountKey',
]);

const credentialKeys = new Set<TextKey>([
  'accessKeyId',
  'secretAccessKey',
  'roleArn',
  'stsEndpoint',
  'externalId',
  'tenantId',
  'clientId',
  'clientSecret',
  'subscriptionId',
  'resourceGroup',
  'accountKey',
]);

/** A field's label: AWS calls its endpoint the S3 URL. */
export function labelOf(key: TextKey, provider: Provider): string {
  return key === 'endpoint' && provider === 'aws' ? 'S3 URL' : fieldLabels[key];
}

/**
 * Fields a location may go without (MinIO's region defaults to us-east-1, GCP falls back to ADC, and an AWS
 * role is assumed with the server's own identity where the server allows it).
 */
export function isOptional(
  key: TextKey,
  form: Pick<LocationForm, 'provider' | 'awsAuth' | 'serverIdentity'>,
): boolean {
  const provider = form.provider;
  switch (key) {
    case 'accessKeyId':
    case 'secretAccessKey':
      return provider === 'aws' && form.awsAuth === 'sts' && form.serverIdentity;
    case 'prefix':
    case 'caCert':
    case 'stsEndpoint':
    case 'serviceAccountKey':
    case 'subscriptionId':
    case 'resourceGroup':
    case 'moverEndpoint':
      return true;
    case 'endpoint':
      return provider !== 'minio';
    case 'region':
      return provider === 'minio';
    default:
      return false;
  }
}

/** Where a field sits in the request body (and so in the server's issue paths). */
export function pathOf(key: TextKey, provider: Provider): string {
  return credentialKeys.has(key) && (provider === 'aws' || provider === 'azure') ? `credentials.${key}` : key;
}

/** The text fields of every provider about the data mover, shown after the provider's own. */
export const volumeDataKeys: readonly TextKey[] = ['moverEndpoint'];

/** Every text field the form shows: the provider's ({@link shownKeys}), then the data mover's. */
export function formKeys(form: LocationForm): TextKey[] {
  return [...shownKeys(form), ...volumeDataKeys];
}

/** The text fields the form shows for its provider and credential kind, in order. */
export function shownKeys(form: LocationForm): TextKey[] {
  switch (form.provider) {
    case 'aws':
      return [
        'name',
        'bucket',
        'region',
        'prefix',
        'endpoint',
        'caCert',
        ...(form.awsAuth === 'keys'
          ? (['accessKeyId', 'secretAccessKey'] as const)
          : (['roleArn', 'stsEndpoint', 'accessKeyId', 'secretAccessKey', 'externalId'] as const)),
      ];
    case 'minio':
      return ['name', 'endpoint', 'bucket', 'region', 'prefix', 'caCert', 'accessKeyId', 'secretAccessKey'];
    case 'gcp':
      return ['name', 'bucket', 'prefix', 'serviceAccountKey', 'endpoint'];
    case 'azure':
      return [
        'name',
        'storageAccount',
        'container',
        'prefix',
        'endpoint',
        ...(form.azureAuth === 'servicePrincipal'
          ? (['tenantId', 'clientId', 'clientSecret', 'subscriptionId', 'resourceGroup'] as const)
          : (['accountKey'] as const)),
      ];
  }
}

export function emptyForm(provider: Provider): LocationForm {
  return {
    provider,
    awsAuth: 'keys',
    azureAuth: 'servicePrincipal',
    // MinIO wants the bucket in the path; AWS's own default is the bucket in the host name.
    forcePathStyle: provider === 'minio',
    serverIdentity: false,
    copyVolumeData: false,
    keepVolumeSnapshots: false,
    name: '',
    bucket: '',
    region: '',
    prefix: '',
    endpoint: '',
    caCert: '',
    accessKeyId: '',
    secretAccessKey: '',
    roleArn: '',
    stsEndpoint: '',
    // Filled from the server (GET .../locations/aws-external-id): one per project, chosen by Lifeboat.
    externalId: '',
    serviceAccountKey: '',
    storageAccount: '',
    container: '',
    tenantId: '',
    clientId: '',
    clientSecret: '',
    subscriptionId: '',
    resourceGroup: '',
    accountKey: '',
    moverEndpoint: '',
  };
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The form of a saved location: its shown fields filled in, its secrets empty. */
export function formFromView(location: LocationView): LocationForm {
  const config = location.config;
  const credentials = (config.credentials ?? {}) as Record<string, unknown>;
  const form = emptyForm(location.provider);
  form.name = location.name;
  for (const key of Object.keys(fieldLabels) as TextKey[]) {
    if (secretKeys.has(key)) continue;
    const value = pathOf(key, location.provider).startsWith('credentials.') ? credentials[key] : config[key];
    if (typeof value === 'string') form[key] = value;
  }
  if (location.provider === 'aws' && credentials.kind === 'sts') form.awsAuth = 'sts';
  if (location.provider === 'azure' && credentials.kind === 'sharedKey') form.azureAuth = 'sharedKey';
  if (typeof config.forcePathStyle === 'boolean') form.forcePathStyle = config.forcePathStyle;
  form.copyVolumeData = config.copyVolumeData === true;
  form.keepVolumeSnapshots = config.keepVolumeSnapshots === true;
  form.externalId = text(credentials.externalId) || form.externalId;
  return form;
}

export type Body = Record<string, unknown>;

function isObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The whole request body of the form, empty fields left out. */
export function toBody(form: LocationForm): Body {
  const body: Body = { provider: form.provider };
  const credentials: Body = {};
  if (form.provider === 'aws') credentials.kind = form.awsAuth;
  if (form.provider === 'azure') credentials.kind = form.azureAuth;
  if (form.provider === 'minio' || (form.provider === 'aws' && form.endpoint.trim()))
    body.forcePathStyle = form.forcePathStyle;
  if (form.copyVolumeData) body.copyVolumeData = true;
  // Keeping the snapshots is about copied data: without the copy it is not sent (the server would refuse it).
  if (form.copyVolumeData && form.keepVolumeSnapshots) body.keepVolumeSnapshots = true;
  for (const key of formKeys(form)) {
    const value = form[key].trim();
    if (!value) continue;
    const path = pathOf(key, form.provider);
    if (path.startsWith('credentials.')) credentials[key] = value;
    else body[key] = value;
  }
  if (form.provider === 'aws' || form.provider === 'azure') body.credentials = credentials;
  return body;
}

/**
 * What an edit sends: only the fields that changed. A changed credential kind sends the credentials whole
 * (the server replaces them rather than mixing two kinds); an emptied prefix is sent as "", and a default
 * copy of volume data, or keeping of snapshots, turned off as false.
 */
export function changedFields(before: Body, after: Body): Body {
  const changes: Body = {};
  for (const [key, value] of Object.entries(after)) {
    const old = before[key];
    if (isObject(value) && isObject(old)) {
      if (value.kind !== old.kind) changes[key] = value;
      else {
        const inner = changedFields(old, value);
        if (Object.keys(inner).length > 0) changes[key] = { kind: value.kind, ...inner };
      }
    } else if (value !== old) changes[key] = value;
  }
  if (before.prefix !== undefined && after.prefix === undefined) changes.prefix = '';
  if (before.copyVolumeData === true && after.copyVolumeData === undefined) changes.copyVolumeData = false;
  if (before.keepVolumeSnapshots === true && after.keepVolumeSnapshots === undefined)
    changes.keepVolumeSnapshots = false;
  return changes;
}

/**
 * Problems the browser can tell before asking the server: required fields left empty, and optional fields
 * emptied in an edit (a change keeps what it leaves out, so an emptied field could not be removed).
 */
export function localIssues(form: LocationForm, initial: LocationForm | undefined): Map<string, string> {
  const issues = new Map<string, string>();
  const sameCredentials =
    initial !== undefined && initial.awsAuth === form.awsAuth && initial.azureAuth === form.azureAuth;
  for (const key of formKeys(form)) {
    const path = pathOf(key, form.provider);
    if (form[key].trim()) continue;
    const keptAsIs = !credentialKeys.has(key) || sameCredentials;
    if (initial && !secretKeys.has(key) && key !== 'prefix' && initial[key].trim() && keptAsIs)
      issues.set(path, 'this field cannot be emptied once saved: enter a value, or create a new location');
    else if (isOptional(key, form)) continue;
    else if (secretKeys.has(key) && sameCredentials) continue;
    else issues.set(path, `fill in the ${labelOf(key, form.provider).toLowerCase()}`);
  }
  if (form.provider === 'aws' && form.awsAuth === 'sts') {
    // The keys that assume a role come as a pair (a saved secret counts while the credentials stay).
    const keyId = form.accessKeyId.trim() !== '';
    const secret =
      form.secretAccessKey.trim() !== '' || (sameCredentials && initial.accessKeyId.trim() !== '');
    if (keyId && !secret)
      issues.set(
        pathOf('secretAccessKey', 'aws'),
        'fill in the secret access key, or empty the access key ID',
      );
    if (secret && !keyId && !issues.has(pathOf('accessKeyId', 'aws')))
      issues.set(pathOf('accessKeyId', 'aws'), 'fill in the access key ID that goes with the secret');
  }
  return issues;
}

/** Secret fields a saved location holds that the form leaves empty (so it cannot be validated unsaved). */
export function missingSecrets(location: LocationView, body: Body): string[] {
  return location.secretFields.filter((path) => {
    let value: unknown = body;
    for (const part of path.split('.')) value = isObject(value) ? value[part] : undefined;
    return value === undefined;
  });
}
