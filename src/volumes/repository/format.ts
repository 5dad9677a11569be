/**
 * The repository's stored documents (docs/repository-format.md), as zod schemas: the bucket is untrusted
 * input, so everything read back is parsed, version first. Field order in the types below is the order the
 * writer emits, which keeps tree blobs byte-identical (and so deduplicated) when nothing changed.
 */
import { z } from 'zod';
import { IntegrityError, UnsupportedVersionError } from './errors.ts';

/** The one format version this code reads and writes, in every document and in `config`. */
export const repositoryFormatVersion = 1;

const MiB = 1024 * 1024;

/** Bounds on decoded sizes of what is read back. */
export const limits = {
  keyFile: 64 * 1024,
  config: 64 * 1024,
  lock: 64 * 1024,
  snapshot: 16 * MiB,
  index: 64 * MiB,
  packHeader: 64 * MiB,
  tree: 512 * MiB,
  dataBlob: 64 * MiB,
} as const;

const hexId = z.string().regex(/^[0-9a-f]{64}$/, 'an id of 64 lowercase hex digits');
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
const decimal = z.string().regex(/^-?[0-9]{1,24}$/, 'a decimal integer');
const count = z.number().int().nonnegative();

/** `config`: what the repository is; sealed under the master key. */
export const configSchema = z.object({
  version: z.literal(1),
  /** Random id of the repository. */
  id: hexId,
  created: z.string(),
  chunker: z.object({ min: count, avg: count, max: count }),
});
export type RepositoryConfig = z.infer<typeof configSchema>;

/** `keys/<id>`: the master key set wrapped under a key derived from a secret. Plain JSON. */
export const keyFileSchema = z.object({
  version: z.literal(1),
  created: z.string(),
  kdf: z.object({
    name: z.literal('scrypt'),
    N: z
      .number()
      .int()
      .min(2)
      .max(2 ** 22),
    r: z.number().int().min(1).max(32),
    p: z.number().int().min(1).max(16),
    salt: base64,
  }),
  /** base64 of `nonce | AES-256-GCM(masterKeyJson) | tag` under the derived key. */
  data: base64,
});
export type KeyFile = z.infer<typeof keyFileSchema>;

/** The plaintext of a key file's `data`. */
export const masterKeySchema = z.object({
  version: z.literal(1),
  dataKey: base64,
  idKey: base64,
  chunkerSeed: base64,
});

/** One blob in a pack. */
export const blobEntrySchema = z.object({
  id: hexId,
  type: z.enum(['data', 'tree']),
  /** Byte offset of the sealed blob in its pack. */
  offset: count,
  /** Bytes of the sealed blob (nonce, ciphertext, tag). */
  length: z.number().int().positive(),
  /** Bytes of the blob's plaintext (the chunk or the tree JSON), before compression. */
  rawLength: count,
});
export type BlobEntry = z.infer<typeof blobEntrySchema>;
export type BlobType = BlobEntry['type'];

/** The sealed header at the end of a pack. */
export const packHeaderSchema = z.object({ version: z.literal(1), blobs: z.array(blobEntrySchema) });

/** `index/<id>`: which blobs each pack holds; sealed. */
export const indexSchema = z.object({
  version: z.literal(1),
  packs: z.array(z.object({ id: hexId, blobs: z.array(blobEntrySchema) })),
});
export type IndexDocument = z.infer<typeof indexSchema>;

/** One entry of a directory listing (a tree blob). */
export const treeNodeSchema = z
  .object({
    /** The name when it is valid UTF-8, else `nameBytes` (base64 of the raw bytes). */
    name: z.string().min(1).max(1024).optional(),
    nameBytes: base64.optional(),
    type: z.enum(['file', 'dir', 'symlink']),
    /** Permission bits with setuid, setgid and sticky (`st_mode & 0o7777`). */
    mode: z.number().int().min(0).max(0o7777),
    uid: count,
    gid: count,
    /** Modification time, nanoseconds since the epoch (decimal). */
    mtimeNs: decimal,
    /** Status change time, nanoseconds (decimal): only compared by the next incremental backup. */
    ctimeNs: decimal,
    inode: decimal,
    /** Bytes of a file's contents; 0 for the others. */
    size: count,
    /** A file's chunks, in order. */
    content: z.array(hexId).optional(),
    /** A directory's tree blob. */
    subtree: hexId.optional(),
    /** A symlink's target (UTF-8), else `linkTargetBytes` (base64). */
    linkTarget: z.string().max(65536).optional(),
    linkTargetBytes: base64.optional(),
    /** For a file with several hard links: its link count and device, which with `inode` identify it. */
    links: z.number().int().min(2).optional(),
    device: decimal.optional(),
  })
  .refine((node) => (node.name === undefined) !== (node.nameBytes === undefined), {
    message: 'a node has exactly one of name and nameBytes',
  });
export type TreeNode = z.infer<typeof treeNodeSchema>;

export const treeSchema = z.object({ version: z.literal(1), nodes: z.array(treeNodeSchema) });
export type Tree = z.infer<typeof treeSchema>;

/** What a backup counted. */
export const snapshotStatsSchema = z.object({
  files: count,
  dirs: count,
  symlinks: count,
  /** Bytes of file contents in the snapshot. */
  logicalBytes: count,
  /** Bytes read from files (unchanged files since the parent are not read). */
  readBytes: count,
  /** Files whose chunk list was taken from the parent without reading them. */
  reusedFiles: count,
  /** Blobs this backup stored (the others were in the repository already). */
  newBlobs: count,
  /** Bytes this backup uploaded: packs and index files. */
  newBytes: count,
  durationMs: count,
});
export type SnapshotStats = z.infer<typeof snapshotStatsSchema>;

/** `snapshots/<id>`: one backup of one directory; written last, sealed. */
export const snapshotSchema = z.object({
  version: z.literal(1),
  time: z.string(),
  /** The root directory's tree blob. */
  tree: hexId,
  parent: hexId.optional(),
  /** The backed-up directory itself: restored onto the target directory. */
  root: z.object({ mode: z.number().int().min(0).max(0o7777), uid: count, gid: count, mtimeNs: decimal }),
  hostname: z.string().max(253),
  /** Free-form labels; Lifeboat sets `cluster`, `namespace`, `pvc` and `backup`. */
  tags: z.record(z.string().max(253), z.string().max(1024)),
  stats: snapshotStatsSchema,
  /** Entries not backed up (sockets, devices, unreadable), with the reason; at most 1000 listed. */
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })),
});
export type SnapshotManifest = z.infer<typeof snapshotSchema>;

/** `locks/<id>`: who works on the repository; sealed. */
export const lockSchema = z.object({
  version: z.literal(1),
  exclusive: z.boolean(),
  time: z.string(),
  host: z.string(),
  pid: count,
});
export type LockDocument = z.infer<typeof lockSchema>;

/**
 * Parses a stored JSON document: a `version` above this code's is `UnsupportedVersionError`, anything else
 * that does not fit the schema is `IntegrityError` naming the key.
 */
export function parseDocument<T extends z.ZodType>(schema: T, bytes: Uint8Array, key: string): z.infer<T> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new IntegrityError(key, 'it is not JSON', { cause: error });
  }
  const version = (value as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > repositoryFormatVersion) {
    throw new UnsupportedVersionError(key, version, repositoryFormatVersion);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new IntegrityError(key, `${issue?.path.join('.') || 'document'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** JSON bytes of a document. */
export function encodeDocument(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}
