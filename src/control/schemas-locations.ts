/**
 * Request bodies of storage locations, one schema per provider (aws, minio, gcp, azure), and their
 * union `locationInput`. Re-exported by schemas.ts.
 */
import { z } from 'zod';
import {
  bounded,
  endpointUrl,
  keepVolumeSnapshots,
  kib,
  nameSchema,
  secret,
  text,
  word,
} from './schemas-fields.ts';

function isServiceAccountKey(text: string): boolean {
  try {
    const key = JSON.parse(text) as { client_email?: unknown; private_key?: unknown };
    return typeof key.client_email === 'string' && typeof key.private_key === 'string';
  } catch {
    return false;
  }
}

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
