/**
 * Validation of a backup location against the real store: write, read back, list and delete a small probe
 * object. Every failure becomes one sentence that says what to fix (no such bucket, access denied for this
 * action, wrong region, untrusted certificate, unreachable endpoint, clock skew, bad keys). Credentials never
 * appear in the sentences, and neither does what a store answered: an endpoint can be any web server (an
 * internal page, a metadata service), so an answer is named by its HTTP status and error code only.
 */
import { randomBytes } from 'node:crypto';
import { RoleNotAssumedError } from './errors.ts';
import { type Location, redact } from './location.ts';
import { getBuffer, type ObjectStore } from './object-store.ts';

export type Provider = 'file' | 's3' | 'gcs' | 'azure';
export type ProbeStep = 'write' | 'read' | 'list' | 'delete';

export interface ValidationResult {
  ok: boolean;
  location: string;
  /** What was checked and passed, in order. */
  checks: string[];
  /** One sentence per problem, saying what to fix. */
  problems: string[];
}

/** What the store is, for the sentences. */
export interface ValidationTarget {
  provider: Provider;
  /** Bucket (S3, GCS), container (Azure) or directory (file). */
  bucket: string;
  endpoint?: string;
  region?: string;
  roleArn?: string;
}

const s3Actions: Record<ProbeStep, string> = {
  write: 's3:PutObject',
  read: 's3:GetObject',
  list: 's3:ListBucket',
  delete: 's3:DeleteObject',
};
const gcsPermissions: Record<ProbeStep, string> = {
  write: 'storage.objects.create',
  read: 'storage.objects.get',
  list: 'storage.objects.list',
  delete: 'storage.objects.delete',
};

interface ErrorShape {
  name?: string;
  code?: string | number;
  Code?: string;
  message?: string;
  statusCode?: number;
  status?: number;
  Region?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string> };
  response?: unknown;
  cause?: unknown;
  errors?: unknown[];
}

/** Class names of SDK errors: they say nothing about what failed. */
const genericCodes = new Set([
  'Error',
  'RestError',
  'TypeError',
  'Unknown',
  'UnknownError',
  'GaxiosError',
  'ApiError',
]);

/** An error code as a user may be shown it: an identifier, never free text from an answer. */
function safeCode(code: string): string | undefined {
  return /^[A-Za-z][A-Za-z0-9_.]{0,39}$/.test(code) && !genericCodes.has(code) ? code : undefined;
}

/** True when the error carries what a remote server answered (its message may quote the body). */
function fromAnswer(e: ErrorShape, status: number | undefined): boolean {
  return (
    status !== undefined || e.$response !== undefined || e.response !== undefined || e.$metadata !== undefined
  );
}

/** Node's codes for a certificate chain it does not trust: the fix is the location's CA certificate. */
export const untrustedCertificateCodes: ReadonlySet<string> = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_UNTRUSTED',
]);

/** The innermost error with a network or TLS code (SDKs wrap them). */
function networkCode(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > 5) return undefined;
  const e = error as ErrorShape;
  if (
    typeof e.code === 'string' &&
    (/^E[A-Z]+$/.test(e.code) ||
      untrustedCertificateCodes.has(e.code) ||
      e.code.startsWith('ERR_TLS') ||
      e.code.startsWith('CERT_'))
  ) {
    return e.code;
  }
  for (const inner of [e.cause, ...(e.errors ?? [])]) {
    const code = networkCode(inner, depth + 1);
    if (code) return code;
  }
  return undefined;
}

function where(target: ValidationTarget): string {
  return (
    target.endpoint ??
    (target.provider === 'azure' ? 'Azure' : target.provider === 'gcs' ? 'Google Cloud Storage' : 'AWS S3')
  );
}

/** One sentence for a failure of `step`. */
export function explainStorageError(error: unknown, step: ProbeStep, target: ValidationTarget): string {
  const e = (error ?? {}) as ErrorShape;
  const net = networkCode(error);
  const host = target.endpoint ?? '';
  if (net && untrustedCertificateCodes.has(net)) {
    return `the certificate of ${host || 'the endpoint'} is not trusted (${net}): give the location the CA certificate (PEM) that signed it in its CA certificate field`;
  }
  if (net === 'CERT_HAS_EXPIRED')
    return `the certificate of ${host || 'the endpoint'} has expired: renew it on the store`;
  if (net === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `the certificate of ${host} does not name that host: use the host name the certificate was issued for`;
  if (net === 'ECONNREFUSED')
    return `nothing answers at ${host || where(target)} (connection refused): check the endpoint's host and port`;
  if (net === 'ENOTFOUND' || net === 'EAI_AGAIN')
    return `the host of ${host || where(target)} cannot be found (DNS): check the endpoint URL`;
  if (net === 'ETIMEDOUT' || net === 'ECONNRESET' || e.name === 'TimeoutError') {
    return `${host || where(target)} did not answer in time: check the endpoint and that this machine can reach it (firewall, proxy)`;
  }
  if (net === 'EACCES' || net === 'EPERM' || net === 'EROFS') {
    return `this process may not ${step} in ${target.bucket} (${net}): give it write access to the directory`;
  }
  const status =
    e.$metadata?.httpStatusCode ??
    e.statusCode ??
    (typeof e.code === 'number' ? e.code : undefined) ??
    (typeof e.status === 'number' ? e.status : undefined);
  // AWS puts the error code in `name` (and sometimes `Code`), Azure in `code` beside name RestError.
  const code = e.Code ?? (typeof e.code === 'string' ? e.code : undefined) ?? e.name ?? '';
  const message = redact(String(e.message ?? ''));
  switch (target.provider) {
    case 's3': {
      if (error instanceof RoleNotAssumedError) return roleProblem(error);
      if (code === 'CredentialsProviderError')
        return 'no AWS credentials were given or found: give an access key ID and secret access key';
      if (code === 'NoSuchBucket')
        return `bucket "${target.bucket}" does not exist at ${where(target)}: create it, or correct the bucket name`;
      if (code === 'InvalidAccessKeyId')
        return 'the access key ID is not known to the store: check the access key';
      if (code === 'SignatureDoesNotMatch')
        return 'the secret key does not match the access key: check the secret key';
      if (code === 'RequestTimeTooSkewed')
        return "this machine's clock is more than 15 minutes off the store's: fix the clock (NTP)";
      if (
        code === 'PermanentRedirect' ||
        code === 'AuthorizationHeaderMalformed' ||
        code === 'IllegalLocationConstraintException' ||
        status === 301
      ) {
        const named = e.Region ?? e.$response?.headers?.['x-amz-bucket-region'];
        // The region comes from the answer: only a region-shaped one is repeated.
        const right = named && /^[a-z0-9-]{2,32}$/.test(named) ? named : undefined;
        return right
          ? `bucket "${target.bucket}" is in region ${right}, not ${target.region}: set the region to ${right}`
          : `bucket "${target.bucket}" is not in region ${target.region}: set the bucket's region`;
      }
      if (code === 'AccessDenied' || code === 'Forbidden' || status === 403) {
        const resource =
          step === 'list' ? `arn:aws:s3:::${target.bucket}` : `arn:aws:s3:::${target.bucket}/*`;
        return `access denied for ${s3Actions[step]} on ${resource}: allow it in the policy of the credentials (or role) the location uses`;
      }
      break;
    }
    case 'gcs': {
      // Writing or listing can only miss the bucket itself.
      if (status === 404 && (step === 'write' || step === 'list' || /bucket/i.test(message)))
        return `bucket "${target.bucket}" does not exist: create it, or correct the bucket name`;
      if (status === 401)
        return 'the service-account key was refused: check that the JSON key is current and not revoked';
      if (status === 403)
        return `permission ${gcsPermissions[step]} is missing on bucket "${target.bucket}": grant the service account roles/storage.objectAdmin on it`;
      break;
    }
    case 'azure': {
      if (code === 'ContainerNotFound' || (status === 404 && /container/i.test(message))) {
        return `container "${target.bucket}" does not exist in the storage account: create it, or correct the container name`;
      }
      if (code === 'AuthenticationFailed' || status === 401) {
        return /time|clock/i.test(message)
          ? "this machine's clock is too far off Azure's: fix the clock (NTP)"
          : 'the storage account refused the credentials: check the account key, SAS token or service principal';
      }
      if (code === 'AuthorizationFailure') {
        // Azure answers so for network rules; Azurite also for a wrong key.
        return "the storage account refused the request: check the account key or SAS token, and that the account's firewall lets this machine in";
      }
      if (code === 'AuthorizationPermissionMismatch' || status === 403) {
        return `the credentials may not ${step} blobs in container "${target.bucket}": grant the "Storage Blob Data Contributor" role (or a SAS with read, write, list and delete)`;
      }
      break;
    }
    case 'file':
      break;
  }
  const shownCode = safeCode(code);
  if (fromAnswer(e, status))
    return `${step} failed: ${host || where(target)} answered ${status !== undefined ? `HTTP ${status}` : 'with an error'}${shownCode ? ` (${shownCode})` : ''}, not what ${storeKind[target.provider]} answers: check the endpoint and the credentials`;
  // Raised here, not by the store: its message is ours or the SDK's.
  const local = message.length > 300 ? `${message.slice(0, 300)}…` : message;
  return `${step} failed: ${shownCode ? `${shownCode}: ` : ''}${local || 'unknown error'}`;
}

/** Why STS did not hand out the role's credentials, by STS's error code. */
function roleProblem(error: RoleNotAssumedError): string {
  const role = error.roleArn;
  switch (error.stsCode) {
    case 'CredentialsProviderError':
      return `no AWS credentials to assume role ${role} with: give access keys allowed to call sts:AssumeRole on it (or run the server with an AWS identity that may)`;
    case 'SignatureDoesNotMatch':
      return `the secret key does not match the access key that assumes role ${role}: check the secret key`;
    case 'InvalidClientTokenId':
    case 'InvalidAccessKeyId':
      return `the access key ID that assumes role ${role} is not known: check the access key`;
    case 'ExpiredToken':
      return `the session token of the keys that assume role ${role} has expired: give current keys`;
    case 'AccessDenied':
      // AWS answers so when the trust policy refuses; MinIO also for a wrong key or secret.
      return `could not assume role ${role}: check the access key and secret that assume it, that the role's trust policy names their AWS account (or user) with this project's external ID, and that their user's own policy allows sts:AssumeRole on the role`;
    case 'RegionDisabledException':
      return `AWS STS is not enabled in this region for the account of role ${role}: activate the region's STS endpoint in IAM, or give another STS endpoint`;
    default:
      return `could not assume role ${role}${error.stsCode && safeCode(error.stsCode) ? ` (${error.stsCode})` : ''}: check the keys that assume it, the role's trust policy and the STS endpoint`;
  }
}

const storeKind: Record<Provider, string> = {
  s3: 'an S3 store',
  gcs: 'the Google Cloud Storage API',
  azure: 'the Azure Blob Storage API',
  file: 'a folder',
};

/** Writes, reads back, lists and deletes a probe object. Never throws for a store failure. */
export async function validateLocation(
  store: ObjectStore,
  target: ValidationTarget,
): Promise<ValidationResult> {
  // Under backups/, a folder Velero accepts at the top of a prefix; a file there is not a backup.
  const key = `backups/.lifeboat-probe-${randomBytes(6).toString('hex')}`;
  const content = Buffer.from(`lifeboat location probe ${new Date().toISOString()}\n`);
  const result: ValidationResult = { ok: false, location: store.description, checks: [], problems: [] };
  const step = async (
    name: ProbeStep,
    what: string,
    run: () => Promise<string | undefined>,
  ): Promise<boolean> => {
    try {
      const problem = await run();
      if (problem) {
        result.problems.push(problem);
        return false;
      }
      result.checks.push(what);
      return true;
    } catch (error) {
      result.problems.push(explainStorageError(error, name, target));
      return false;
    }
  };
  const wrote = await step('write', 'wrote a probe object', async () => {
    await store.put(key, content, { contentType: 'text/plain' });
    return undefined;
  });
  if (wrote) {
    await step('read', 'read it back intact', async () =>
      (await getBuffer(store, key)).equals(content)
        ? undefined
        : 'the probe object read back differs from what was written: the store corrupts data',
    );
    await step('list', 'found it by listing', async () => {
      for await (const object of store.list('backups/.lifeboat-probe-'))
        if (object.key === key) return undefined;
      return 'the probe object was written but listing does not show it: allow listing the bucket';
    });
    await step('delete', 'deleted it', async () => {
      await store.delete([key]);
      return (await store.head(key))
        ? 'the probe object is still there after deleting it: allow deleting objects'
        : undefined;
    });
  } else {
    // Listing may still tell more (for example a missing bucket named by the list call too).
    await step('list', 'listed the bucket', async () => {
      for await (const _ of store.list('backups/')) break;
      return undefined;
    });
  }
  result.problems = [...new Set(result.problems)];
  result.ok = result.problems.length === 0;
  return result;
}

/** What `validateLocation` needs to know of a parsed location URL. */
export function validationTarget(location: Location): ValidationTarget {
  switch (location.provider) {
    case 'file':
      return { provider: 'file', bucket: location.dir };
    case 's3':
      return {
        provider: 's3',
        bucket: location.bucket,
        region: location.region,
        ...(location.endpoint ? { endpoint: location.endpoint } : {}),
        ...(location.roleArn ? { roleArn: location.roleArn } : {}),
      };
    case 'gcs':
      return {
        provider: 'gcs',
        bucket: location.bucket,
        ...(location.endpoint ? { endpoint: location.endpoint } : {}),
      };
    case 'azure':
      return {
        provider: 'azure',
        bucket: location.container,
        ...(location.endpoint ? { endpoint: location.endpoint } : {}),
      };
  }
}
