/**
 * Request bodies of the control plane: the single source for validation and for the OpenAPI document.
 * Fields holding secrets are marked `secret` in their description, never echoed back.
 */
import { z } from 'zod';

/** A DNS-1123 label: what Kubernetes and bucket keys accept everywhere we use a name. */
export const nameSchema = z
  .string()
  .min(1, 'give a name')
  .max(63, 'use at most 63 characters')
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    "use lower-case letters, digits and '-', starting and ending with a letter or digit",
  )
  .refine(
    (name) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(name),
    'a name may not look like an id (a UUID): paths take either, so pick a name that reads as one',
  );

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
const namespaceList = z.array(nameSchema).default([]);

export const projectInput = z.object({ name: nameSchema }).strict();
export const userInput = z.object({ name: nameSchema, isAdmin: z.boolean().default(false) }).strict();
export const tokenInput = z.object({ name: z.string().min(1).max(100) }).strict();
export const memberInput = z.object({ role: roleSchema }).strict();

export const clusterInput = z
  .object({
    name: nameSchema,
    kubeconfig: secret(z.string(), 'the kubeconfig, as YAML'),
    context: z.string().min(1).optional().describe('context to use; default the current context'),
  })
  .strict();
export const clusterUpdate = clusterInput.partial().strict();

export const workspaceInput = z
  .object({
    name: nameSchema,
    clusters: z.array(z.string().min(1)).min(1, 'pick at least one cluster').describe('cluster ids or names'),
    namespaces: namespaceList.describe('namespaces backed up in every member; empty for all'),
  })
  .strict();
export const workspaceUpdate = workspaceInput.partial().strict();

const bucketPrefix = z
  .string()
  .regex(/^[^/].*[^/]$|^[^/]?$/, 'write the prefix without leading or trailing "/"')
  .default('');
const awsKeys = z.object({
  kind: z.literal('keys'),
  accessKeyId: z.string().min(1),
  secretAccessKey: secret(z.string(), 'AWS secret access key'),
});
const awsRole = z.object({
  kind: z.literal('sts'),
  roleArn: z
    .string()
    .regex(
      /^arn:[^:]+:iam::[^:]*:role\/.+$/,
      'give a role ARN such as arn:aws:iam::123456789012:role/lifeboat',
    ),
  externalId: z.string().min(2).max(1224).optional().describe('default: one generated for this location'),
  stsEndpoint: z.url().optional(),
  accessKeyId: z
    .string()
    .min(1)
    .optional()
    .describe("keys that assume the role; default the server's own AWS identity"),
  secretAccessKey: secret(z.string(), 'secret of the keys that assume the role').optional(),
});
const s3Common = {
  bucket: z.string().min(1),
  prefix: bucketPrefix,
  sse: z.enum(['AES256', 'aws:kms']).optional(),
  kmsKeyId: z.string().min(1).optional(),
};
export const awsLocation = z
  .object({
    provider: z.literal('aws'),
    name: nameSchema,
    region: z.string().min(1),
    ...s3Common,
    credentials: z.discriminatedUnion('kind', [awsKeys, awsRole]),
  })
  .strict();
export const minioLocation = z
  .object({
    provider: z.literal('minio'),
    name: nameSchema,
    endpoint: z.url('give the endpoint URL, such as https://minio.example.com:9000'),
    region: z.string().min(1).default('us-east-1'),
    forcePathStyle: z.boolean().default(true),
    caCert: z
      .string()
      .includes('-----BEGIN CERTIFICATE-----', { message: 'paste the CA certificate in PEM form' })
      .optional(),
    ...s3Common,
    accessKeyId: z.string().min(1),
    secretAccessKey: secret(z.string(), 'secret key'),
  })
  .strict();
export const gcpLocation = z
  .object({
    provider: z.literal('gcp'),
    name: nameSchema,
    bucket: z.string().min(1),
    prefix: bucketPrefix,
    endpoint: z.url().optional().describe('API endpoint; default Google'),
    serviceAccountKey: secret(
      z.string(),
      "the service-account key JSON; without it, the server's Application Default Credentials",
    )
      .refine(
        isServiceAccountKey,
        'paste the whole JSON key file of the service account (with client_email and private_key)',
      )
      .optional(),
  })
  .strict();
const azureServicePrincipal = z.object({
  kind: z.literal('servicePrincipal'),
  tenantId: z.string().min(1),
  clientId: z.string().min(1),
  clientSecret: secret(z.string(), 'client secret'),
  subscriptionId: z.string().min(1).optional(),
  resourceGroup: z.string().min(1).optional(),
});
const azureSharedKey = z.object({
  kind: z.literal('sharedKey'),
  accountKey: secret(z.string(), 'account key'),
});
export const azureLocation = z
  .object({
    provider: z.literal('azure'),
    name: nameSchema,
    storageAccount: z.string().min(1),
    container: z.string().min(1),
    prefix: bucketPrefix,
    endpoint: z.url().optional().describe('blob endpoint; default https://<account>.blob.core.windows.net'),
    credentials: z.discriminatedUnion('kind', [azureServicePrincipal, azureSharedKey]),
  })
  .strict();
export const locationInput = z.discriminatedUnion('provider', [
  awsLocation,
  minioLocation,
  gcpLocation,
  azureLocation,
]);
export type LocationInput = z.infer<typeof locationInput>;

/** One field of a cron pattern: a value, range, list or step, without spaces (a space would shift fields). */
const cronField = z
  .string()
  .regex(/^[0-9*,/-]+$/, 'use digits, *, ranges (1-5), lists (1,15) or steps (*/2), without spaces');

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
    prefix: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/, "use at most 40 lower-case letters, digits and '-'"),
    location: z.string().min(1).describe('location id or name'),
    schedule: scheduleInput,
    timeZone: z.string().min(1).default('UTC'),
    expiryHours: expiryHours.default(720),
    includeDisks: z.boolean().default(false),
    includeClusterResources: clusterResourcesSchema.default('auto'),
    namespaces: namespaceList,
  })
  .strict();

export const schedulePreviewInput = z
  .object({
    schedule: scheduleInput,
    timeZone: z.string().min(1).default('UTC'),
    count: z.number().int().min(1).max(20).default(5),
  })
  .strict();

export const backupInput = z
  .object({
    name: nameSchema.optional().describe('default: manual-<timestamp>'),
    location: z.string().min(1).describe('location id or name'),
    expiryHours: expiryHours.default(720),
    includeDisks: z.boolean().default(false),
    includeClusterResources: clusterResourcesSchema.default('auto'),
    namespaces: namespaceList.describe('namespaces to back up; empty for all'),
    excludeNamespaces: namespaceList,
    includeResources: z.array(z.string().min(1)).default([]),
    excludeResources: z.array(z.string().min(1)).default([]),
    labelSelector: z.string().min(1).optional(),
  })
  .strict();

const mapping = z.record(z.string(), z.string()).default({});
export const restoreInput = z
  .object({
    name: nameSchema.optional().describe('default: <backup>-<timestamp>'),
    backup: z.string().min(1).describe('backup id or name'),
    targetCluster: z.string().min(1).describe('cluster id or name, in the same project'),
    includeNamespaces: namespaceList,
    excludeNamespaces: namespaceList,
    includeResources: z.array(z.string().min(1)).default([]),
    excludeResources: z.array(z.string().min(1)).default([]),
    includeClusterResources: clusterResourcesSchema.optional(),
    labelSelector: z.string().min(1).optional(),
    namespaceMappings: mapping.describe('source namespace → target namespace'),
    storageClassMappings: mapping.describe('source storage class → target storage class'),
    existingResourcePolicy: z.enum(['none', 'update']).default('none'),
    preserveNodePorts: z.boolean().default(false),
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
