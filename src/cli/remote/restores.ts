/** `lifeboat restore create | list | describe | logs` through the control plane. */
import type { RestoreItemView, RestoreRequest, RestoreView } from '../api-client.ts';
import { outputFormat, printJson } from '../context.ts';
import {
  clusterResourcesMode,
  existingResourcePolicy,
  list,
  parseMappings,
  volumeTimeoutMs,
} from '../flags.ts';
import { UsageError } from '../io.ts';
import { formatIsoTime, printRestorePlan, restoreCountsText, resultLines, table } from '../output.ts';
import { planExitCode, printPlanChecks } from '../plan-output.ts';
import { restoredVolumesText } from '../restore-volume-output.ts';
import { volumeSource, volumeSourceText } from '../volume-source-flag.ts';
import type { Remote } from './context.ts';
import { localOnly, refuseFlags } from './context.ts';
import { follow, runsExitCode } from './follow.ts';

/** Flags of `restore create` (local-mode ones included, to refuse them). */
export interface RestoreCreateFlags {
  output?: string;
  fromBackup?: string;
  targetCluster?: string;
  location?: string;
  kubeconfig?: string;
  context?: string;
  includeNamespaces?: string;
  excludeNamespaces?: string;
  includeResources?: string;
  excludeResources?: string;
  includeClusterResources?: string;
  selector?: string;
  namespaceMappings?: string;
  storageClassMappings?: string;
  existingResourcePolicy?: string;
  preserveNodeports?: boolean;
  /** A Go duration (`5m`): how long each claim made from a CSI snapshot may take. */
  volumeTimeout?: string;
  /** auto, snapshot or copy: where claims' data may come from. */
  volumeSource?: string;
  dryRun?: boolean;
  wait?: boolean;
  /** Local mode: mover pods fill claims whose data was copied into the location (local-mover.ts). */
  repositorySecretFile?: string;
  moverImage?: string;
  moverEndpoint?: string;
}

function summary(view: RestoreView): string {
  const lines = [
    `Restore "${view.name}" of backup "${view.backup.name}" into cluster "${view.targetCluster.name}" ${view.phase}: ${restoreCountsText(view.counts)}; finished ${formatIsoTime(view.completedAt)}\n`,
  ];
  if (view.failureReason) lines.push(`Reason: ${view.failureReason}\n`);
  lines.push(restoredVolumesText(view.volumes));
  lines.push(resultLines('Errors', view.errors), resultLines('Warnings', view.warnings));
  return lines.join('');
}

export async function remoteRestoreCreate(
  remote: Remote,
  name: string | undefined,
  flags: RestoreCreateFlags,
  setExit: (code: number) => void,
): Promise<void> {
  const { api, io } = remote;
  const format = outputFormat(flags.output);
  refuseFlags(flags, {
    location: localOnly('--location', 'the backup is read from its own location'),
    kubeconfig: localOnly('--kubeconfig', 'give --target-cluster NAME of a registered cluster'),
    context: localOnly('--context', 'the registered cluster’s own context is used'),
    repositorySecretFile: localOnly('--repository-secret-file', 'the server holds the repository secret'),
    moverImage: localOnly('--mover-image', 'the server runs its own image (LIFEBOAT_MOVER_IMAGE)'),
    moverEndpoint: localOnly('--mover-endpoint', "the location's own mover endpoint is used"),
  });
  if (!flags.fromBackup) throw new UsageError('--from-backup is required: the name of the backup to restore');
  if (!flags.targetCluster)
    throw new UsageError(
      '--target-cluster is required: a cluster of the project to restore into (`lifeboat cluster list` shows them)',
    );
  const body: RestoreRequest = {
    ...(name ? { name } : {}),
    backup: flags.fromBackup,
    targetCluster: flags.targetCluster,
    includeNamespaces: list(flags.includeNamespaces),
    excludeNamespaces: list(flags.excludeNamespaces),
    includeResources: list(flags.includeResources),
    excludeResources: list(flags.excludeResources),
    ...(flags.includeClusterResources
      ? { includeClusterResources: clusterResourcesMode(flags.includeClusterResources) }
      : {}),
    ...(flags.selector ? { labelSelector: flags.selector } : {}),
    namespaceMappings: parseMappings('--namespace-mappings', flags.namespaceMappings),
    storageClassMappings: parseMappings('--storage-class-mappings', flags.storageClassMappings),
    existingResourcePolicy: existingResourcePolicy(flags.existingResourcePolicy),
    preserveNodePorts: flags.preserveNodeports === true,
  };
  const timeout = volumeTimeoutMs(flags.volumeTimeout);
  if (timeout !== undefined) body.volumeTimeoutMs = timeout;
  const source = volumeSource(flags.volumeSource);
  if (source !== undefined) body.volumeSource = source;
  const project = remote.project();
  if (flags.dryRun) {
    const plan = await api.planRestore(project, body);
    if (format === 'json') printJson(io, plan);
    else {
      printRestorePlan(io, plan);
      printPlanChecks(io, plan);
    }
    setExit(planExitCode(plan));
    return;
  }
  const started = await api.createRestore(project, body);
  if (!flags.wait) {
    if (format === 'json') printJson(io, started);
    else
      io.stdout(
        `Restore "${started.name}" of backup "${started.backup.name}" into cluster "${started.targetCluster.name}" queued; follow it with \`lifeboat restore describe ${started.name}\`, or create with --wait\n`,
      );
    return;
  }
  io.stderr(`Following restore "${started.name}" (Ctrl-C stops following; the restore goes on)\n`);
  const [ended] = await follow(io, async () => [await api.getRestore(project, started.name)]);
  if (!ended) return;
  if (format === 'json') printJson(io, ended);
  else io.stdout(summary(ended));
  setExit(runsExitCode([ended]));
}

export async function remoteRestoreList(
  remote: Remote,
  flags: { output?: string; cluster?: string; backup?: string },
): Promise<void> {
  const format = outputFormat(flags.output);
  const restores = await remote.api.listRestores(remote.project(), {
    ...(flags.cluster ? { cluster: flags.cluster } : {}),
    ...(flags.backup ? { backup: flags.backup } : {}),
  });
  if (format === 'json') return printJson(remote.io, restores);
  if (restores.length === 0) return remote.io.stdout(`No restores in project "${remote.project()}"\n`);
  const rows = restores.map((r) => [
    r.name,
    r.backup.name,
    r.targetCluster.name,
    r.phase,
    `${r.progress.itemsDone}/${r.progress.itemsTotal}`,
    String(r.errorCount),
    String(r.warningCount),
    formatIsoTime(r.createdAt),
    formatIsoTime(r.completedAt),
  ]);
  remote.io.stdout(
    table(
      ['NAME', 'BACKUP', 'TARGET', 'STATUS', 'ITEMS', 'ERRORS', 'WARNINGS', 'CREATED', 'COMPLETED'],
      rows,
    ),
  );
}

/** Every object the restore has done so far, in order (read a page at a time). */
async function allItems(remote: Remote, name: string): Promise<RestoreItemView[]> {
  const items: RestoreItemView[] = [];
  const limit = 5000;
  for (;;) {
    const page = await remote.api.restoreItems(remote.project(), name, items.at(-1)?.seq ?? 0, limit);
    items.push(...page);
    if (page.length < limit) return items;
  }
}

export async function remoteRestoreDescribe(
  remote: Remote,
  name: string,
  flags: { output?: string; details?: boolean },
): Promise<void> {
  const format = outputFormat(flags.output);
  const view = await remote.api.getRestore(remote.project(), name);
  const items = flags.details ? await allItems(remote, name) : undefined;
  if (format === 'json') return printJson(remote.io, items ? { ...view, items } : view);
  const o = view.options;
  const mappings = (m: Record<string, string>) =>
    Object.entries(m)
      .map(([from, to]) => `${from} → ${to}`)
      .join(', ') || '<none>';
  const lines = [
    `Name:               ${view.name}`,
    `Phase:              ${view.phase}${view.failureReason ? ` (${view.failureReason})` : ''}`,
    `Backup:             ${view.backup.name}`,
    `Target cluster:     ${view.targetCluster.name}`,
    `Namespaces:         included: ${o.includeNamespaces.join(', ') || '*'}; excluded: ${o.excludeNamespaces.join(', ') || '<none>'}`,
    `Resources:          included: ${o.includeResources.join(', ') || '*'}; excluded: ${o.excludeResources.join(', ') || '<none>'}`,
    `Namespace mappings: ${mappings(o.namespaceMappings)}`,
    `Storage classes:    ${mappings(o.storageClassMappings)}`,
    `Existing objects:   ${o.existingResourcePolicy === 'update' ? 'updated to the backup' : 'left as they are'}`,
    `Volume timeout:     ${o.volumeTimeoutMs === undefined ? 'default (5 min)' : `${o.volumeTimeoutMs / 1000} s`}`,
    `Volume source:      ${volumeSourceText(o.volumeSource ?? 'auto')}`,
    `Created:            ${formatIsoTime(view.createdAt)}`,
    `Started:            ${formatIsoTime(view.startedAt)}`,
    `Completed:          ${formatIsoTime(view.completedAt)}`,
    `Items:              ${view.progress.itemsDone} of ${view.progress.itemsTotal}: ${restoreCountsText(view.counts)}`,
    `Errors:             ${view.errorCount}`,
    `Warnings:           ${view.warningCount}`,
  ];
  remote.io.stdout(
    `${lines.join('\n')}\n${restoredVolumesText(view.volumes)}${resultLines('\nErrors', view.errors)}${resultLines('\nWarnings', view.warnings)}`,
  );
  if (items)
    remote.io.stdout(
      `\n${table(
        ['ACTION', 'KIND', 'NAMESPACE', 'NAME', 'DETAIL'],
        items.map((item) => [
          item.action,
          item.kind ?? item.groupResource,
          item.namespace ?? '',
          item.name,
          item.detail ?? '',
        ]),
      )}`,
    );
}

export async function remoteRestoreLogs(
  remote: Remote,
  name: string,
  flags: { location?: string },
): Promise<void> {
  refuseFlags(flags, {
    location: localOnly('--location', 'restores are found by name in the project'),
  });
  const text = await remote.api.restoreLogs(remote.project(), name);
  remote.io.stdout(text && !text.endsWith('\n') ? `${text}\n` : text);
}
