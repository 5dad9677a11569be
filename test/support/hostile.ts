/**
 * Hostile input for tests: backup folders as another writer of the bucket could leave them — decoys, spoofed
 * bodies, tampered indexes, decompression bombs, malformed objects. Every test of how Lifeboat reads the
 * bucket builds its attack here, so a new format gets the same treatment by adding a builder.
 *
 * The builders write raw bytes through the `ObjectStore` port, bypassing every check of the engine.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { ObjectStore } from '../../src/storage/index.ts';

/** A Kubernetes object as JSON. */
export type Json = Record<string, unknown>;

/** A valid `velero-backup.json` document for backup `name` (Completed), to be mutated by a test. */
export function backupDocument(
  name: string,
  overrides: { labels?: Record<string, string>; madeBy?: 'lifeboat' | 'velero' } = {},
): Json {
  const now = new Date();
  const iso = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;
  return {
    kind: 'Backup',
    apiVersion: 'velero.io/v1',
    metadata: {
      name,
      namespace: 'velero',
      creationTimestamp: iso(now),
      labels: { 'velero.io/storage-location': 'default', ...overrides.labels },
      // Velero writes no such annotation; Lifeboat's backups must then carry their content index.
      annotations: overrides.madeBy === 'velero' ? {} : { 'lifeboat.io/created-by': 'lifeboat' },
    },
    spec: { ttl: '720h0m0s', storageLocation: 'default', snapshotVolumes: false },
    status: {
      version: 1,
      formatVersion: '1.1.0',
      phase: 'Completed',
      startTimestamp: iso(now),
      completionTimestamp: iso(now),
      expiration: iso(new Date(now.getTime() + 720 * 3600_000)),
      progress: { totalItems: 0, itemsBackedUp: 0 },
    },
  };
}

/** One file of a tarball: its path in the archive and its bytes. */
export interface TarFile {
  name: string;
  data: Buffer | string;
}

/** A tar header block (ustar) for a regular file of `size` bytes. */
function tarHeader(name: string, size: number): Buffer {
  const header = Buffer.alloc(512);
  if (Buffer.byteLength(name) > 100) throw new Error(`tar name too long for a plain header: ${name}`);
  header.write(name, 0, 100, 'utf8');
  header.write('0000755\0', 100, 8, 'ascii');
  header.write('0000000\0', 108, 8, 'ascii');
  header.write('0000000\0', 116, 8, 'ascii');
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 12, 'ascii');
  header.write(
    `${Math.floor(Date.now() / 1000)
      .toString(8)
      .padStart(11, '0')}\0`,
    136,
    12,
    'ascii',
  );
  header.write('        ', 148, 8, 'ascii');
  header.write('0', 156, 1, 'ascii');
  header.write('ustar\0', 257, 6, 'ascii');
  header.write('00', 263, 2, 'ascii');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return header;
}

/** An uncompressed tar of `files`, in order (duplicates kept: a hostile writer may repeat a path). */
export function tar(files: readonly TarFile[]): Buffer {
  const blocks: Buffer[] = [];
  for (const file of files) {
    const data = Buffer.isBuffer(file.data) ? file.data : Buffer.from(file.data);
    blocks.push(tarHeader(file.name, data.length), data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad) blocks.push(Buffer.alloc(pad));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** A gzipped tarball of `files`, as `<name>.tar.gz` holds them. */
export function tarball(files: readonly TarFile[]): Buffer {
  return gzipSync(tar(files));
}

/** gzip of 64 MiB of zeros: a ~64 KiB member, repeated to build bombs without compressing gigabytes. */
let zeroMember: Buffer | undefined;
const zeroMemberBytes = 64 << 20;
function zeros64MiB(): Buffer {
  zeroMember ??= gzipSync(Buffer.alloc(zeroMemberBytes), { level: 9 });
  return zeroMember;
}

/**
 * A gzip stream (several members, which gunzip reads as one stream) that inflates to at least
 * `uncompressedBytes` of zeros — a few hundred KiB on the wire per GiB. `head`, when given, comes first.
 */
export function gzipBomb(uncompressedBytes: number, head?: Buffer): Buffer {
  const members = Math.ceil(uncompressedBytes / zeroMemberBytes);
  const parts: Buffer[] = head ? [gzipSync(head)] : [];
  for (let i = 0; i < members; i++) parts.push(zeros64MiB());
  return Buffer.concat(parts);
}

/**
 * A `<name>.tar.gz` whose `entryName` claims `uncompressedBytes` of zeros (after `before` files): a tar
 * bomb hidden in one object's entry. Zeros also make the entry's padding and the archive's end.
 */
export function tarballBomb(entryName: string, uncompressedBytes: number, before: TarFile[] = []): Buffer {
  const prefix = before.length ? tar(before).subarray(0, -1024) : Buffer.alloc(0);
  const head = Buffer.concat([prefix, tarHeader(entryName, uncompressedBytes)]);
  return gzipBomb(uncompressedBytes + 1024 + 512, head);
}

/** SHA-256 hex, as Lifeboat's index records an object's stored bytes. */
export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** An index entry for `object` as stored at its path (see `indexFor`). */
export interface IndexItem {
  group: string;
  version: string;
  kind: string;
  resource: string;
  namespace?: string;
  name: string;
  sha256: string;
  size: number;
}

/** `lifeboat-index.json.gz` bytes for `items` (tests tamper with the items before encoding). */
export function indexFile(backup: string, items: readonly IndexItem[]): Buffer {
  return gzipSync(`${JSON.stringify({ lifeboatIndexVersion: 1, backup, items })}\n`);
}

/** A JSON value nested `depth` arrays deep, as a string (JSON.parse of it recurses `depth` times). */
export function deeplyNested(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** The files of a backup folder, each optional: what is absent is not written. */
export interface RawBackupFiles {
  /** `velero-backup.json`: an object is serialised, a Buffer or string written as is. */
  description?: Json | Buffer | string;
  /** `<name>.tar.gz` bytes (see `tarball`, `tarballBomb`). */
  tarball?: Buffer;
  /** `lifeboat-index.json.gz` bytes (see `indexFile`). */
  index?: Buffer;
  /** `<name>-logs.gz` bytes. */
  logs?: Buffer;
  /** `<name>-results.gz` bytes. */
  results?: Buffer;
  /** `<name>-resource-list.json.gz` bytes. */
  resourceList?: Buffer;
}

/**
 * Writes a backup folder `backups/<folder>/` straight into a store, with the file names Velero's layout
 * gives a backup named `folder` (the name inside the description may differ: that is the point of a decoy).
 */
export async function writeRawBackup(
  store: ObjectStore,
  folder: string,
  files: RawBackupFiles,
): Promise<void> {
  const dir = `backups/${folder}/`;
  const puts: Promise<void>[] = [];
  const put = (key: string, body: Buffer | string | undefined) => {
    if (body !== undefined) puts.push(store.put(key, Buffer.isBuffer(body) ? body : Buffer.from(body)));
  };
  put(`${dir}${folder}.tar.gz`, files.tarball);
  put(`${dir}lifeboat-index.json.gz`, files.index);
  put(`${dir}${folder}-logs.gz`, files.logs);
  put(`${dir}${folder}-results.gz`, files.results);
  put(`${dir}${folder}-resource-list.json.gz`, files.resourceList);
  await Promise.all(puts);
  // The description last, as a writer that means its backup to be found would.
  const description = files.description;
  if (description !== undefined)
    put(
      `${dir}velero-backup.json`,
      Buffer.isBuffer(description) || typeof description === 'string'
        ? description
        : JSON.stringify(description, null, 2),
    );
  await Promise.all(puts);
}

/** A ConfigMap as a backup stores it. */
export function configMap(namespace: string, name: string, data: Record<string, string> = {}): Json {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

/** A ClusterRoleBinding granting `role` to `subjects` (default: a broad group). */
export function clusterRoleBinding(
  name: string,
  role = 'cluster-admin',
  subjects: Json[] = [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:authenticated' }],
): Json {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects,
  };
}

/** The two tarball paths Lifeboat writes for an object (plain, then preferred version). */
export function itemPaths(
  groupResource: string,
  namespace: string | undefined,
  name: string,
  version = 'v1',
) {
  const scope = namespace === undefined ? 'cluster' : `namespaces/${namespace}`;
  return [
    `resources/${groupResource}/${scope}/${name}.json`,
    `resources/${groupResource}/${version}-preferredversion/${scope}/${name}.json`,
  ];
}

/**
 * A gzip stream of `head` then `unit` repeated to at least `uncompressedBytes`: a bomb that stays well formed
 * as it inflates (an index's entries, a log's lines), so only a size limit stops it. Tens of KiB per 16 MiB.
 */
export function repeatBomb(unit: string, uncompressedBytes: number, head = ''): Buffer {
  const memberBytes = 16 << 20;
  const member = gzipSync(unit.repeat(Math.ceil(memberBytes / unit.length)), { level: 9 });
  const parts: Buffer[] = head ? [gzipSync(head)] : [];
  for (let i = 0; i < Math.ceil(uncompressedBytes / memberBytes); i++) parts.push(member);
  return Buffer.concat(parts);
}
