/** The storage layer: the `ObjectStore` port, its providers and location URLs. */
export { LocationError, ObjectNotFoundError, StorageError } from './errors.ts';
export { FileObjectStore } from './file.ts';
export { type Location, openObjectStore, parseLocation, type StoreOptions } from './location.ts';
export { getBuffer, type ObjectInfo, type ObjectStore, type PutOptions } from './object-store.ts';
export { S3ObjectStore, type S3Options } from './s3.ts';
