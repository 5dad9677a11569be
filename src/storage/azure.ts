/**
 * Azure Blob Storage (and Azurite in tests) through @azure/storage-blob. Credentials: a shared key, a
 * connection string, a SAS token, or a service principal (tenant, client id, secret) through
 * @azure/identity — which, when subscription and resource group are given and no key, is used as Velero's
 * Azure plugin does: to fetch the account key from Azure Resource Manager. A conditional create sends
 * `If-None-Match: *` on Put Blob or on the Put Block List that commits a streamed blob; Azure refuses it
 * with 409 BlobAlreadyExists or 412 ConditionNotMet.
 */
import { Readable } from 'node:stream';
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { LocationError, ObjectExistsError, ObjectNotFoundError } from './errors.ts';
import {
  type ByteRange,
  checkByteRange,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
} from './object-store.ts';

/** How to sign in to a storage account. */
export type AzureCredentials =
  | { kind: 'sharedKey'; accountKey: string }
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'sas'; sasToken: string }
  | {
      kind: 'servicePrincipal';
      tenantId: string;
      clientId: string;
      clientSecret: string;
      /** Entra ID authority, for sovereign clouds. */
      authorityHost?: string;
      /** With both, the account key is fetched from Azure Resource Manager (Velero's default). */
      subscriptionId?: string;
      resourceGroup?: string;
      /** Resource Manager endpoint, for sovereign clouds. Default https://management.azure.com. */
      resourceManagerEndpoint?: string;
    };

export interface AzureOptions {
  account: string;
  container: string;
  prefix: string;
  /** Blob endpoint; default https://<account>.blob.core.windows.net. */
  endpoint?: string;
  credentials: AzureCredentials;
}

function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number }).statusCode;
}

/** Fetches the storage account's first key through Resource Manager, as Velero's Azure plugin does. */
async function accountKeyFromResourceManager(
  options: AzureOptions,
  sp: Extract<AzureCredentials, { kind: 'servicePrincipal' }>,
): Promise<string> {
  const { ClientSecretCredential } = await import('@azure/identity');
  const credential = new ClientSecretCredential(
    sp.tenantId,
    sp.clientId,
    sp.clientSecret,
    sp.authorityHost ? { authorityHost: sp.authorityHost } : {},
  );
  const arm = (sp.resourceManagerEndpoint ?? 'https://management.azure.com').replace(/\/+$/, '');
  const token = await credential.getToken(`${arm}/.default`);
  const url = `${arm}/subscriptions/${sp.subscriptionId}/resourceGroups/${sp.resourceGroup}/providers/Microsoft.Storage/storageAccounts/${options.account}/listKeys?api-version=2023-01-01`;
  const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token.token}` } });
  if (!response.ok) {
    throw new LocationError(
      `Azure Resource Manager refused to list the keys of storage account ${options.account} (${response.status}): give the service principal "Microsoft.Storage/storageAccounts/listKeys/action" on it, or configure an account key`,
    );
  }
  const body = (await response.json()) as { keys?: { value?: string }[] };
  const key = body.keys?.[0]?.value;
  if (!key)
    throw new LocationError(`Azure Resource Manager returned no key for storage account ${options.account}`);
  return key;
}

export class AzureObjectStore implements ObjectStore {
  readonly description: string;
  private readonly options: AzureOptions;
  private readonly prefix: string;
  private container: Promise<ContainerClient> | undefined;

  constructor(options: AzureOptions) {
    this.options = options;
    this.prefix = options.prefix ? `${options.prefix.replace(/\/+$/, '')}/` : '';
    this.description = `azblob://${options.account}/${options.container}/${this.prefix}${options.endpoint ? ` at ${options.endpoint}` : ''}`;
  }

  private client(): Promise<ContainerClient> {
    this.container ??= this.connect();
    return this.container;
  }

  /** The SDKs are loaded on first use: commands that never touch Azure do not pay for importing them. */
  private async connect(): Promise<ContainerClient> {
    const { BlobServiceClient, StorageSharedKeyCredential } = await import('@azure/storage-blob');
    const { account, container, credentials } = this.options;
    const endpoint = (this.options.endpoint ?? `https://${account}.blob.core.windows.net`).replace(
      /\/+$/,
      '',
    );
    const retryOptions = { maxTries: 5 };
    let service: BlobServiceClient;
    switch (credentials.kind) {
      case 'connectionString':
        service = BlobServiceClient.fromConnectionString(credentials.connectionString, { retryOptions });
        break;
      case 'sharedKey':
        service = new BlobServiceClient(
          endpoint,
          new StorageSharedKeyCredential(account, credentials.accountKey),
          { retryOptions },
        );
        break;
      case 'sas':
        service = new BlobServiceClient(`${endpoint}?${credentials.sasToken.replace(/^\?/, '')}`, undefined, {
          retryOptions,
        });
        break;
      case 'servicePrincipal':
        if (credentials.subscriptionId && credentials.resourceGroup) {
          const key = await accountKeyFromResourceManager(this.options, credentials);
          service = new BlobServiceClient(endpoint, new StorageSharedKeyCredential(account, key), {
            retryOptions,
          });
        } else {
          const { ClientSecretCredential } = await import('@azure/identity');
          const credential = new ClientSecretCredential(
            credentials.tenantId,
            credentials.clientId,
            credentials.clientSecret,
            credentials.authorityHost ? { authorityHost: credentials.authorityHost } : {},
          );
          service = new BlobServiceClient(endpoint, credential, { retryOptions });
        }
        break;
    }
    return service.getContainerClient(container);
  }

  private key(key: string): string {
    return `${this.prefix}${key}`;
  }

  async put(key: string, body: Buffer | Readable, options: PutOptions = {}): Promise<void> {
    const blob = (await this.client()).getBlockBlobClient(this.key(key));
    const headers = {
      ...(options.contentType ? { blobHTTPHeaders: { blobContentType: options.contentType } } : {}),
      // On Put Blob, or on the Put Block List that commits staged blocks: the blob appears only if absent.
      ...(options.ifAbsent ? { conditions: { ifNoneMatch: '*' } } : {}),
    };
    try {
      if (Buffer.isBuffer(body)) await blob.uploadData(body, headers);
      // Staged blocks (8 MiB, 4 at a time) committed at the end: readers never see a partial blob.
      else await blob.uploadStream(body, 8 * 1024 * 1024, 4, headers);
    } catch (error) {
      const code = statusOf(error);
      if (options.ifAbsent && (code === 409 || code === 412))
        throw new ObjectExistsError(key, this.description, { cause: error });
      throw error;
    }
  }

  async get(key: string): Promise<Readable> {
    return this.download(key, undefined);
  }

  async getRange(key: string, range: ByteRange): Promise<Readable> {
    checkByteRange(range);
    return this.download(key, range);
  }

  private async download(key: string, range: ByteRange | undefined): Promise<Readable> {
    try {
      const blob = (await this.client()).getBlobClient(this.key(key));
      const response = range ? await blob.download(range.offset, range.length) : await blob.download();
      return response.readableStreamBody as Readable;
    } catch (error) {
      const code = statusOf(error);
      if (code === 404) throw new ObjectNotFoundError(key, this.description, { cause: error });
      // 416: the range starts at or past the end of a blob that exists (a missing one is 404 first).
      if (range && code === 416) return Readable.from([]);
      throw error;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const props = await (await this.client()).getBlobClient(this.key(key)).getProperties();
      const info: ObjectInfo = { key, size: props.contentLength ?? 0 };
      if (props.lastModified) info.lastModified = props.lastModified;
      return info;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    for await (const blob of (await this.client()).listBlobsFlat({ prefix: this.key(prefix) })) {
      const info: ObjectInfo = {
        key: blob.name.slice(this.prefix.length),
        size: blob.properties.contentLength ?? 0,
      };
      if (blob.properties.lastModified) info.lastModified = blob.properties.lastModified;
      yield info;
    }
  }

  async listPrefixes(prefix: string): Promise<string[]> {
    const full = this.key(prefix.endsWith('/') || prefix === '' ? prefix : `${prefix}/`);
    const names: string[] = [];
    for await (const item of (await this.client()).listBlobsByHierarchy('/', { prefix: full })) {
      if (item.kind === 'prefix') names.push(item.name.slice(full.length).replace(/\/$/, ''));
    }
    return names.sort();
  }

  async delete(keys: readonly string[]): Promise<void> {
    const container = await this.client();
    for (let i = 0; i < keys.length; i += 32) {
      await Promise.all(
        keys.slice(i, i + 32).map((key) => container.getBlobClient(this.key(key)).deleteIfExists()),
      );
    }
  }

  async close(): Promise<void> {}
}
