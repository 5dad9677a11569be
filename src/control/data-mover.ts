/**
 * What the control plane gives the data mover (src/volumes/mover): the image its pods run, the location as
 * the pods open it, and the location's repository secret — 32 random bytes made the first time a location
 * needs one, sealed in the vault (the database holds it only sealed) and handed to a pod only inside the
 * Secret that lives as long as the pod.
 */
import { randomBytes } from 'node:crypto';
import type { BackupOptions, LocationRecord } from '../db/index.ts';
import * as db from '../db/index.ts';
import { describeError } from '../kube/index.ts';
import { assumeRoleOnce, type ObjectStore } from '../storage/index.ts';
import {
  type AwsSession,
  forgetSnapshots,
  type MoverSettings,
  openRepository,
  pruneRepository,
  RepositoryLockedError,
  RepositoryNotFoundError,
} from '../volumes/index.ts';
import type { ControlContext } from './context.ts';
import { storedInput } from './location-config.ts';
import { type LocationInput, locationInput } from './schemas-locations.ts';
import { parseInput } from './validation.ts';
import type { Vault } from './vault.ts';

/** The image of mover pods by default: this Lifeboat's own (LIFEBOAT_MOVER_IMAGE overrides it). */
export const defaultMoverImage = 'ghcr.io/lifeboat-backup/lifeboat:0.1.0';

/** How the control plane runs mover pods (LIFEBOAT_MOVER_IMAGE, LIFEBOAT_MOVER_TIMEOUT_MINUTES). */
export interface MoverConfig {
  image: string;
  /** How long one volume's copy may take, in ms. */
  timeoutMs: number;
}

/** The mover configuration from the environment. */
export function moverConfigFromEnv(env: Record<string, string | undefined>): MoverConfig {
  const minutes = Number(env.LIFEBOAT_MOVER_TIMEOUT_MINUTES ?? 240);
  return {
    image: env.LIFEBOAT_MOVER_IMAGE || defaultMoverImage,
    timeoutMs: (Number.isFinite(minutes) && minutes > 0 ? minutes : 240) * 60_000,
  };
}

/** Whether a backup copies its volumes' data: its own choice, else its location's default; only with disks. */
export function copiesVolumeData(
  options: Pick<BackupOptions, 'includeDisks'> & { copyVolumeData?: boolean | null | undefined },
  location: LocationRecord,
): boolean {
  if (!options.includeDisks) return false;
  return options.copyVolumeData ?? location.config.copyVolumeData === true;
}

/**
 * Whether a backup that copies its volumes' data keeps their CSI snapshots too: its own choice, else its
 * location's default (`keepVolumeSnapshots`). Velero's data mover always deletes them; keeping both lets a
 * restore in the same cloud come from the snapshot while the copy covers the loss of the account.
 */
export function keepsVolumeSnapshots(options: BackupOptions, location: LocationRecord): boolean {
  return options.keepVolumeSnapshots ?? location.config.keepVolumeSnapshots === true;
}

/**
 * Refuses keeping snapshots where no data is copied: the option keeps the snapshots whose data the mover
 * copied, so it needs copying on — asked for, or the location's default. Returns the sentence, or undefined.
 */
export function keepWithoutCopyProblem(
  input: {
    includeDisks: boolean;
    copyVolumeData?: boolean | undefined;
    keepVolumeSnapshots?: boolean | undefined;
  },
  location: LocationRecord,
): string | undefined {
  if (input.keepVolumeSnapshots !== true) return undefined;
  if (copiesVolumeData(input, location)) return undefined;
  if (input.copyVolumeData === false)
    return 'keepVolumeSnapshots keeps the CSI snapshots whose data is copied, and copyVolumeData is false: set copyVolumeData to true (or leave keepVolumeSnapshots out; without copying, the snapshots are always kept)';
  if (!input.includeDisks)
    return 'keepVolumeSnapshots keeps the CSI snapshots whose data is copied: set includeDisks and copyVolumeData too (or leave keepVolumeSnapshots out)';
  return `keepVolumeSnapshots keeps the CSI snapshots whose data is copied, and location "${location.name}" does not copy volume data by default: set copyVolumeData too (or leave keepVolumeSnapshots out; without copying, the snapshots are always kept)`;
}

/** The vault context a location's repository secret is sealed under. */
const secretContext = (locationId: string) => `repository:${locationId}`;

/** A location's sealed repository secret opened: the base64 text of its 32 bytes (what `--secret-file` takes). */
export function openRepositorySecret(vault: Vault, locationId: string, sealed: string): string {
  return vault.open(sealed, secretContext(locationId));
}

/** The location's repository secret, made and sealed on first use. */
export async function repositorySecret(ctx: ControlContext, location: LocationRecord): Promise<Buffer> {
  let sealed = location.repositorySecret;
  if (!sealed) {
    const made = ctx.vault.seal(randomBytes(32).toString('base64'), secretContext(location.id));
    sealed = await db.claimRepositorySecret(ctx.db, location.id, made);
    if (!sealed) throw new Error(`location "${location.name}" was deleted`);
  }
  return Buffer.from(openRepositorySecret(ctx.vault, location.id, sealed), 'base64');
}

/** Time a mover pod may need beyond its job's timeout (scheduling, pulling the image) on one session. */
const sessionMarginMs = 15 * 60_000;

/**
 * For an AWS location whose role the server assumes with its own identity (no keys stored): a session of
 * the role for each mover pod, lasting the pod's timeout where the role's maximum session allows, else an
 * hour. A pod in the user's cluster has no AWS identity of its own to assume the role with.
 */
function podSessions(input: LocationInput, timeoutMs: number): (() => Promise<AwsSession>) | undefined {
  if (input.provider !== 'aws' || input.credentials.kind !== 'sts' || input.credentials.accessKeyId)
    return undefined;
  const role = input.credentials;
  return async () => {
    const session = await assumeRoleOnce(
      {
        region: input.region,
        roleArn: role.roleArn,
        ...(role.externalId ? { externalId: role.externalId } : {}),
        ...(role.stsEndpoint ? { stsEndpoint: role.stsEndpoint } : {}),
        ...(input.endpoint ? { endpoint: input.endpoint } : {}),
        ...(input.caCert ? { caCert: input.caCert } : {}),
      },
      (timeoutMs + sessionMarginMs) / 1000,
    );
    return {
      accessKeyId: session.accessKeyId,
      secretAccessKey: session.secretAccessKey,
      sessionToken: session.sessionToken,
    };
  };
}

/**
 * The mover settings for jobs on `location`: the location's fields with their secrets, its endpoint replaced
 * by the one pods reach (`moverEndpoint`) when it has one, the repository secret, and sessions of its role
 * when only the server can assume it.
 */
export async function moverSettings(
  ctx: ControlContext,
  location: LocationRecord,
  signal?: AbortSignal,
): Promise<MoverSettings> {
  const store = storedInput(location, ctx.vault);
  const awsSession = podSessions(parseInput(locationInput, store), ctx.mover.timeoutMs);
  if (typeof store.moverEndpoint === 'string' && store.moverEndpoint) store.endpoint = store.moverEndpoint;
  return {
    image: ctx.mover.image,
    store,
    secret: await repositorySecret(ctx, location),
    ...(awsSession ? { awsSession } : {}),
    timeoutMs: ctx.mover.timeoutMs,
    ...(signal ? { signal } : {}),
  };
}

/**
 * Frees the volume data of a deleted backup: forgets the repository snapshots tagged with its name, then
 * prunes the chunks no remaining snapshot uses (mark and sweep; packs of a backup still writing are safe —
 * its lock keeps prune out, and unindexed packs younger than an hour are kept). Returns what it did, for the
 * job's outcome; never throws: data not freed now is freed by the next deletion's prune.
 */
export async function freeBackupData(
  ctx: ControlContext,
  location: LocationRecord,
  store: ObjectStore,
  backupName: string,
): Promise<string | undefined> {
  if (!location.repositorySecret) return undefined;
  try {
    const repo = await openRepository(store, await repositorySecret(ctx, location));
    const ids = (await repo.snapshots())
      .filter((entry) => entry.manifest.tags.backup === backupName)
      .map((entry) => entry.id);
    if (ids.length === 0) return undefined;
    await forgetSnapshots(repo, ids);
    try {
      const pruned = await pruneRepository(repo);
      return `its copied volume data freed (${ids.length} snapshot${ids.length === 1 ? '' : 's'}, ${pruned.deletedBytes} bytes of packs deleted)`;
    } catch (error) {
      if (!(error instanceof RepositoryLockedError)) throw error;
      return `its copied volume data forgotten (${ids.length} snapshot${ids.length === 1 ? '' : 's'}); freed at a later deletion, as a backup is writing to the repository now`;
    }
  } catch (error) {
    if (error instanceof RepositoryNotFoundError) return undefined;
    ctx.log.warn(
      { backup: backupName, location: location.name, err: describeError(error) },
      "a deleted backup's copied volume data could not be freed; the next deletion's prune frees it",
    );
    return undefined;
  }
}
