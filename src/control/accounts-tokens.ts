/**
 * API tokens: random values of which only the SHA-256 is stored, each with a name, an optional expiry and a
 * revocation time. The value is shown once, when the token is made; a revoked or expired token is refused
 * with a 401 that says which, so its holder knows to get a new one rather than retry.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import * as db from '../db/index.ts';
import type { Caller } from './access.ts';
import type { ControlContext } from './context.ts';
import { AuthenticationError, InputError, NotFoundError } from './errors.ts';
import { tokenInput } from './schemas.ts';

const tokenPrefix = 'lbt_';

/** Where a token's holder gets a new one, in the messages of refused tokens. */
const getANewOne =
  'sign in with a current token (make one in the console under Tokens or with `lifeboat token create`; an administrator can make you a user)';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Whether a token may still be used. */
export type TokenState = 'active' | 'expired' | 'revoked';

export interface TokenView {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  /** When it stops working; null: it does not expire. */
  expiresAt: string | null;
  revokedAt: string | null;
  state: TokenState;
  /** True for the token of the request that asked (the one the caller is signed in with). */
  current: boolean;
}

/** What creating a token answers: its view and, this once, its value. */
export interface CreatedTokenView extends TokenView {
  token: string;
}

/**
 * The body of `POST /tokens`: a name and, optionally, when it expires (an ISO 8601 time with its offset;
 * absent or null: it does not expire).
 */
export const tokenRequest = tokenInput
  .extend({
    expiresAt: z
      .string()
      .max(40, { message: 'give an ISO 8601 time such as 2030-01-31T00:00:00Z', abort: true })
      .pipe(z.iso.datetime({ offset: true, message: 'give an ISO 8601 time such as 2030-01-31T00:00:00Z' }))
      .nullable()
      .optional()
      .describe('when the token stops working (ISO 8601 with offset); absent or null: never'),
  })
  .strict();
export type TokenRequest = z.infer<typeof tokenRequest>;

/** A token's state at `now`. */
export function tokenState(token: db.TokenDetails, now: Date): TokenState {
  if (token.revokedAt) return 'revoked';
  if (token.expiresAt && token.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

export function viewToken(token: db.TokenDetails, now: Date, currentId?: string): TokenView {
  return {
    id: token.id,
    name: token.name,
    createdAt: token.createdAt.toISOString(),
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
    expiresAt: token.expiresAt?.toISOString() ?? null,
    revokedAt: token.revokedAt?.toISOString() ?? null,
    state: tokenState(token, now),
    current: token.id === currentId,
  };
}

/** Makes a token for `userId` and stores its hash; the value is returned to be shown once. */
export async function issueToken(
  q: db.Queryable,
  fields: { userId: string; name: string; now: Date; expiresAt?: Date | null },
): Promise<{ id: string; token: string }> {
  const token = `${tokenPrefix}${randomBytes(32).toString('base64url')}`;
  const id = randomUUID();
  await db.insertToken(q, {
    id,
    userId: fields.userId,
    name: fields.name,
    tokenHash: hashToken(token),
    createdAt: fields.now,
    expiresAt: fields.expiresAt ?? null,
  });
  return { id, token };
}

/** The caller a bearer token belongs to; a missing, unknown, revoked or expired one is refused by name. */
export async function authenticate(ctx: ControlContext, token: string | undefined): Promise<Caller> {
  if (!token)
    throw new AuthenticationError(
      'sign in: send "Authorization: Bearer <token>" with a token from the first start or from an administrator',
    );
  const found = await db.lookupTokenHash(ctx.db, hashToken(token), ctx.clock.now());
  switch (found.kind) {
    case 'valid':
      return { user: found.user, tokenId: found.tokenId };
    case 'revoked':
      throw new AuthenticationError(
        `the token "${found.name}" was revoked at ${found.at.toISOString()}: ${getANewOne}`,
      );
    case 'expired':
      throw new AuthenticationError(
        `the token "${found.name}" expired at ${found.at.toISOString()}: ${getANewOne}`,
      );
    default:
      throw new AuthenticationError(
        'the token is not valid (revoked or mistyped): sign in with a current token',
      );
  }
}

/**
 * Throws `AuthenticationError` when the caller's token was revoked, expired or deleted with its user after
 * the request that carried it signed in: long requests (event streams) ask again as they go.
 */
export async function checkStillSignedIn(ctx: ControlContext, caller: Caller): Promise<void> {
  if (!(await db.tokenIsValid(ctx.db, caller.tokenId, ctx.clock.now())))
    throw new AuthenticationError(
      'the token was revoked or expired (or its user deleted): sign in with a current token',
    );
}

/** Reads a token request's expiry: absent or null is none; a time not in the future is refused. */
export function parseExpiry(expiresAt: string | null | undefined, now: Date): Date | null {
  if (expiresAt === undefined || expiresAt === null) return null;
  const at = new Date(expiresAt);
  if (at.getTime() <= now.getTime())
    throw new InputError(`the expiry ${expiresAt} is not in the future: pick a later time, or none`, [
      { path: 'expiresAt', message: 'pick a time in the future, or none' },
    ]);
  return at;
}

/** Makes a token for the caller; its value is in this answer only. */
export async function createToken(
  ctx: ControlContext,
  caller: Caller,
  input: TokenRequest,
): Promise<CreatedTokenView> {
  const now = ctx.clock.now();
  const expiresAt = parseExpiry(input.expiresAt, now);
  const { id, token } = await issueToken(ctx.db, {
    userId: caller.user.id,
    name: input.name,
    now,
    expiresAt,
  });
  const created = await db.findToken(ctx.db, caller.user.id, id);
  if (!created) throw new NotFoundError('token', id);
  return { token, ...viewToken(created, now, caller.tokenId) };
}

/** The caller's tokens, newest first, with their states (never their values). */
export async function listTokens(ctx: ControlContext, caller: Caller): Promise<TokenView[]> {
  const now = ctx.clock.now();
  return (await db.listTokens(ctx.db, caller.user.id)).map((token) => viewToken(token, now, caller.tokenId));
}

/**
 * Revokes one of the caller's tokens: from now on it is refused as revoked. Revoking one already revoked
 * changes nothing; another user's token is not found.
 */
export async function revokeToken(ctx: ControlContext, caller: Caller, tokenId: string): Promise<TokenView> {
  const now = ctx.clock.now();
  await db.revokeToken(ctx.db, caller.user.id, tokenId, now);
  const token = await db.findToken(ctx.db, caller.user.id, tokenId);
  if (!token) throw new NotFoundError('token', tokenId);
  return viewToken(token, now, caller.tokenId);
}
