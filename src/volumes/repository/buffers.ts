/**
 * Freeing a buffer as soon as it is used. Chunks read, decrypted or downloaded are external memory (outside
 * V8's heap): left to the collector, hundreds of MiB of them made V8 run a full collection of a thread's heap
 * every few tens of MiB (7-8 per 208 MiB restore on each thread, before this was used).
 */

/**
 * Frees `chunk`'s memory now by detaching its buffer (`ArrayBuffer.prototype.transfer(0)`): afterwards it and
 * every view of its buffer are empty. Only a chunk of `minBytes` or more that is the whole of its buffer, but
 * for at most `slack` bytes the caller also owns, is freed (a slice may share its buffer with other data,
 * Node's pool of small buffers among them); a buffer V8 refuses to detach is left to the collector. The
 * caller must own the chunk: nothing else may read it later.
 */
export function freeBuffer(chunk: Uint8Array, { minBytes = 4096, slack = 0 } = {}): void {
  const buffer = chunk.buffer;
  if (!(buffer instanceof ArrayBuffer) || buffer.detached || chunk.byteLength < minBytes) return;
  if (buffer.byteLength - chunk.byteLength > slack) return;
  try {
    buffer.transfer(0);
  } catch {
    // Not detachable: the collector frees it.
  }
}
