/**
 * Field helpers shared by the request-body schemas (schemas.ts) and the location schemas
 * (schemas-locations.ts): bounded strings, names and references. Internal to src/control: schemas.ts
 * re-exports only `nameSchema`, `idOrName` and `backupRef`.
 */
import { z } from 'zod';

/** A string of at most `max` characters, refused before any other check runs on it. */
export function bounded(max: number, what = 'characters'): z.ZodString {
  return z.string().max(max, { message: `use at most ${max} ${what}`, abort: true });
}

/** Free text a person types: bounded, without control characters. */
export function text(max: number): z.ZodString {
  return bounded(max).regex(/^[^\p{Cc}]*$/u, 'use no control characters (tabs, new lines)');
}

/** A value without spaces or control characters (keys, ids, regions). */
export function word(max: number, what: string): z.ZodString {
  return bounded(max)
    .min(1, `give ${what}`)
    .regex(/^[\x21-\x7e]+$/, `write ${what} without spaces`);
}

/** A list of at most `max` entries: a longer one is refused whole. */
export function listOf<T extends z.ZodType>(item: T, max: number, what: string) {
  return z.array(item).max(max, { message: `list at most ${max} ${what}`, abort: true });
}

/** One KiB, in characters. */
export const kib = 1024;

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
export const objectName = bounded(253)
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

/** A write-only field: marked secret in its description, so it is never echoed back or logged. */
export const secret = (schema: z.ZodString, what: string) =>
  schema.min(1).describe(`${what} (secret: write-only)`);

/** An endpoint of a store or a service: http or https, of a sensible length. */
export const endpointUrl = (message: string) =>
  bounded(2048).pipe(z.url({ protocol: /^https?$/, message: `${message} (http or https)` }));

/** Keep the CSI snapshots whose data was copied (Lifeboat's addition: Velero's data mover always deletes them). */
export const keepVolumeSnapshots = (what: string) =>
  z
    .boolean()
    .optional()
    .describe(`keep each CSI snapshot beside its copied data (with copyVolumeData); ${what}`);
