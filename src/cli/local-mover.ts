/**
 * Mover pods for a restore in local mode: the break-glass restore of a backup whose volume data the data
 * mover copied into the location's repository, with no control plane left to hold the repository secret.
 * The secret comes from `--repository-secret-file` or LIFEBOAT_REPOSITORY_SECRET (as `lifeboat repository`
 * takes it); the store's credentials from the environment the CLI already uses. Pods cannot use this
 * machine's profiles, metadata service or key files, so they get explicit keys — in the Secret that lives
 * as long as each pod, exactly as the control plane gives them (src/volumes/mover).
 */
import { readFile } from 'node:fs/promises';
import type { Location, ObjectStore } from '../storage/index.ts';
import { parseLocation } from '../storage/index.ts';
import { type MoverSettings, RepositoryNotFoundError, WrongSecretError } from '../volumes/index.ts';
import { type CliIo, UsageError } from './io.ts';
import { openWithSecret, repositorySecret, repositorySecretVariable } from './repository-secret.ts';

/** The flags of `restore create` that drive mover pods in local mode. */
export interface LocalMoverFlags {
  repositorySecretFile?: string;
  moverImage?: string;
  moverEndpoint?: string;
}

/**
 * The mover settings of a local-mode restore, or undefined when no repository secret is given (claims whose
 * data was moved then fail by name, saying how to give it). The secret is checked against the repository
 * here, so a wrong one is a usage error before anything is created.
 */
export async function localMoverSettings(
  io: CliIo,
  url: string,
  store: ObjectStore,
  flags: LocalMoverFlags,
): Promise<MoverSettings | undefined> {
  if (flags.repositorySecretFile === undefined && !io.env[repositorySecretVariable]) {
    if (flags.moverImage !== undefined || flags.moverEndpoint !== undefined)
      throw new UsageError(
        `--mover-image and --mover-endpoint need the repository secret: give --repository-secret-file FILE or set ${repositorySecretVariable}`,
      );
    return undefined;
  }
  const text = await repositorySecret(io, flags.repositorySecretFile, '--repository-secret-file');
  let secret: Buffer;
  try {
    ({ key: secret } = await openWithSecret(store, text));
  } catch (error) {
    if (error instanceof WrongSecretError || error instanceof RepositoryNotFoundError)
      throw new UsageError(error.message, { cause: error });
    throw error;
  }
  // The control plane's modules load only when mover pods are to run.
  const { locationInput, moverConfigFromEnv, parseInput } = await import('../control/index.ts');
  const record = await podStoreRecord(parseLocation(url), io.env, flags.moverEndpoint);
  try {
    parseInput(locationInput, record);
  } catch (error) {
    throw new UsageError(`the location cannot be handed to mover pods: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const config = moverConfigFromEnv(io.env);
  return {
    image: flags.moverImage || config.image,
    store: record,
    secret,
    timeoutMs: config.timeoutMs,
  };
}

const need = (what: string) =>
  new UsageError(
    `mover pods need ${what} in the environment to reach the location (they cannot use this machine's profiles, metadata service or files)`,
  );

/**
 * The location as a mover pod opens it (the control plane's stored fields): the URL's place and options,
 * explicit credentials from the environment, the endpoint pods reach when it differs from this machine's.
 */
export async function podStoreRecord(
  location: Location,
  env: Record<string, string | undefined>,
  moverEndpoint: string | undefined,
): Promise<Record<string, unknown>> {
  const common = { name: 'break-glass' };
  switch (location.provider) {
    case 'file':
      throw new UsageError(
        'mover pods cannot read a file:// location: copy the folder to a bucket the cluster reaches (s3://, gs:// or azblob://) and restore from there',
      );
    case 's3': {
      const accessKeyId = env.AWS_ACCESS_KEY_ID;
      const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
      if (!accessKeyId || !secretAccessKey) throw need('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
      if (env.AWS_SESSION_TOKEN)
        throw new UsageError(
          'mover pods take long-lived keys or a role to assume, not a session token: unset AWS_SESSION_TOKEN and give keys allowed to assume the role (roleArn= in the URL)',
        );
      const endpoint = moverEndpoint ?? location.endpoint;
      const caCert = location.caCertFile ? await readCa(location.caCertFile) : undefined;
      const place = {
        bucket: location.bucket,
        prefix: location.prefix,
        region: location.region,
        ...(location.forcePathStyle === undefined ? {} : { forcePathStyle: location.forcePathStyle }),
        ...(caCert ? { caCert } : {}),
        ...(location.sse ? { sse: location.sse } : {}),
        ...(location.kmsKeyId ? { kmsKeyId: location.kmsKeyId } : {}),
      };
      if (location.roleArn)
        return {
          ...common,
          provider: 'aws',
          ...place,
          ...(endpoint ? { endpoint } : {}),
          credentials: {
            kind: 'sts',
            roleArn: location.roleArn,
            ...(location.externalId ? { externalId: location.externalId } : {}),
            ...(location.stsEndpoint ? { stsEndpoint: location.stsEndpoint } : {}),
            accessKeyId,
            secretAccessKey,
          },
        };
      if (endpoint) return { ...common, provider: 'minio', ...place, endpoint, accessKeyId, secretAccessKey };
      return {
        ...common,
        provider: 'aws',
        ...place,
        credentials: { kind: 'keys', accessKeyId, secretAccessKey },
      };
    }
    case 'gcs': {
      const keyFile = location.keyFile ?? env.GOOGLE_APPLICATION_CREDENTIALS;
      const endpoint = moverEndpoint ?? location.endpoint;
      return {
        ...common,
        provider: 'gcp',
        bucket: location.bucket,
        prefix: location.prefix,
        ...(endpoint ? { endpoint } : {}),
        ...(keyFile ? { serviceAccountKey: await readKey(keyFile) } : {}),
      };
    }
    case 'azure': {
      const endpoint = moverEndpoint ?? location.endpoint;
      const place = {
        ...common,
        provider: 'azure',
        storageAccount: location.account,
        container: location.container,
        prefix: location.prefix,
        ...(endpoint ? { endpoint } : {}),
      };
      if (env.AZURE_STORAGE_KEY)
        return { ...place, credentials: { kind: 'sharedKey', accountKey: env.AZURE_STORAGE_KEY } };
      if (env.AZURE_TENANT_ID && env.AZURE_CLIENT_ID && env.AZURE_CLIENT_SECRET)
        return {
          ...place,
          credentials: {
            kind: 'servicePrincipal',
            tenantId: env.AZURE_TENANT_ID,
            clientId: env.AZURE_CLIENT_ID,
            clientSecret: env.AZURE_CLIENT_SECRET,
          },
        };
      throw need('AZURE_STORAGE_KEY, or AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET');
    }
  }
}

async function readCa(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the CA certificate file "${file}" (caCert= in the URL)`, {
      cause: error,
    });
  }
}

async function readKey(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the service-account key file "${file}"`, { cause: error });
  }
}
