/**
 * Request bodies of the control plane: the single source for validation and for the OpenAPI document.
 * Fields holding secrets are marked `secret` in their description, never echoed back.
 *
 * Every string is bounded to what it can mean (a name, a cron field, a bucket, a key): its length is checked
 * first (`abort`, so nothing else runs on a huge value), then its characters. The work of one request stays
 * small whatever a caller sends: a 1 MiB cron field once held the event loop for 11 s.
 */
import { z } from 'zod';

/** A string of at most `max` characters, refused before any other check runs on it. */
function bounded(max: number, what = 'characters'): z.ZodString {
  return z.string().max(max, { message: `use at most ${max} ${what}`, abort: true });
}

/** Free text a person types: bounded, without control characters. */
function text(max: number): z.ZodString {
  return bounded(max).regex(/^[^\p{Cc}]*$/u, 'use no control characters (tabs, new lines)');
}

/** A value without spaces or control characters (keys, ids, regions). */
function word(max: number, what: string): z.ZodString {
  return bounded(max)
    .min(1, `give ${what}`)
    .regex(/^[\x21-\x7e]+$/, `write ${what} without spaces`);
}

/** A list of at most `max` entries: a longer one is refused whole. */
function listOf<T extends z.ZodType>(item: T, max: number, what: string) {
  return z.array(item).max(max, { message: `list at most ${max} ${what}`, abort: true });
}

const kib = 1024;

/** A DNS-1123 label: what Kubernetes and bucket keys accept everywhere we use a name. */
export const nameSchema = bounded(63)
  .min(1, 'give a name')
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    "use lower-case letters, digits and '-', starting and ending with a letter or digit",
  )
  .refine(
    (name) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(name),
    'a name may not look like an id (a UUID): paths take either, so pick a name that reads as one',
  );

/** A DNS-1123 subdomain: names of storage classes, and of backups Velero wrote (they may hold dots). */
const objectName = bounded(253)
  .min(1, 'give a name')
  .regex(
    /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
    "use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit",
  );

/** What points at a project, cluster, workspace, location, user or token: its name or its id. */
export const idOrName = bounded(63)
  .min(1, 'give a name or an id')
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "give a name or an id (lower-case letters, digits and '-')");
/** What points at a backup or a restore: its id, or its name. */
export const backupRef = objectName;

function isServiceAccountKey(text: string): boolean {
  try {
    const key = JSON.parse(text) as { client_email?: unknown; private_key?: unknown };
    return typeof key.client_email === 'string' && typeof key.private_key === 'string';
  } catch {
    return false;
  }
}

const secret = (schema: z.ZodString, what: string) => schema.min(1).describe(`${what} (secret: write-only)`);
const roleSchema = z.enum(['admin', 'operator', 'viewer']);
const clusterResourcesSchema = z.enum(['auto', 'always', 'never']);
const namespaceList = listOf(nameSchema, 2000, 'namespaces').default([]);
/** Resources as Velero names them: `configmaps`, `deployments.apps`, `*`. */
const resourceList = listOf(
  bounded(253)
    .min(1, 'name a resource')
    .regex(/^[A-Za-z0-9*][-A-Za-z0-9.*]*$/, 'name resources as Velero does: configmaps, deployments.apps'),
  500,
  'resources',
).default([]);
const labelSelector = bounded(1024)
  .min(1)
  .regex(/^[\x20-\x7e]+$/, 'write the label selector in plain ASCII, such as app=web,tier!=cache');
const locationRef = idOrName.describe('location id or name');
/** An endpoint of a store or a service: http or https, of a sensible length. */
const endpointUrl = (message: string) =>
  bounded(2048).pipe(z.url({ protocol: /^https?$/, message: `${message} (http or https)` }));

export const projectInput = z.object({ name: nameSchema }).strict();
export const userInput = z.object({ name: nameSchema, isAdmin: z.boolean().default(false) }).strict();
export const tokenInput = z.object({ name: text(100).min(1, 'give the token a name') }).strict();
export const memberInput = z.object({ role: roleSchema }).strict();

export const clusterInput = z
  .object({
    name: nameSchema,
    kubeconfig: secret(
      bounded(
        128 * kib,
        'characters: give the kubeconfig of this one cluster (kubectl config view --minify --flatten)',
      ),
      'the kubeconfig, as YAML',
    ),
    context: text(253).min(1).optional().describe('context to use; default the current context'),
  })
  .strict();
export const clusterUpdate = clusterInput.partial().strict();

export const workspaceInput = z
  .object({
    name: nameSchema,
    clusters: listOf(idOrName, 200, 'clusters')
      .min(1, 'pick at least one cluster')
      .describe('cluster ids or names'),
    namespaces: namespaceList.describe('namespaces backed up in every member; empty for all'),
  })
  .strict();
export const workspaceUpdate = workspaceInput.partial().strict();

const bucketPrefix = text(512)
  .regex(/^[^/].*[^/]$|^[^/]?$/, 'write the prefix without leading or trailing "/"')
  .refine(
    (prefix) =>
      prefix === '' || prefix.split('/').every((part) => part !== '' && part !== '.' && part !== '..'),
    'write the prefix without empty, "." or ".." parts',
  )
  .default('');
/** S3 and GCS bucket names (old S3 ones may hold capitals and '_'). */
const bucketName = bounded(255)
  .min(1, 'give the bucket')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "use letters, digits, '.', '-' and '_' in the bucket name");
const accessKeyId = word(256, 'the access key ID');
const region = word(64, 'the region').regex(/^[A-Za-z0-9_-]+$/, 'name the region as us-east-1 is named');
const awsKeys = z.object({
  kind: z.literal('keys'),
  accessKeyId,
  secretAccessKey: secret(bounded(1024), 'AWS secret access key'),
});
const awsRole = z.object({
  kind: z.literal('sts'),
  roleArn: bounded(2048).regex(
    /^arn:[^:\s]+:iam::[^:\s]*:role\/\S+$/,
    'give a role ARN such as arn:aws:iam::123456789012:role/lifeboat',
  ),
  externalId: word(1224, 'the external ID')
    .min(2)
    .optional()
    .describe('default: one generated for this location'),
  stsEndpoint: endpointUrl('give the STS endpoint URL')
    .optional()
    .describe("default: the S3 URL when it is not AWS's, else AWS STS for the region"),
  accessKeyId: accessKeyId
    .optional()
    .describe("keys that assume the role; default the server's own AWS identity"),
  secretAccessKey: secret(bounded(1024), 'secret of the keys that assume the role').optional(),
});
const caCert = bounded(256 * kib)
  .includes('-----BEGIN CERTIFICATE-----', { message: 'paste the CA certificate in PEM form' })
  .optional();
/** Keep the CSI snapshots whose data was copied (Lifeboat's addition: Velero's data mover always deletes them). */
const keepVolumeSnapshots = (what: string) =>
  z
    .boolean()
    .optional()
    .describe(`keep each CSI snapshot beside its copied data (with copyVolumeData); ${what}`);
/** How the data mover uses a location: every provider has these. */
const moverFields = {
  copyVolumeData: z
    .boolean()
    .optional()
    .describe("copy the snapshots' data here by default, for backups that include disks"),
  keepVolumeSnapshots: keepVolumeSnapshots('the default of backups that copy data here'),
  moverEndpoint: endpointUrl('give the URL pods in your clusters reach the store at')
    .optional()
    .describe("the store's URL as pods in the clusters reach it, when it differs from the URL Lifeboat uses"),
};
const s3Common = {
  ...moverFields,
  bucket: bucketName,
  prefix: bucketPrefix,
  sse: z.enum(['AES256', 'aws:kms']).optional(),
  kmsKeyId: word(2048, 'the KMS key').optional(),
};
export const awsLocation = z
  .object({
    provider: z.literal('aws'),
    name: nameSchema,
    region,
    endpoint: endpointUrl('give the S3 URL, such as https://s3.example.com:9000')
      .optional()
      .describe('S3 URL of a private or S3-compatible endpoint; default AWS S3 for the region'),
    forcePathStyle: z.boolean().optional().describe('bucket in the path rather than the host name'),
    caCert: caCert.describe('CA certificate (PEM) of an endpoint with a private certificate'),
    ...s3Common,
    credentials: z.discriminatedUnion('kind', [awsKeys, awsRole]),
  })
  .strict();
export const minioLocation = z
  .object({
    provider: z.literal('minio'),
    name: nameSchema,
    endpoint: endpointUrl('give the endpoint URL, such as https://minio.example.com:9000'),
    region: region.default('us-east-1'),
    forcePathStyle: z.boolean().default(true),
    caCert,
    ...s3Common,
    accessKeyId,
    secretAccessKey: secret(bounded(1024), 'secret key'),
  })
  .strict();
export const gcpLocation = z
  .object({
    provider: z.literal('gcp'),
    name: nameSchema,
    bucket: bucketName,
    prefix: bucketPrefix,
    ...moverFields,
    endpoint: endpointUrl('give the API endpoint URL').optional().describe('API endpoint; default Google'),
    serviceAccountKey: secret(
      bounded(64 * kib),
      "the service-account key JSON; without it, the server's Application Default Credentials",
    )
      .refine(
        isServiceAccountKey,
        'paste the whole JSON key file of the service account (with client_email and private_key)',
      )
      .optional(),
  })
  .strict();
/** Azure's ids: GUIDs, or a tenant's domain name. */
const azureId = (what: string) =>
  word(256, what).regex(/^[A-Za-z0-9._-]+$/, `write ${what} as a GUID or a domain name`);
const azureServicePrincipal = z.object({
  kind: z.literal('servicePrincipal'),
  tenantId: azureId('the tenant ID'),
  clientId: azureId('the client ID'),
  clientSecret: secret(bounded(1024), 'client secret'),
  subscriptionId: azureId('the subscription ID').optional(),
  resourceGroup: bounded(90)
    .min(1)
    .regex(/^[-\w.()]+$/, "use letters, digits, '-', '_', '.' and parentheses in the resource group")
    .optional(),
});
const azureSharedKey = z.object({
  kind: z.literal('sharedKey'),
  accountKey: secret(bounded(1024), 'account key'),
});
export const azureLocation = z
  .object({
    provider: z.literal('azure'),
    name: nameSchema,
    storageAccount: bounded(24)
      .min(3, 'use at least 3 characters')
      .regex(/^[a-z0-9]+$/, 'use lower-case letters and digits in the storage account name'),
    container: bounded(63)
      .min(3, 'use at least 3 characters')
      .regex(
        /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
        "use lower-case letters, digits and '-' in the container name",
      ),
    prefix: bucketPrefix,
    ...moverFields,
    endpoint: endpointUrl('give the blob endpoint URL')
      .optional()
      .describe('blob endpoint; default https://<account>.blob.core.windows.net'),
    credentials: z.discriminatedUnion('kind', [azureServicePrincipal, azureSharedKey]),
  })
  .strict();
export const locationInput = z
  .discriminatedUnion('provider', [awsLocation, minioLocation, gcpLocation, azureLocation])
  .refine((input) => !input.keepVolumeSnapshots || input.copyVolumeData === true, {
    path: ['keepVolumeSnapshots'],
    message:
      'keepVolumeSnapshots keeps the snapshots whose data is copied: set copyVolumeData too (or leave keepVolumeSnapshots out)',
  });
export type LocationInput = z.infer<typeof locationInput>;

/**
 * One field of a cron pattern: a value, range, list or step, without spaces (a space would shift fields).
 * Short: every minute of an hour listed one by one takes 170 characters, and `*` or a step says it shorter.
 */
const cronField = bounded(100)
  .min(1, 'give a value, such as * or 0')
  .regex(/^[0-9*,/-]+$/, 'use digits, *, ranges (1-5), lists (1,15) or steps (*/2), without spaces');
/** An IANA time zone name (the schedule checks the runtime knows it). */
const timeZone = bounded(64)
  .min(1, 'give a time zone')
  .regex(/^[A-Za-z0-9_+\-/]+$/, 'use an IANA time zone name, such as Europe/Berlin');

export const scheduleInput = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('never') }),
  z.object({ kind: z.literal('weekly') }).describe('every week on Sunday at midnight'),
  z.object({ kind: z.literal('biweekly') }).describe('every two weeks at midnight (a 14-day interval)'),
  z.object({ kind: z.literal('monthly') }).describe('every month on the 1st at midnight'),
  z.object({ kind: z.literal('bimonthly') }).describe('every two months on the 1st at midnight'),
  z.object({
    kind: z.literal('custom'),
    month: cronField.default('*'),
    day: cronField.default('*'),
    hour: cronField,
    minute: cronField,
  }),
]);

const expiryHours = z
  .number()
  .int()
  .positive('the expiry must be at least one hour')
  .max(24 * 366 * 10, 'the expiry must be at most ten years')
  .describe('hours after which the backup is deleted');

export const policyInput = z
  .object({
    prefix: bounded(40).regex(
      /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/,
      "use at most 40 lower-case letters, digits and '-'",
    ),
    location: locationRef,
    schedule: scheduleInput,
    timeZone: timeZone.default('UTC'),
    expiryHours: expiryHours.default(720),
    includeDisks: z.boolean().default(false),
    copyVolumeData: z
      .boolean()
      .optional()
      .describe(
        "copy the snapshots' data to the location (with includeDisks); default: the location's setting",
      ),
    keepVolumeSnapshots: keepVolumeSnapshots("default: the location's setting"),
    includeClusterResources: clusterResourcesSchema.default('auto'),
    namespaces: namespaceList,
  })
  .strict();

export const schedulePreviewInput = z
  .object({
    schedule: scheduleInput,
    timeZone: timeZone.default('UTC'),
    count: z.number().int().min(1).max(20).default(5),
  })
  .strict();

export const backupInput = z
  .object({
    name: nameSchema.optional().describe('default: manual-<timestamp>'),
    location: locationRef,
    expiryHours: expiryHours.default(720),
    includeDisks: z.boolean().default(false),
    copyVolumeData: z
      .boolean()
      .optional()
      .describe(
        "copy the snapshots' data to the location (with includeDisks); default: the location's setting",
      ),
    keepVolumeSnapshots: keepVolumeSnapshots("default: the location's setting"),
    includeClusterResources: clusterResourcesSchema.default('auto'),
    namespaces: namespaceList.describe('namespaces to back up; empty for all'),
    excludeNamespaces: namespaceList,
    includeResources: resourceList,
    excludeResources: resourceList,
    labelSelector: labelSelector.optional(),
  })
  .strict();

/** `repository check` of a location, run by the control plane. */
export const repositoryCheckInput = z
  .object({
    readData: z
      .boolean()
      .default(false)
      .describe('also download every pack and verify every blob (the whole repository: slow)'),
  })
  .strict();

/** The bounds of a restore's `volumeTimeoutMs`: 10 s to 1 h. */
export const volumeTimeoutBounds = { minMs: 10_000, maxMs: 3_600_000 } as const;

/** A map of names onto names, of at most 500 entries. */
const mapping = (name: z.ZodType<string>) =>
  z
    .record(name, name)
    .refine((map) => Object.keys(map).length <= 500, { message: 'map at most 500 names', abort: true })
    .default({});
export const restoreInput = z
  .object({
    name: nameSchema.optional().describe('default: <backup>-<timestamp>'),
    backup: backupRef.describe('backup id or name'),
    targetCluster: idOrName.describe('cluster id or name, in the same project'),
    includeNamespaces: namespaceList,
    excludeNamespaces: namespaceList,
    includeResources: resourceList,
    excludeResources: resourceList,
    includeClusterResources: clusterResourcesSchema.optional(),
    labelSelector: labelSelector.optional(),
    namespaceMappings: mapping(nameSchema).describe('source namespace → target namespace'),
    storageClassMappings: mapping(objectName).describe('source storage class → target storage class'),
    existingResourcePolicy: z.enum(['none', 'update']).default('none'),
    preserveNodePorts: z.boolean().default(false),
    volumeTimeoutMs: z
      .number()
      .int()
      .min(volumeTimeoutBounds.minMs, { message: 'give at least 10000 (10 s)' })
      .max(volumeTimeoutBounds.maxMs, { message: 'give at most 3600000 (1 h)' })
      .optional()
      .describe(
        'how long each claim made from a CSI snapshot may take, in ms: its snapshot to be ready, then the claim to be Bound (10 s to 1 h; default 5 min)',
      ),
  })
  .strict();

export type ProjectInput = z.infer<typeof projectInput>;
export type ClusterInput = z.infer<typeof clusterInput>;
export type WorkspaceInput = z.infer<typeof workspaceInput>;
export type WorkspaceUpdate = z.infer<typeof workspaceUpdate>;
export type ClusterUpdate = z.infer<typeof clusterUpdate>;
export type PolicyInput = z.infer<typeof policyInput>;
export type BackupInput = z.infer<typeof backupInput>;
export type RestoreInput = z.infer<typeof restoreInput>;
