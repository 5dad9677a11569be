/**
 * A worker thread of a restore (restore-workers.ts): writes whole small files and sets their owner, mode and
 * time, with blocking calls on one descriptor each (create, write, fchown, fchmod, futimes, close). On the
 * main thread each of those is a trip through the thread pool, and a restore of many small files is made of
 * little else; here a batch of files costs the main thread one message.
 */
import { closeSync, fchmodSync, fchownSync, futimesSync, openSync, writeSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

/** A small file to create and write whole: its bytes are `data[offset, offset + length)` of its batch. */
export interface FileWrite {
  path: Uint8Array;
  offset: number;
  length: number;
  mode: number;
  uid: number;
  gid: number;
  /** mtime as seconds for utimes (restore-batches.ts utimesSeconds). */
  seconds: number;
}

/** Files to write, their bytes in one buffer. */
export interface FilesRequest {
  n: number;
  data: Uint8Array;
  files: FileWrite[];
  owners: boolean;
}

/** Per file, undefined when it was written with its metadata, else what failed (an errno code). */
export type FileOutcome = { write?: string; metadata?: string } | undefined;

/** The outcome of each file of a request. */
export interface FilesReply {
  n: number;
  outcomes: FileOutcome[];
}

const codeOf = (error: unknown) => (error as NodeJS.ErrnoException).code ?? (error as Error).message;

function writeFile(data: Buffer, file: FileWrite, owners: boolean): FileOutcome {
  const path = Buffer.from(file.path.buffer, file.path.byteOffset, file.path.length);
  let fd: number;
  try {
    // `wx`: nothing already there is overwritten.
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    return { write: codeOf(error) };
  }
  let outcome: FileOutcome;
  try {
    for (let at = 0; at < file.length; ) {
      const written = writeSync(fd, data, file.offset + at, file.length - at, at);
      if (written === 0) throw new Error('the disk accepted no more bytes');
      at += written;
    }
  } catch (error) {
    outcome = { write: codeOf(error) };
  }
  if (!outcome) {
    try {
      // Owner first: chown clears setuid bits.
      if (owners) fchownSync(fd, file.uid, file.gid);
      fchmodSync(fd, file.mode);
      futimesSync(fd, file.seconds, file.seconds);
    } catch (error) {
      outcome = { metadata: codeOf(error) };
    }
  }
  try {
    closeSync(fd);
  } catch (error) {
    outcome ??= { write: codeOf(error) };
  }
  return outcome;
}

const port = parentPort;
port?.on('message', (request: FilesRequest) => {
  const data = Buffer.from(request.data.buffer, request.data.byteOffset, request.data.length);
  const outcomes = request.files.map((file) => writeFile(data, file, request.owners));
  port.postMessage({ n: request.n, outcomes } satisfies FilesReply);
});
