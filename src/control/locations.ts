/**
 * Backup locations of a project. Every location is validated against the real store before it is saved;
 * secret fields are sealed in the vault and never returned.
 */
import { randomUUID } from 'node:crypto';
import type { LocationRecord, SyncProblem } from '../db/index.ts';
import * as db from '../db/index.ts';
import {
  locationsOverlap,
  type ObjectStore,
  type ValidationResult,
  validateLocation,
} from '../storage/index.ts';
import { authorize, type Caller } from './access.ts';
import type { ControlContext } from './context.ts';
import { ConflictError, InputError, isUniqueViolation, NotFoundError, PreconditionError } from './errors.ts';
import {
  describeLocation,
  mergeFields,
  openLocationStore,
  secretPaths,
  splitSecrets,
  storageLocationOf,
  storedInput,
} from './location-config.ts';
import { checkLocationTargets, guardedStore, TargetRefusedError } from './network-policy.ts';
import { type LocationInput, locationInput } from './schemas.ts';
import { parseInput } from './validation.ts';

export interface LocationView {
  id: string;
  projectId: string;
  name: string;
  provider: LocationRecord['provider'];
  /** Every non-secret field as entered. */
  config: Record<string, unknown>;
  /** Secret fields that are set (their values are never returned). */
  secretFields: string[];
  where: string;
  status: LocationRecord['status'];
  checks: string[];
  problems: string[];
  validatedAt: string | null;
  /**
   * Folders under `backups/` the last sync could not record as backups, with the reason (a description
   * naming another backup, malformed, oversized...): at most 50 shown, `total` counts them all.
   */
  syncProblems: { total: number; folders: SyncProblem[] };
  syncedAt: string | null;
  createdAt: string;
}

export interface ValidationView {
  ok: boolean;
  where: string;
  checks: string[];
  problems: string[];
}

export function viewLocation(ctx: ControlContext, location: LocationRecord): LocationView {
  const secrets = location.secret
    ? (JSON.parse(ctx.vault.open(location.secret, `location:${location.id}`)) as Record<string, unknown>)
    : {};
  return {
    id: location.id,
    projectId: location.projectId,
    name: location.name,
    provider: location.provider,
    config: location.config,
    secretFields: secretPaths(secrets),
    where: describeLocation(location.provider, location.config),
    status: location.status,
    checks: location.statusChecks,
    problems: location.statusProblems,
    validatedAt: location.validatedAt?.toISOString() ?? null,
    syncProblems: { total: location.syncProblemCount, folders: location.syncProblems },
    syncedAt: location.syncedAt?.toISOString() ?? null,
    createdAt: location.createdAt.toISOString(),
  };
}

/**
 * Refuses a location that would cover a bucket folder another location of the project covers (the same
 * bucket, one prefix equal to or inside the other): each would record, expire and delete the other's
 * backups as its own.
 */
async function refuseOverlap(
  ctx: ControlContext,
  projectId: string,
  self: { id?: string; provider: LocationRecord['provider']; config: Record<string, unknown> },
): Promise<void> {
  const place = storageLocationOf(self.provider, self.config);
  for (const other of await db.listLocations(ctx.db, projectId)) {
    if (other.id === self.id) continue;
    if (locationsOverlap(place, storageLocationOf(other.provider, other.config)))
      throw new ConflictError(
        `location "${other.name}" already covers ${describeLocation(other.provider, other.config)}, which overlaps ${describeLocation(self.provider, self.config)}: two locations of a project may not share a bucket folder — use another prefix, one beside it rather than inside it`,
      );
  }
}

/**
 * The external ID of a project's AWS roles: chosen by Lifeboat, never by the caller, so one project cannot
 * name another's role and ID and have the server assume it (the confused deputy external IDs exist to stop).
 */
export function projectExternalId(ctx: ControlContext, projectId: string): string {
  return `lifeboat-${ctx.vault.derive(`aws-external-id:${projectId}`).slice(0, 32)}`;
}

/** Fills what the server chooses and refuses what it must not lend (its own cloud identity). */
function completeInput(ctx: ControlContext, projectId: string, input: LocationInput): LocationInput {
  const borrowsIdentity =
    (input.provider === 'gcp' && !input.serviceAccountKey) ||
    (input.provider === 'aws' && input.credentials.kind === 'sts' && !input.credentials.secretAccessKey);
  if (borrowsIdentity && !ctx.allowServerIdentity)
    throw new InputError(
      input.provider === 'gcp'
        ? "give the service account's JSON key: this server does not lend its own Google identity to projects (an administrator can allow it with LIFEBOAT_ALLOW_SERVER_IDENTITY=true)"
        : 'give the access keys that assume the role: this server does not lend its own AWS identity to projects (an administrator can allow it with LIFEBOAT_ALLOW_SERVER_IDENTITY=true)',
      [
        {
          path: input.provider === 'gcp' ? 'serviceAccountKey' : 'credentials.secretAccessKey',
          message: 'required on this server',
        },
      ],
    );
  if (input.provider === 'aws' && input.credentials.kind === 'sts') {
    const externalId = projectExternalId(ctx, projectId);
    if (input.credentials.externalId && input.credentials.externalId !== externalId)
      throw new InputError(
        `the external ID of this project's roles is chosen by Lifeboat: put "${externalId}" in the role's trust policy`,
        [{ path: 'credentials.externalId', message: `use ${externalId}` }],
      );
    return { ...input, credentials: { ...input.credentials, externalId } };
  }
  return input;
}

async function probe(ctx: ControlContext, input: LocationInput): Promise<ValidationView> {
  try {
    await checkLocationTargets(ctx.networkPolicy, input);
  } catch (error) {
    if (!(error instanceof TargetRefusedError)) throw error;
    const where = describeLocation(input.provider, splitSecrets(input).config);
    return { ok: false, where, checks: [], problems: [error.message] };
  }
  let store: ObjectStore | undefined;
  try {
    const opened = openLocationStore(input);
    store = opened.store;
    const result: ValidationResult = await validateLocation(store, opened.target);
    return {
      ok: result.ok,
      where: describeLocation(input.provider, splitSecrets(input).config),
      checks: result.checks,
      problems: result.problems,
    };
  } finally {
    await store?.close().catch(() => undefined);
  }
}

/** Validates a location's fields without saving anything (the wizard's Validate button). */
export async function validateUnsaved(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  body: unknown,
): Promise<ValidationView> {
  const { project } = await authorize(ctx, caller, projectRef, 'operator');
  return probe(ctx, completeInput(ctx, project.id, parseInput(locationInput, body)));
}

function refuseInvalid(result: ValidationView): void {
  if (!result.ok)
    throw new PreconditionError(
      `the location did not validate: ${result.problems.join('; ')}`,
      result.problems,
    );
}

/** A location's fields as stored: the shown part, and the secret part sealed to this location's id. */
function storedFields(ctx: ControlContext, id: string, input: LocationInput) {
  const { config, secrets } = splitSecrets(input);
  delete config.name;
  delete config.provider;
  const secret =
    Object.keys(secrets).length > 0 ? ctx.vault.seal(JSON.stringify(secrets), `location:${id}`) : null;
  return { config, secret };
}

/** Saves a location that has just validated, with the validation as its status. */
async function saveValidated(
  ctx: ControlContext,
  base: Pick<
    LocationRecord,
    'id' | 'projectId' | 'createdAt' | 'syncProblems' | 'syncProblemCount' | 'syncedAt'
  >,
  input: LocationInput,
  stored: { config: Record<string, unknown>; secret: string | null },
  result: ValidationView,
): Promise<LocationView> {
  const record: LocationRecord = {
    ...base,
    name: input.name,
    provider: input.provider,
    ...stored,
    status: 'Valid',
    statusChecks: result.checks,
    statusProblems: [],
    validatedAt: ctx.clock.now(),
    // Not written by saveLocation: a location keeps its repository secret across edits.
    repositorySecret: null,
  };
  try {
    await db.saveLocation(ctx.db, record);
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(`a location named "${input.name}" already exists`);
    throw error;
  }
  return viewLocation(ctx, record);
}

export async function createLocation(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  body: unknown,
): Promise<LocationView> {
  const { project } = await authorize(ctx, caller, projectRef, 'admin');
  const input = completeInput(ctx, project.id, parseInput(locationInput, body));
  if (await db.findLocation(ctx.db, project.id, input.name))
    throw new ConflictError(
      `project "${project.name}" already has a location named "${input.name}": pick another name`,
    );
  const id = randomUUID();
  const stored = storedFields(ctx, id, input);
  await refuseOverlap(ctx, project.id, { provider: input.provider, config: stored.config });
  const result = await probe(ctx, input);
  refuseInvalid(result);
  return saveValidated(
    ctx,
    {
      id,
      projectId: project.id,
      createdAt: ctx.clock.now(),
      syncProblems: [],
      syncProblemCount: 0,
      syncedAt: null,
    },
    input,
    stored,
    result,
  );
}

export async function resolveLocation(
  ctx: ControlContext,
  projectId: string,
  locationRef: string,
): Promise<LocationRecord> {
  const location = await db.findLocation(ctx.db, projectId, locationRef);
  if (!location) throw new NotFoundError('location', locationRef);
  return location;
}

/** Changes a location: fields left out (secrets included) keep their values; validated before saving. */
export async function updateLocation(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  locationRef: string,
  body: unknown,
): Promise<LocationView> {
  const { project } = await authorize(ctx, caller, projectRef, 'admin');
  const location = await resolveLocation(ctx, project.id, locationRef);
  const changes = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (changes.provider !== undefined && changes.provider !== location.provider)
    throw new ConflictError(
      `a location's provider cannot change (${location.provider} → ${String(changes.provider)}): create a new location`,
    );
  const input = completeInput(
    ctx,
    project.id,
    parseInput(locationInput, mergeFields(storedInput(location, ctx.vault), changes)),
  );
  const stored = storedFields(ctx, location.id, input);
  const where = describeLocation(location.provider, stored.config);
  if (where !== describeLocation(location.provider, location.config)) {
    const users = await db.locationUsers(ctx.db, location.id);
    if (users.backups > 0)
      throw new ConflictError(
        `location "${location.name}" holds ${users.backups} backup(s) at ${describeLocation(location.provider, location.config)}: it cannot point elsewhere (${where}); create a new location instead`,
      );
  }
  await refuseOverlap(ctx, project.id, {
    id: location.id,
    provider: location.provider,
    config: stored.config,
  });
  const result = await probe(ctx, input);
  refuseInvalid(result);
  return saveValidated(ctx, location, input, stored, result);
}

/** Validates a saved location again and records the result as its status. */
export async function revalidateLocation(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  locationRef: string,
): Promise<LocationView & { result: ValidationView }> {
  const { project } = await authorize(ctx, caller, projectRef, 'operator');
  const location = await resolveLocation(ctx, project.id, locationRef);
  const result = await probe(ctx, parseInput(locationInput, storedInput(location, ctx.vault)));
  const at = ctx.clock.now();
  await db.setLocationStatus(
    ctx.db,
    location.id,
    result.ok ? 'Valid' : 'Invalid',
    result.checks,
    result.problems,
    at,
  );
  const updated = await resolveLocation(ctx, project.id, location.id);
  return { ...viewLocation(ctx, updated), result };
}

export async function listLocations(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
): Promise<LocationView[]> {
  const { project } = await authorize(ctx, caller, projectRef, 'viewer');
  return (await db.listLocations(ctx.db, project.id)).map((location) => viewLocation(ctx, location));
}

export async function getLocation(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  locationRef: string,
) {
  const { project } = await authorize(ctx, caller, projectRef, 'viewer');
  return viewLocation(ctx, await resolveLocation(ctx, project.id, locationRef));
}

/** Deletes a location no policy and no backup uses (the bucket itself is left untouched). */
export async function deleteLocation(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  locationRef: string,
) {
  const { project } = await authorize(ctx, caller, projectRef, 'admin');
  const location = await resolveLocation(ctx, project.id, locationRef);
  const users = await db.locationUsers(ctx.db, location.id);
  if (users.policies.length > 0)
    throw new ConflictError(
      `location "${location.name}" is used by the backup policies of ${users.policies.join(', ')}: point them at another location first`,
    );
  if (users.backups > 0)
    throw new ConflictError(
      `location "${location.name}" holds ${users.backups} backup(s) Lifeboat knows: delete them first (or let them expire)`,
    );
  await db.deleteLocation(ctx.db, location.id);
}

/** Opens the store of a saved location (jobs, sync, expiry). */
export function openStoredLocation(ctx: ControlContext, location: LocationRecord): ObjectStore {
  const input = parseInput(locationInput, storedInput(location, ctx.vault));
  // Checked again before the first request: the policy may have changed since the location was saved.
  return guardedStore(openLocationStore(input).store, () => checkLocationTargets(ctx.networkPolicy, input));
}
