/** `lifeboat restore create` (local mode: straight from the location into the cluster), with `--dry-run`. */
import type { Command } from 'commander';
import type { ClusterResourcesMode } from '../archive/index.ts';
import { planRestore, type RestorePlan, runRestore } from '../restore/index.ts';
import { list, openKube, openStore, outputFormat, printJson } from './context.ts';
import { type CliIo, exitCodes, UsageError } from './io.ts';
import { formatTime, ProgressReporter, resultLines, table } from './output.ts';

/** Parses `a:b,c:d` into a map; the error names the bad pair. */
export function parseMappings(flag: string, value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of list(value)) {
    const [from, to, ...rest] = pair.split(':');
    if (!from || !to || rest.length)
      throw new UsageError(`${flag}: "${pair}" is not source:target (for example ${flag} prod:staging)`);
    if (out[from] !== undefined) throw new UsageError(`${flag}: "${from}" is mapped twice`);
    out[from] = to;
  }
  return out;
}

function mode(value: string | undefined): ClusterResourcesMode {
  if (value === undefined || value === 'auto' || value === 'always' || value === 'never')
    return value ?? 'auto';
  throw new UsageError(`--include-cluster-resources must be auto, always or never, got "${value}"`);
}

function defaultName(backup: string): string {
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${backup.slice(0, 63 - 15)}-${stamp}`;
}

function printPlan(io: CliIo, plan: RestorePlan): void {
  const rows = plan.items.map((item) => [
    item.action,
    item.kind,
    item.namespace ?? '',
    item.name,
    item.reason ??
      (item.changedFields
        ? `changed: ${item.changedFields.slice(0, 6).join(', ')}${item.changedFields.length > 6 ? ', ...' : ''}`
        : (item.serverVerdict ?? '')),
  ]);
  io.stdout(
    `Dry run of restore "${plan.restoreName}" from backup "${plan.backupName}" (nothing was written)\n\n`,
  );
  io.stdout(table(['ACTION', 'KIND', 'NAMESPACE', 'NAME', 'DETAIL'], rows));
  const c = plan.counts;
  io.stdout(
    `\n${c.create} to create (${c.rejected} rejected by the API server), ${c.unchanged} unchanged, ${c.differs} differ, ${c.update} to update, ${c.skip} skipped\n`,
  );
  if (plan.namespaces.length) {
    io.stdout(
      `\nNamespaces:\n${table(
        ['NAMESPACE', 'FROM', 'STATE'],
        plan.namespaces.map((n) => [n.name, n.mappedFrom ?? '', n.state]),
      )}`,
    );
  }
  if (plan.storageClasses.length) {
    io.stdout(
      `\nStorage classes:\n${table(
        ['STORAGE CLASS', 'FROM', 'IN TARGET', 'USED BY'],
        plan.storageClasses.map((s) => [
          s.name,
          s.mappedFrom ?? '',
          s.exists ? 'yes' : 'MISSING (map it with --storage-class-mappings)',
          s.usedBy.join(', '),
        ]),
      )}`,
    );
  }
}

export function addRestoreCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const restore = program.command('restore').description('restore backups into a cluster');
  restore
    .command('create')
    .description('restore a backup into a cluster (the same one or another)')
    .argument('[name]', 'restore name (default: <backup>-<timestamp>)')
    .option('--from-backup <backup>', 'the backup to restore')
    .option('--location <url>', 'backup location URL: file:///dir or s3://bucket/prefix?region=R')
    .option(
      '--kubeconfig <file>',
      'kubeconfig of the target cluster (default: $KUBECONFIG or ~/.kube/config)',
    )
    .option('--context <name>', 'kubeconfig context to use')
    .option(
      '--include-namespaces <list>',
      'namespaces of the backup to restore (globs allowed; default: all)',
    )
    .option('--exclude-namespaces <list>', 'namespaces to leave out')
    .option('--include-resources <list>', 'resources to restore (default: all)')
    .option('--exclude-resources <list>', 'resources to leave out')
    .option('--include-cluster-resources <mode>', 'cluster-scoped resources: auto, always or never', 'auto')
    .option('--selector <selector>', 'restore only objects matching this label selector')
    .option('--namespace-mappings <pairs>', 'restore namespaces under other names: src:dst,...')
    .option('--storage-class-mappings <pairs>', 'use other storage classes: src:dst,...')
    .option(
      '--existing-resource-policy <policy>',
      'none (leave existing objects) or update (patch them to the backup)',
      'none',
    )
    .option('--preserve-nodeports', 'keep the node ports of Services')
    .option('--dry-run', 'show what would happen, checked by the API server, and write nothing')
    .option('-o, --output <format>', 'json for machine-readable output')
    .action(async (nameArg: string | undefined, options: Record<string, string | boolean | undefined>) => {
      const format = outputFormat(options.output as string | undefined);
      const backupName = options.fromBackup as string | undefined;
      if (!backupName) throw new UsageError('--from-backup is required: the name of the backup to restore');
      const policy = options.existingResourcePolicy as string;
      if (policy !== 'none' && policy !== 'update')
        throw new UsageError(`--existing-resource-policy must be none or update, got "${policy}"`);
      const common = {
        name: nameArg ?? defaultName(backupName),
        backupName,
        includeNamespaces: list(options.includeNamespaces as string | undefined),
        excludeNamespaces: list(options.excludeNamespaces as string | undefined),
        includeResources: list(options.includeResources as string | undefined),
        excludeResources: list(options.excludeResources as string | undefined),
        clusterResources: mode(options.includeClusterResources as string | undefined),
        namespaceMappings: parseMappings(
          '--namespace-mappings',
          options.namespaceMappings as string | undefined,
        ),
        storageClassMappings: parseMappings(
          '--storage-class-mappings',
          options.storageClassMappings as string | undefined,
        ),
        existingResourcePolicy: policy,
        preserveNodePorts: options.preserveNodeports === true,
        ...(options.selector ? { labelSelector: options.selector as string } : {}),
      } as const;
      const store = openStore(options.location as string | undefined);
      const kube = await openKube(
        io,
        options.kubeconfig as string | undefined,
        options.context as string | undefined,
      );
      try {
        if (options.dryRun) {
          const plan = await planRestore({ ...common, store, kube });
          if (format === 'json') printJson(io, plan);
          else printPlan(io, plan);
          setExit(plan.counts.rejected > 0 ? exitCodes.partiallyFailed : exitCodes.completed);
          return;
        }
        const progress = new ProgressReporter(io);
        const outcome = await runRestore({
          ...common,
          store,
          kube,
          onProgress: (p) => progress.update(p.itemsDone, p.totalItems, p.currentResource ?? '', p.done),
        });
        progress.finish();
        if (format === 'json') printJson(io, outcome);
        else {
          const c = outcome.counts;
          io.stdout(
            `Restore "${outcome.name}" of backup "${outcome.backupName}" ${outcome.phase}: ${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged, ${c.exists} left as they were (differ), ${c.skipped} skipped, ${c.failed} failed; finished ${formatTime(outcome.completionTimestamp)}\n`,
          );
          if (outcome.failureReason) io.stdout(`Reason: ${outcome.failureReason}\n`);
          io.stdout(resultLines('Errors', outcome.errors) + resultLines('Warnings', outcome.warnings));
        }
        setExit(
          outcome.phase === 'Completed'
            ? exitCodes.completed
            : outcome.phase === 'PartiallyFailed'
              ? exitCodes.partiallyFailed
              : exitCodes.failed,
        );
      } finally {
        await Promise.all([kube.close(), store.close()]);
      }
    });
}
