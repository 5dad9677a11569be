/**
 * Credentials from an IAM role assumed through STS, for an S3 location that names one: a provider the S3
 * client calls (it caches the session and assumes the role again before it expires), and a single session
 * handed to someone who cannot assume the role themselves (a data mover pod in a user's cluster, when the
 * server assumes the role with its own AWS identity). Both ask STS the same way: the role, this project's
 * external ID, the location's STS endpoint and CA.
 */
import { Agent } from 'node:https';
import type { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { RoleNotAssumedError } from './errors.ts';
import type { S3Options } from './s3.ts';

type AwsCredentialIdentityProvider = ReturnType<typeof fromTemporaryCredentials>;
type AwsCredentialIdentity = Awaited<ReturnType<AwsCredentialIdentityProvider>>;

type RoleOptions = Pick<
  S3Options,
  'region' | 'endpoint' | 'stsEndpoint' | 'caCert' | 'credentials' | 'roleArn' | 'externalId'
>;

/**
 * Where a role is assumed: the given STS endpoint; else the S3 endpoint when it is not on AWS's own domains
 * (keys of an S3-compatible store mean nothing to AWS STS); else undefined, for AWS STS in the region.
 */
export function stsEndpointOf(options: Pick<S3Options, 'endpoint' | 'stsEndpoint'>): string | undefined {
  if (options.stsEndpoint) return options.stsEndpoint;
  if (!options.endpoint) return undefined;
  const host = URL.parse(options.endpoint)?.hostname.toLowerCase() ?? '';
  return /(^|\.)amazonaws\.com(\.cn)?$/.test(host) ? undefined : options.endpoint;
}

/** Assumes the role for `durationSeconds`, with the location's keys or else the SDK's default chain. */
async function assumer(
  options: RoleOptions,
  durationSeconds: number,
): Promise<AwsCredentialIdentityProvider> {
  // Loaded on first use: only role-based locations need it.
  const providers = await import('@aws-sdk/credential-providers');
  const stsEndpoint = stsEndpointOf(options);
  return providers.fromTemporaryCredentials({
    params: {
      RoleArn: options.roleArn,
      RoleSessionName: 'lifeboat',
      DurationSeconds: durationSeconds,
      ...(options.externalId ? { ExternalId: options.externalId } : {}),
    },
    ...(options.credentials ? { masterCredentials: options.credentials } : {}),
    clientConfig: {
      region: options.region,
      ...(stsEndpoint ? { endpoint: stsEndpoint } : {}),
      requestHandler: new NodeHttpHandler({
        httpsAgent: new Agent({ keepAlive: true, ...(options.caCert ? { ca: options.caCert } : {}) }),
      }),
    },
  });
}

/**
 * The S3 client's credentials for a location with a role: sessions of an hour, cached and renewed by the
 * SDK. A refusal is a `RoleNotAssumedError`, told apart from the bucket's answers.
 */
export function roleCredentials(options: RoleOptions): AwsCredentialIdentityProvider {
  let assumed: Promise<AwsCredentialIdentityProvider> | undefined;
  return async (identity) => {
    assumed ??= assumer(options, 3600);
    try {
      return await (await assumed)(identity);
    } catch (error) {
      throw new RoleNotAssumedError(options.roleArn ?? '', { cause: error });
    }
  };
}

/** STS's smallest and largest session lengths (a role's own maximum may be lower: at least an hour). */
const shortestSession = 900;
const longestSession = 12 * 3600;
const defaultMaximum = 3600;

/** Temporary keys of one session of the role. */
export interface RoleSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** When STS ends the session. */
  expiration?: Date;
}

/**
 * One session of the location's role, lasting `seconds` (within STS's 15 minutes to 12 hours); when the
 * role's maximum session is shorter, an hour, which every role allows. Throws `RoleNotAssumedError`.
 */
export async function assumeRoleOnce(options: RoleOptions, seconds: number): Promise<RoleSession> {
  const wanted = Math.round(Math.min(longestSession, Math.max(shortestSession, seconds)));
  const once = async (duration: number): Promise<AwsCredentialIdentity> =>
    (await assumer(options, duration))();
  let credentials: AwsCredentialIdentity;
  try {
    credentials = await once(wanted);
  } catch (error) {
    // "The requested DurationSeconds exceeds the MaxSessionDuration set for this role" (ValidationError).
    const longerThanAllowed = (error as { name?: string }).name === 'ValidationError';
    if (!longerThanAllowed || wanted <= defaultMaximum)
      throw new RoleNotAssumedError(options.roleArn ?? '', { cause: error });
    try {
      credentials = await once(defaultMaximum);
    } catch (retryError) {
      throw new RoleNotAssumedError(options.roleArn ?? '', { cause: retryError });
    }
  }
  if (!credentials.sessionToken)
    throw new RoleNotAssumedError(options.roleArn ?? '', {
      cause: new Error('STS answered without a session token'),
    });
  return {
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    sessionToken: credentials.sessionToken,
    ...(credentials.expiration ? { expiration: credentials.expiration } : {}),
  };
}
