/**
 * `lifeboat admin reset-token`: a lost administrator token is not a dead end. Whoever holds the server's
 * store (its data folder, or its PostgreSQL URL) and its master key gets a new administrator token, shown
 * once. The key is checked against the digest the store recorded on its first start with this version, so
 * a wrong key is caught here rather than when the server next fails to open a stored secret.
 *
 * This is not a boundary against whoever can write the database (they could insert a token row), it is the
 * supported, audited way: the token is named after the command and the time it ran.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as db from '../db/index.ts';
import { issueToken } from './accounts-tokens.ts';
import { type Clock, systemClock } from './clock.ts';
import type { ControlContext } from './context.ts';
import { Vault, VaultError } from './vault.ts';

/** The command cannot issue a token as asked; the message says what to give instead. */
export class AdminResetError extends Error {
  override readonly name = 'AdminResetError';
}

/** The label of the digest that records which master key a store was set up with. */
const masterKeyCheckLabel = 'lifeboat-master-key-check';

/** The digest of the vault's key that `master_key_check` records (it says nothing about the key itself). */
export function masterKeyDigest(ctx: Pick<ControlContext, 'vault'>): string {
  return ctx.vault.derive(masterKeyCheckLabel);
}

export interface ResetTokenOptions {
  /** The server's data folder: its embedded store (`DIR/pglite`) and, by default, its key (`DIR/master.key`). */
  dataDir?: string;
  /** The PostgreSQL URL the servers share, instead of an embedded store. */
  databaseUrl?: string;
  /** The master key file; LIFEBOAT_MASTER_KEY in `env` wins, as it does for the server. */
  keyFile?: string;
  env: Record<string, string | undefined>;
  /** The administrator (name or id) to issue the token to; default the first administrator. */
  user?: string;
  /** Also revoke the administrator's other tokens (when the lost one may have been seen by others). */
  revokeOthers?: boolean;
  clock?: Clock;
}

export interface ResetTokenResult {
  user: { id: string; name: string };
  /** True when the store had no administrator left and one was created. */
  createdUser: boolean;
  token: string;
  tokenId: string;
  tokenName: string;
  /** Other tokens of the administrator revoked by `revokeOthers`. */
  revokedOthers: number;
  /** Other tokens of the administrator still active. */
  otherActive: number;
  /** Where the master key came from. */
  keySource: string;
  /** `matched`: the key is the store's; `recorded`: the store had no record of its key yet, now this one. */
  keyCheck: 'matched' | 'recorded';
}

function decodeKey(text: string, where: string): Vault {
  try {
    return new Vault(Buffer.from(text.trim(), 'base64'));
  } catch (error) {
    if (error instanceof VaultError)
      throw new AdminResetError(
        `the master key in ${where} is not 32 bytes of base64: give the key the server runs with`,
      );
    throw error;
  }
}

/** The server's master key, read (never created: a new key would be the proof of nothing). */
export function readMasterKey(options: Pick<ResetTokenOptions, 'env' | 'keyFile' | 'dataDir'>): {
  vault: Vault;
  source: string;
} {
  const fromEnv = options.env.LIFEBOAT_MASTER_KEY?.trim();
  if (fromEnv) return { vault: decodeKey(fromEnv, 'LIFEBOAT_MASTER_KEY'), source: 'LIFEBOAT_MASTER_KEY' };
  const file = options.keyFile ?? (options.dataDir ? join(options.dataDir, 'master.key') : undefined);
  if (!file)
    throw new AdminResetError(
      'no master key: set LIFEBOAT_MASTER_KEY to the key the servers run with, or give --key-file FILE',
    );
  if (!existsSync(file))
    throw new AdminResetError(
      `no master key: ${file} does not exist and LIFEBOAT_MASTER_KEY is not set; give the key the server runs with (LIFEBOAT_MASTER_KEY or --key-file FILE)`,
    );
  return { vault: decodeKey(readFileSync(file, 'utf8'), file), source: file };
}

export async function openStore(
  options: Pick<ResetTokenOptions, 'databaseUrl' | 'dataDir'>,
): Promise<db.Database> {
  if (options.databaseUrl) return db.openPostgresDatabase(options.databaseUrl);
  const dataDir = options.dataDir ?? 'data';
  const folder = join(dataDir, 'pglite');
  if (!existsSync(folder))
    throw new AdminResetError(
      `no Lifeboat store in ${dataDir} (${folder} does not exist): give the --data folder \`lifeboat serve\` runs with, or --database-url`,
    );
  return db.openEmbeddedDatabase(folder);
}

/** Issues a new administrator token on the store of `options` (see the module's comment). */
export async function resetAdminToken(options: ResetTokenOptions): Promise<ResetTokenResult> {
  const { vault, source } = readMasterKey(options);
  const clock = options.clock ?? systemClock;
  const store = await openStore(options);
  try {
    await db.migrate(store);
    const digest = masterKeyDigest({ vault });
    const recorded = await db.readMasterKeyCheck(store);
    if (recorded !== undefined && recorded !== digest)
      throw new AdminResetError(
        `the master key from ${source} is not the one this store was set up with: give the key \`lifeboat serve\` runs with (LIFEBOAT_MASTER_KEY, or master.key in its --data folder)`,
      );
    if (recorded === undefined) await db.recordMasterKeyCheck(store, digest, clock.now());
    const issued = await store.transaction(async (tx) => {
      await db.lockBootstrap(tx);
      const now = clock.now();
      const { user, createdUser } = await administrator(tx, options.user, now);
      const tokenName = `admin reset-token ${now.toISOString()}`;
      const { id, token } = await issueToken(tx, { userId: user.id, name: tokenName, now });
      const revokedOthers = options.revokeOthers ? await db.revokeOtherTokens(tx, user.id, id, now) : 0;
      const otherActive = (await db.countActiveTokens(tx, user.id, now)) - 1;
      return { user, createdUser, token, tokenId: id, tokenName, revokedOthers, otherActive };
    });
    return {
      ...issued,
      user: { id: issued.user.id, name: issued.user.name },
      keySource: source,
      keyCheck: recorded === undefined ? 'recorded' : 'matched',
    };
  } finally {
    await store.close();
  }
}

/** The administrator to issue the token to: the one named, or the first; created when none is left. */
async function administrator(
  tx: db.Queryable,
  wanted: string | undefined,
  now: Date,
): Promise<{ user: db.UserRecord; createdUser: boolean }> {
  if (wanted) {
    const user = await db.findUser(tx, wanted);
    if (!user)
      throw new AdminResetError(`no user "${wanted}": leave out --user to use the first administrator`);
    if (!user.isAdmin)
      throw new AdminResetError(
        `"${user.name}" is not a Lifeboat administrator: reset-token issues administrator tokens; leave out --user to use the first administrator`,
      );
    return { user, createdUser: false };
  }
  const first = await db.firstAdministrator(tx);
  if (first) return { user: first, createdUser: false };
  const name = (await db.findUser(tx, 'admin')) ? `admin-${randomBytes(3).toString('hex')}` : 'admin';
  const user: db.UserRecord = { id: randomUUID(), name, isAdmin: true, createdAt: now };
  await db.insertUser(tx, user);
  return { user, createdUser: true };
}
