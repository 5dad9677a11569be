/**
 * Request bodies of the control plane: the single source for validation and for the OpenAPI document.
 * Fields holding secrets are marked `secret` in their description, never echoed back.
 *
 * Every string is bounded to what it can mean (a name, a cron field, a bucket, a key): its length is checked
 * first (`abort`, so nothing else runs on a huge value), then its characters. The work of one request stays
 * small whatever a caller sends: a 1 MiB cron field once held the event loop for 11 s.
 */
import { z } from 'zod';
import { volumeSourceChoices, volumeSourceModes } from '../restore/index.ts';
import {
  backupRef,
  bounded,
  idOrName,
  keepVolumeSnapshots,
  kib,
  listOf,
  nameSchema,
  objectName,
  secret,
  text,
} from './schemas-fields.ts';

export { backupRef, idOrName, nameSchema } from './schemas-fields.ts';
export {
  awsLocation,
  azureLocation,
  gcpLocation,
  type LocationInput,
  locationInput,
  minioLocation,
} from './schemas-locations.ts';

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
    volumeSource: z
      .enum(volumeSourceModes, { message: `give ${volumeSourceChoices()}` })
      .default('auto')
      .describe(
        "where claims' data comes from when the backup kept a claim's CSI snapshot beside a copy of its data in the location's volume repository: auto (the kept snapshot where the target can use it, else the copy), copy (copies only, even where the snapshot is usable; a claim with only a CSI snapshot fails, named) or snapshot (CSI snapshots only; a claim whose kept snapshot the target cannot use, or with only a copy, fails with the reason rather than being filled from the copy). A failed claim is not created and the restore goes on (PartiallyFailed)",
      ),
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
