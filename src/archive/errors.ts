/** Errors of reading the on-bucket format: files another writer left that Lifeboat will not trust. */
import type { z } from 'zod';

/**
 * A metadata file of a backup (its description, results, index, logs) is not one Lifeboat can read: wrong
 * shape, impossible values, a name that is not its folder's. `file` is its key in the location, when known.
 */
export class BackupMetadataError extends Error {
  override readonly name: string = 'BackupMetadataError';
  readonly file: string | undefined;
  constructor(message: string, options: { file?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.file = options.file;
  }
}

/**
 * A file read from a location is larger (stored, or once decompressed) than any Lifeboat writes: it was
 * refused once past `limit` bytes, without reading or inflating the rest. A `BackupMetadataError`, so every
 * place that maps one (API 502, CLI exit code) maps this too.
 */
export class ArchiveLimitError extends BackupMetadataError {
  override readonly name: string = 'ArchiveLimitError';
  override readonly file: string;
  readonly limit: number;
  constructor(file: string, limit: number, inflated: boolean) {
    super(
      `${file} is larger than ${mebibytes(limit)}${inflated ? ' once decompressed' : ''}: Lifeboat never writes one that large, so another writer made or altered it — it was not read`,
      { file },
    );
    this.file = file;
    this.limit = limit;
  }
}

/** A byte count for messages: `16 MiB`, `1.5 MiB`, `512 KiB`. */
export function mebibytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KiB`;
  const value = bytes / (1024 * 1024);
  return `${Number.isInteger(value) ? value : value.toFixed(1)} MiB`;
}

/** A byte count as people read it: `512 B`, `1.5 KiB`, `208.0 MiB` (one decimal above bytes). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** zod's issues on one line, for a message: `status.phase: not a phase of a Velero Backup; …` (at most 3). */
export function issuesLine(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : String(part))).join('.');
    return `${path.replaceAll('.[', '[') || 'document'}: ${issue.message}`;
  });
  const more = error.issues.length - shown.length;
  return `${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}
