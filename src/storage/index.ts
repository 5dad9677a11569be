/** The storage layer: the `ObjectStore` port, its providers and location URLs. */

export { type AzureCredentials, AzureObjectStore } from './azure.ts';
export {
  LocationError,
  ObjectExistsError,
  ObjectNotFoundError,
  RoleNotAssumedError,
  StorageError,
} from './errors.ts';
export { FileObjectStore } from './file.ts';
export { GcsObjectStore } from './gcs.ts';
export {
  type AzureLocation,
  type GcsLocation,
  type Location,
  locationsOverlap,
  openObjectStore,
  parseLocation,
  redact,
  type S3Location,
  type StoreOptions,
} from './location.ts';
export {
  azureAccountNameProblem,
  azureContainerNameProblem,
  gcsBucketNameProblem,
  prefixProblem,
  s3BucketNameProblem,
} from './names.ts';
export {
  type ByteRange,
  getBuffer,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
} from './object-store.ts';
export { S3ObjectStore, type S3Options } from './s3.ts';
export { assumeRoleOnce, type RoleSession, stsEndpointOf } from './s3-role.ts';
export {
  explainStorageError,
  type ProbeStep,
  type Provider,
  untrustedCertificateCodes,
  type ValidationResult,
  type ValidationTarget,
  validateLocation,
  validationTarget,
} from './validate.ts';
