/**
 * The volume repository's secret on the command line, one rule for every command that opens a repository in
 * local mode (`repository check|stats|snapshots|restore`, `restore create` with copied volume data): read
 * from a file or LIFEBOAT_REPOSITORY_SECRET, never a flag's value (a flag shows in `ps`), and taken as text
 * or, when that opens no key and it is base64, as the bytes it encodes.
 */
import { readFile } from 'node:fs/promises';
import type { ObjectStore } from '../storage/index.ts';
import { openRepository, type Repository, WrongSecretError } from '../volumes/index.ts';
import { type CliIo, UsageError } from './io.ts';

/** The variable holding the repository secret when no secret file is given. */
export const repositorySecretVariable = 'LIFEBOAT_REPOSITORY_SECRET';

/**
 * The repository secret: the contents of the file `flag` names (one trailing line break dropped, as editors
 * and `echo` add one), else LIFEBOAT_REPOSITORY_SECRET. Neither, or an empty one, is a usage error naming both.
 */
export async function repositorySecret(
  io: CliIo,
  secretFile: string | undefined,
  flag = '--secret-file',
): Promise<string> {
  const how = `give ${flag} FILE (a file holding the secret) or set ${repositorySecretVariable}`;
  if (secretFile !== undefined) {
    let text: string;
    try {
      text = await readFile(secretFile, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new UsageError(`${flag} ${secretFile} cannot be read (${code}): ${how}`, { cause: error });
    }
    const secret = text.replace(/\r?\n$/, '');
    if (secret === '') throw new UsageError(`${flag} ${secretFile} is empty: ${how}`);
    return secret;
  }
  const secret = io.env[repositorySecretVariable];
  if (secret) return secret;
  throw new UsageError(
    `the volume repository is encrypted and needs its secret: ${how} (the secret this location's repository was created with)`,
  );
}

/** Base64 of at least 16 bytes, as the control plane hands its random repository secrets out. */
const base64Secret = /^(?:[A-Za-z0-9+/]{4}){5,}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Opens the repository with the secret as text (a secret a person chose); when no key opens with it and it
 * is base64, with the bytes it encodes — the control plane's secret is random bytes, given as base64
 * (`admin repository-secret`). A key file opens with its exact bytes only, so trying both never opens it
 * with the wrong one. Gives the repository and the bytes that opened it (what mover pods are given).
 */
export async function openWithSecret(
  store: ObjectStore,
  secret: string,
): Promise<{ repo: Repository; key: Buffer }> {
  const text = Buffer.from(secret, 'utf8');
  try {
    return { repo: await openRepository(store, text), key: text };
  } catch (error) {
    if (!(error instanceof WrongSecretError) || !base64Secret.test(secret)) throw error;
    const bytes = Buffer.from(secret, 'base64');
    try {
      return { repo: await openRepository(store, bytes), key: bytes };
    } catch (again) {
      throw again instanceof WrongSecretError ? error : again;
    }
  }
}
