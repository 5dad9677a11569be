/**
 * `<name>-results.gz` (and a restore's `restore-<name>-results.gz`): Velero's results.Result — a run's
 * errors and warnings grouped as Velero's own, cluster-wide, and per namespace.
 */
import type { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import { gunzipBounded, maxResultsBytes } from './bounded.ts';
import { BackupMetadataError, issuesLine } from './errors.ts';

/** Velero's results.Result: messages grouped as Velero's own, cluster-wide, and per namespace. */
export interface ResultGroup {
  velero?: string[];
  cluster?: string[];
  namespaces?: Record<string, string[]>;
}

const resultGroupSchema = z
  .object({
    velero: z.array(z.string()).nullish(),
    cluster: z.array(z.string()).nullish(),
    namespaces: z.record(z.string(), z.array(z.string()).nullish()).nullish(),
  })
  .nullish();

const resultsSchema = z.object({ errors: resultGroupSchema, warnings: resultGroupSchema });

/** A group read back, without Velero's nulls. */
function resultGroup(read: z.infer<typeof resultGroupSchema>): ResultGroup {
  const group: ResultGroup = {};
  if (read?.velero) group.velero = read.velero;
  if (read?.cluster) group.cluster = read.cluster;
  if (read?.namespaces) {
    const namespaces: Record<string, string[]> = {};
    for (const [namespace, messages] of Object.entries(read.namespaces))
      if (messages) namespaces[namespace] = messages;
    group.namespaces = namespaces;
  }
  return group;
}

/** Collects errors and warnings of a run, grouped as Velero groups them. */
export class Results {
  readonly errors: ResultGroup = {};
  readonly warnings: ResultGroup = {};

  private static add(group: ResultGroup, message: string, namespace?: string, clusterScoped?: boolean): void {
    if (namespace) {
      group.namespaces ??= {};
      group.namespaces[namespace] ??= [];
      group.namespaces[namespace].push(message);
    } else if (clusterScoped) {
      group.cluster ??= [];
      group.cluster.push(message);
    } else {
      group.velero ??= [];
      group.velero.push(message);
    }
  }

  error(message: string, where: { namespace?: string; cluster?: boolean } = {}): void {
    Results.add(this.errors, message, where.namespace, where.cluster);
  }

  warning(message: string, where: { namespace?: string; cluster?: boolean } = {}): void {
    Results.add(this.warnings, message, where.namespace, where.cluster);
  }

  static count(group: ResultGroup): number {
    return (
      (group.velero?.length ?? 0) +
      (group.cluster?.length ?? 0) +
      Object.values(group.namespaces ?? {}).reduce((sum, list) => sum + list.length, 0)
    );
  }

  get errorCount(): number {
    return Results.count(this.errors);
  }

  get warningCount(): number {
    return Results.count(this.warnings);
  }

  /** `<name>-results.gz`: gzipped `{"errors":{...},"warnings":{...}}` plus a newline, as Velero writes it. */
  encode(): Buffer {
    return gzipSync(`${JSON.stringify({ errors: this.errors, warnings: this.warnings })}\n`);
  }

  /**
   * Reads a results file back (a buffer, or a stream from the location), inflating at most
   * `maxResultsBytes`: `ArchiveLimitError` past it, `BackupMetadataError` when it is not Velero's shape.
   * `file` names it in errors.
   */
  static async decode(
    input: Buffer | Readable,
    file = 'results file',
  ): Promise<{ errors: ResultGroup; warnings: ResultGroup }> {
    const text = (await gunzipBounded(input, maxResultsBytes, file)).toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new BackupMetadataError(`${file} is not JSON: it was cut short or altered`, {
        file,
        cause: error,
      });
    }
    const parsed = resultsSchema.safeParse(json);
    if (!parsed.success)
      throw new BackupMetadataError(`${file} is not Velero's results (${issuesLine(parsed.error)})`, {
        file,
      });
    return { errors: resultGroup(parsed.data.errors), warnings: resultGroup(parsed.data.warnings) };
  }
}
