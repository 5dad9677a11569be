/**
 * The credential vault: secrets (cloud keys, kubeconfigs) are sealed with AES-256-GCM under a master key
 * before they reach the database. The record they belong to is authenticated data, so a sealed value moved
 * to another record does not open. The master key comes from `LIFEBOAT_MASTER_KEY` (32 bytes, base64) or a
 * key file the server creates with mode 0600; replicas sharing a database must share the key.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const prefix = 'v1';

export class VaultError extends Error {
  override readonly name = 'VaultError';
}

export class Vault {
  private readonly key: Buffer;
  constructor(key: Buffer) {
    if (key.length !== 32)
      throw new VaultError('the master key must be 32 bytes (base64 of 32 random bytes)');
    this.key = key;
  }

  /** A value derived from the master key for `label`: stable, and unguessable without the key. */
  derive(label: string): string {
    return createHmac('sha256', this.key).update(label).digest('hex');
  }

  /** Seals `plain`, bound to `context` (for example `location:<id>`). */
  seal(plain: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [
      prefix,
      iv.toString('base64'),
      cipher.getAuthTag().toString('base64'),
      body.toString('base64'),
    ].join(':');
  }

  open(sealed: string, context: string): string {
    const [version, iv, tag, body] = sealed.split(':');
    if (version !== prefix || !iv || !tag || body === undefined)
      throw new VaultError('a stored secret is not in the vault format');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new VaultError(
        'a stored secret cannot be opened: the master key differs from the one it was sealed with (set LIFEBOAT_MASTER_KEY to the key every replica uses)',
        { cause: error },
      );
    }
  }
}

function decodeKey(text: string, where: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32)
    throw new VaultError(
      `the master key in ${where} is not 32 bytes of base64: create one with "openssl rand -base64 32"`,
    );
  return key;
}

/** The vault of a server: the key from the environment, else from `keyFile` (created 0600 when missing). */
export function openVault(options: { env: Record<string, string | undefined>; keyFile: string }): {
  vault: Vault;
  source: string;
} {
  const fromEnv = options.env.LIFEBOAT_MASTER_KEY;
  if (fromEnv)
    return { vault: new Vault(decodeKey(fromEnv, 'LIFEBOAT_MASTER_KEY')), source: 'LIFEBOAT_MASTER_KEY' };
  const file = options.keyFile;
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  }
  const mode = statSync(file).mode & 0o777;
  if (mode & 0o077) chmodSync(file, 0o600);
  return { vault: new Vault(decodeKey(readFileSync(file, 'utf8'), file)), source: file };
}
