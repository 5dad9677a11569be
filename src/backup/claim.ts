/**
 * A backup's claim on its name. Before the engine writes anything into `backups/<name>/` it creates
 * `lifeboat-claim.json` there with the stores' conditional create (`ifAbsent`): of two writers starting a
 * backup of one name at the same moment exactly one creates it, and the other is refused before it writes a
 * byte. The claim stays with the backup (deleting the backup deletes it), so the name stays taken while the
 * folder exists; it carries a random writer id, so a failing run removes its files only while the folder is
 * still its own.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { BackupMetadataError, backupKeys, readBounded } from '../archive/index.ts';
import { ObjectExistsError, ObjectNotFoundError, type ObjectStore } from '../storage/index.ts';
import { BackupExistsError } from './errors.ts';

/** Who is writing (or wrote) the backup in a folder. */
export interface BackupClaim {
  backup: string;
  /** Random, one per run. */
  writerId: string;
  startTimestamp: Date;
  /** The labels the backup is made with (schedule, cluster and backup ids of the control plane). */
  labels: Record<string, string>;
}

/** Whose files a removal may touch: the writer's id, or labels the claim must carry (all of them). */
export interface ClaimOwner {
  writerId?: string;
  labels?: Record<string, string>;
}

/** A claim is a few hundred bytes; anything much larger was not written by Lifeboat. */
const maxClaimBytes = 64 * 1024;

const claimSchema = z.object({
  lifeboatClaimVersion: z.literal(1),
  backup: z.string().max(253),
  writerId: z.string().min(1).max(128),
  startTimestamp: z.iso.datetime(),
  labels: z.record(z.string().max(1024), z.string().max(1024)).default({}),
});

/** A new writer id for one run. */
export function newWriterId(): string {
  return randomUUID();
}

function encodeClaim(claim: BackupClaim): Buffer {
  const document = {
    lifeboatClaimVersion: 1,
    backup: claim.backup,
    writerId: claim.writerId,
    startTimestamp: claim.startTimestamp.toISOString(),
    labels: claim.labels,
  };
  return Buffer.from(`${JSON.stringify(document, null, 2)}\n`);
}

/**
 * Creates `key` only if no object has it. When the store answers that it exists but holds exactly these
 * bytes, the write was this one, retried after an answer was lost (the SDKs retry), and counts as done.
 */
export async function putOnce(
  store: ObjectStore,
  key: string,
  body: Buffer,
  contentType: string,
): Promise<void> {
  try {
    await store.put(key, body, { contentType, ifAbsent: true });
  } catch (error) {
    if (!(error instanceof ObjectExistsError)) throw error;
    const there = await readBounded(store, key, body.length).catch(() => undefined);
    if (there?.equals(body)) return;
    throw error;
  }
}

/**
 * Claims the name for this run; `BackupExistsError` when it is taken — by a completed backup, or by one
 * being written or left unfinished (a claim without a description), which the message tells apart.
 */
export async function claimBackupName(store: ObjectStore, claim: BackupClaim): Promise<void> {
  const keys = backupKeys(claim.backup);
  try {
    await putOnce(store, keys.claim, encodeClaim(claim), 'application/json');
  } catch (error) {
    if (!(error instanceof ObjectExistsError)) throw error;
    if (await store.head(keys.metadata)) throw new BackupExistsError(claim.backup, store.description);
    const other = await readBackupClaim(store, claim.backup).catch(() => undefined);
    throw new BackupExistsError(
      claim.backup,
      store.description,
      other ? { since: other.startTimestamp } : {},
    );
  }
}

/** The claim in backup `name`'s folder; undefined when there is none; `BackupMetadataError` when unreadable. */
export async function readBackupClaim(store: ObjectStore, name: string): Promise<BackupClaim | undefined> {
  const key = backupKeys(name).claim;
  let bytes: Buffer;
  try {
    bytes = await readBounded(store, key, maxClaimBytes);
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
  let parsed: z.infer<typeof claimSchema>;
  try {
    parsed = claimSchema.parse(JSON.parse(bytes.toString('utf8')));
  } catch (error) {
    throw new BackupMetadataError(`${key} is not a claim Lifeboat wrote`, { file: key, cause: error });
  }
  return {
    backup: parsed.backup,
    writerId: parsed.writerId,
    startTimestamp: new Date(parsed.startTimestamp),
    labels: parsed.labels,
  };
}

/** Whether `claim` is `owner`'s: the same writer id (when given) and every label given. */
export function claimedBy(claim: BackupClaim | undefined, owner: ClaimOwner): boolean {
  if (!claim) return false;
  if (owner.writerId !== undefined && claim.writerId !== owner.writerId) return false;
  return Object.entries(owner.labels ?? {}).every(([key, value]) => claim.labels[key] === value);
}
