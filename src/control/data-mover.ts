/**
 * What the control plane gives the data mover (src/volumes/mover): the image its pods run, the location as
 * the pods open it, and the location's repository secret — 32 random bytes made the first time a location
 * needs one, sealed in the vault (the database holds it only sealed) and handed to a pod only inside the
 * Secret that lives as long as the pod.
 */
import { randomBytes } from 'node:crypto';
import type { BackupOptions, LocationRecord } from '../db/index.ts';
import * as db from '../db/index.ts';
import type { MoverSettings } from '../volumes/index.ts';
import type { ControlContext } from './context.ts';
import { storedInput } from './location-config.ts';

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
export function copiesVolumeData(options: BackupOptions, location: LocationRecord): boolean {
  if (!options.includeDisks) return false;
  return options.copyVolumeData ?? location.config.copyVolumeData === true;
}

/** The location's repository secret, made and sealed on first use. */
export async function repositorySecret(ctx: ControlContext, location: LocationRecord): Promise<Buffer> {
  const context = `repository:${location.id}`;
  let sealed = location.repositorySecret;
  if (!sealed) {
    const made = ctx.vault.seal(randomBytes(32).toString('base64'), context);
    sealed = await db.claimRepositorySecret(ctx.db, location.id, made);
    if (!sealed) throw new Error(`location "${location.name}" was deleted`);
  }
  return Buffer.from(ctx.vault.open(sealed, context), 'base64');
}

/**
 * The mover settings for jobs on `location`: the location's fields with their secrets, its endpoint replaced
 * by the one pods reach (`moverEndpoint`) when it has one, and the repository secret.
 */
export async function moverSettings(
  ctx: ControlContext,
  location: LocationRecord,
  signal?: AbortSignal,
): Promise<MoverSettings> {
  const store = storedInput(location, ctx.vault);
  if (typeof store.moverEndpoint === 'string' && store.moverEndpoint) store.endpoint = store.moverEndpoint;
  return {
    image: ctx.mover.image,
    store,
    secret: await repositorySecret(ctx, location),
    timeoutMs: ctx.mover.timeoutMs,
    ...(signal ? { signal } : {}),
  };
}
