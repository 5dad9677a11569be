/**
 * Trees: one blob per directory listing its entries in byte order of their names (docs/repository-format.md
 * §7). Names and link targets are bytes on Linux; valid UTF-8 is kept as text, anything else as base64.
 * Trees read back are untrusted: a name that could leave the directory (`..`, a `/`) or repeats is refused.
 */
import type { BlobIndex } from './blob-index.ts';
import { IntegrityError } from './errors.ts';
import {
  type BlobEntry,
  encodeDocument,
  parseDocument,
  type Tree,
  type TreeNode,
  treeSchema,
} from './format.ts';
import { openSealedBlob, readPack } from './pack.ts';
import type { Repository } from './repository.ts';

/** Text when the bytes are valid UTF-8 (and round-trip), else undefined. */
function asUtf8(bytes: Buffer): string | undefined {
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : undefined;
}

/** The name fields of a node for raw name bytes. */
export function nameFields(bytes: Buffer): { name: string } | { nameBytes: string } {
  const text = asUtf8(bytes);
  return text === undefined ? { nameBytes: bytes.toString('base64') } : { name: text };
}

/** The link-target fields of a symlink node. */
export function linkFields(bytes: Buffer): { linkTarget: string } | { linkTargetBytes: string } {
  const text = asUtf8(bytes);
  return text === undefined ? { linkTargetBytes: bytes.toString('base64') } : { linkTarget: text };
}

/** A node's name as bytes. */
export function nodeName(node: TreeNode): Buffer {
  return node.name !== undefined
    ? Buffer.from(node.name, 'utf8')
    : Buffer.from(node.nameBytes ?? '', 'base64');
}

/** A symlink node's target as bytes. */
export function nodeLinkTarget(node: TreeNode): Buffer {
  return node.linkTarget !== undefined
    ? Buffer.from(node.linkTarget, 'utf8')
    : Buffer.from(node.linkTargetBytes ?? '', 'base64');
}

/** The bytes of a tree blob. */
export function encodeTree(nodes: TreeNode[]): Buffer {
  return encodeDocument({ version: 1, nodes });
}

/** Checks that a tree read back is safe to restore: plain unique names, the fields its types need. */
function validateTree(tree: Tree, key: string, id: string): void {
  const seen = new Set<string>();
  for (const node of tree.nodes) {
    const name = nodeName(node);
    const text = name.toString('latin1');
    if (name.length === 0 || text === '.' || text === '..' || name.includes(0x2f) || name.includes(0)) {
      throw new IntegrityError(key, `tree ${id} has an entry named ${JSON.stringify(text)}`);
    }
    if (seen.has(text)) throw new IntegrityError(key, `tree ${id} lists ${JSON.stringify(text)} twice`);
    seen.add(text);
    if (node.type === 'dir' && !node.subtree)
      throw new IntegrityError(key, `tree ${id}: a directory without subtree`);
    if (node.type === 'file' && !node.content)
      throw new IntegrityError(key, `tree ${id}: a file without content`);
  }
}

/**
 * Loads trees by id. Reading one tree fetches its whole pack (the store port reads objects whole), so every
 * tree blob of that pack is kept, still sealed and compressed, in a cache bounded by bytes.
 */
export class TreeLoader {
  private readonly repo: Repository;
  private readonly index: BlobIndex;
  private readonly cacheBytes: number;
  private readonly cache = new Map<string, CachedTree>();
  private cached = 0;
  private readonly fetching = new Map<string, Promise<Map<string, CachedTree>>>();

  constructor(repo: Repository, index: BlobIndex, cacheBytes = 64 * 1024 * 1024) {
    this.repo = repo;
    this.index = index;
    this.cacheBytes = cacheBytes;
  }

  /** A tree by id; `IntegrityError` when it is missing from the index or damaged. */
  async load(id: string): Promise<Tree> {
    let hit = this.cache.get(id);
    if (!hit) {
      const location = this.index.get(id);
      if (location?.type !== 'tree') {
        throw new IntegrityError(`tree ${id}`, 'no index lists it: the snapshot refers to data that is gone');
      }
      hit = (await this.fetchPack(location.pack)).get(id);
      if (!hit) throw new IntegrityError(`tree ${id}`, 'its pack was read but did not hold it');
    }
    const plain = await openSealedBlob(this.repo, hit.pack, hit.sealed, hit.entry);
    const key = `tree ${id}`;
    const tree = parseDocument(treeSchema, plain, key);
    validateTree(tree, key, id);
    return tree;
  }

  private fetchPack(pack: string): Promise<Map<string, CachedTree>> {
    let running = this.fetching.get(pack);
    if (!running) {
      running = this.readTrees(pack).finally(() => this.fetching.delete(pack));
      this.fetching.set(pack, running);
    }
    return running;
  }

  /** Reads a pack's tree blobs; older ones leave the cache first to make room for them. */
  private async readTrees(pack: string): Promise<Map<string, CachedTree>> {
    const data = await readPack(this.repo, pack);
    const trees = new Map<string, CachedTree>();
    let incoming = 0;
    for (const entry of this.index.packs.get(pack) ?? []) {
      if (entry.type !== 'tree' || entry.offset + entry.length > data.length) continue;
      const sealed = Buffer.from(data.subarray(entry.offset, entry.offset + entry.length));
      trees.set(entry.id, { pack, entry, sealed });
      incoming += sealed.length;
    }
    for (const [id, old] of this.cache) {
      if (this.cached + incoming <= this.cacheBytes) break;
      this.cache.delete(id);
      this.cached -= old.sealed.length;
    }
    for (const [id, tree] of trees) {
      if (this.cache.has(id)) continue;
      this.cache.set(id, tree);
      this.cached += tree.sealed.length;
    }
    return trees;
  }
}

interface CachedTree {
  pack: string;
  entry: BlobEntry;
  sealed: Buffer;
}
