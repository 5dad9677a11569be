/**
 * Stores blobs: deduplicates them by id against the index and the blobs in flight, seals them, packs them
 * (data and trees in separate packs, so reading trees does not fetch file data), uploads packs a few at a
 * time, and writes an index file for packs once they are uploaded — never before. `flush` ends with every
 * pack uploaded and indexed, so the caller may then write a snapshot that refers to them.
 */
import type { BlobIndex } from './blob-index.ts';
import { type SealedPieces, sealOverhead } from './crypto.ts';
import type { BlobEntry, BlobType } from './format.ts';
import { type FinishedPack, PackBuilder } from './pack.ts';
import { type Repository, repoKeys } from './repository.ts';

/** Tuning of the uploader. */
export interface UploaderOptions {
  /** A pack is closed once its blobs reach this many bytes (default 16 MiB). */
  packSize?: number;
  /** Packs uploading at once (default 2). */
  uploads?: number;
  /** An index file is written once this many uploaded blobs are not yet in one (default 50,000). */
  indexBlobs?: number;
}

/** What the uploader stored. */
export interface UploadStats {
  newBlobs: number;
  /** Bytes uploaded: packs and index files. */
  newBytes: number;
  packs: number;
  indexFiles: number;
}

const MiB = 1024 * 1024;

/** Deduplicating, packing blob writer of one operation (a backup, or a prune's repacking). */
export class Uploader {
  readonly stats: UploadStats = { newBlobs: 0, newBytes: 0, packs: 0, indexFiles: 0 };
  private readonly repo: Repository;
  private readonly index: BlobIndex;
  private readonly packSize: number;
  private readonly uploads: number;
  private readonly indexBlobs: number;
  private readonly builders = new Map<BlobType, PackBuilder>();
  /** Blobs being sealed or in a pack not yet uploaded. */
  private readonly pending = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private readonly indexWrites = new Set<Promise<void>>();
  private unindexed: { id: string; blobs: BlobEntry[] }[] = [];
  private unindexedBlobs = 0;
  private failure: Error | undefined;
  /** Pack buffers free for reuse: fresh memory costs page faults and collections at every pack. */
  private readonly spare: Buffer[] = [];

  constructor(repo: Repository, index: BlobIndex, options: UploaderOptions = {}) {
    this.repo = repo;
    this.index = index;
    this.packSize = options.packSize ?? 16 * MiB;
    this.uploads = options.uploads ?? 2;
    this.indexBlobs = options.indexBlobs ?? 50_000;
  }

  /** Whether a blob is stored or on its way. */
  known(id: string): boolean {
    return this.index.has(id) || this.pending.has(id);
  }

  /**
   * Stores a blob unless one with the same id is stored or on its way; returns its id. Resolves once the
   * blob is in a pack (its upload may still run: `flush` waits for it); waits for an upload slot when
   * enough packs are uploading, which keeps memory bounded.
   */
  async save(type: BlobType, plaintext: Buffer, compressible = true): Promise<string> {
    await this.waitForSlot();
    this.throwIfFailed();
    const id = this.repo.crypto.blobId(plaintext);
    if (this.known(id)) return id;
    this.pending.add(id);
    const sealed = await this.repo.crypto.sealPieces(plaintext, compressible);
    await this.append(type, id, sealed, plaintext.length);
    return id;
  }

  /** Stores a blob already sealed (a prune copying it out of a pack it repacks). */
  async saveSealed(entry: BlobEntry, sealed: Buffer): Promise<void> {
    await this.waitForSlot();
    this.throwIfFailed();
    if (this.pending.has(entry.id)) return;
    this.pending.add(entry.id);
    await this.append(entry.type, entry.id, { pieces: [sealed], length: sealed.length }, entry.rawLength);
  }

  private async append(type: BlobType, id: string, sealed: SealedPieces, rawLength: number): Promise<void> {
    let builder = this.builders.get(type);
    if (builder && !builder.fits(sealed.length)) {
      await this.close(type);
      builder = this.builders.get(type);
    }
    if (!builder) {
      builder = new PackBuilder(
        type,
        this.spare.pop() ?? Buffer.allocUnsafeSlow(this.packSize + 8 * MiB + sealOverhead + 256 * 1024),
      );
      this.builders.set(type, builder);
    }
    builder.add(type, id, sealed, rawLength);
    this.stats.newBlobs++;
    if (builder.size >= this.packSize) await this.close(type);
  }

  /** Waits while enough packs are uploading: no more packs are filled meanwhile, so memory stays bounded. */
  private async waitForSlot(): Promise<void> {
    while (this.running.size >= this.uploads) await Promise.race(this.running);
  }

  /** Closes the open pack of a type and starts its upload. */
  private async close(type: BlobType): Promise<void> {
    const builder = this.builders.get(type);
    if (!builder || builder.entries.length === 0) return;
    this.builders.delete(type);
    const upload = builder
      .finish(this.repo)
      .then((pack) => this.upload(pack))
      .catch((error: unknown) => {
        this.failure ??= error as Error;
      });
    this.running.add(upload);
    void upload.finally(() => this.running.delete(upload));
  }

  private async upload(pack: FinishedPack): Promise<void> {
    await this.repo.store.put(repoKeys.pack(pack.id), pack.data, { contentLength: pack.data.length });
    this.stats.packs++;
    this.stats.newBytes += pack.data.length;
    if (pack.reusable && this.spare.length < 1) this.spare.push(pack.reusable);
    this.index.addPack(pack.id, pack.entries);
    for (const entry of pack.entries) this.pending.delete(entry.id);
    this.unindexed.push({ id: pack.id, blobs: pack.entries });
    this.unindexedBlobs += pack.entries.length;
    if (this.unindexedBlobs >= this.indexBlobs) this.writeIndex();
  }

  /** Writes an index file for the uploaded packs not yet in one. */
  private writeIndex(): void {
    if (this.unindexed.length === 0) return;
    const packs = this.unindexed;
    this.unindexed = [];
    this.unindexedBlobs = 0;
    const write = this.repo
      .writeFile(repoKeys.index, { version: 1, packs })
      .then(({ bytes }) => {
        this.stats.indexFiles++;
        this.stats.newBytes += bytes;
      })
      .catch((error: unknown) => {
        this.failure ??= error as Error;
      });
    this.indexWrites.add(write);
    void write.finally(() => this.indexWrites.delete(write));
  }

  /** Closes the open packs, waits for every upload, and indexes what is left. Throws the first failure. */
  async flush(): Promise<void> {
    await this.close('data');
    await this.close('tree');
    await Promise.all(this.running);
    this.throwIfFailed();
    this.writeIndex();
    await Promise.all(this.indexWrites);
    this.throwIfFailed();
  }

  /** Waits for what is running without writing anything more (after a failure or an abort). */
  async settle(): Promise<void> {
    await Promise.all([...this.running, ...this.indexWrites]);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}
