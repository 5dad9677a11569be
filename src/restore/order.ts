/**
 * The order a restore creates resources in: CRDs first (then the restore waits until each is Established),
 * then Velero's default priorities, then everything else alphabetically, and admission webhooks and
 * policies last — a restored webhook must not be able to block the rest of the restore.
 */

export const crdResource = 'customresourcedefinitions.apiextensions.k8s.io';

/** Velero's default restore priorities (as the restore issue lists them). */
export const priorities = [
  'namespaces',
  'storageclasses.storage.k8s.io',
  'volumesnapshotclasses.snapshot.storage.k8s.io',
  'volumesnapshotcontents.snapshot.storage.k8s.io',
  'volumesnapshots.snapshot.storage.k8s.io',
  'persistentvolumes',
  'persistentvolumeclaims',
  'clusterroles.rbac.authorization.k8s.io',
  'roles.rbac.authorization.k8s.io',
  'serviceaccounts',
  'clusterrolebindings.rbac.authorization.k8s.io',
  'rolebindings.rbac.authorization.k8s.io',
  'secrets',
  'configmaps',
  'limitranges',
  'priorityclasses.scheduling.k8s.io',
  'pods',
  'replicasets.apps',
  'endpoints',
  'services',
];

/** Resources that can intercept later writes: restored after everything else. */
export const admissionLast = [
  'mutatingadmissionpolicies.admissionregistration.k8s.io',
  'mutatingadmissionpolicybindings.admissionregistration.k8s.io',
  'validatingadmissionpolicies.admissionregistration.k8s.io',
  'validatingadmissionpolicybindings.admissionregistration.k8s.io',
  'mutatingwebhookconfigurations.admissionregistration.k8s.io',
  'validatingwebhookconfigurations.admissionregistration.k8s.io',
];

/**
 * Resource types never restored (Velero's non-restorable list plus the cluster's own bookkeeping):
 * the target cluster makes its own.
 */
export const nonRestorable = new Set([
  'nodes',
  'events',
  'events.events.k8s.io',
  'backups.velero.io',
  'restores.velero.io',
  'resticrepositories.velero.io',
  'backuprepositories.velero.io',
  'csinodes.storage.k8s.io',
  'volumeattachments.storage.k8s.io',
  'csistoragecapacities.storage.k8s.io',
  'ipaddresses.networking.k8s.io',
  'leases.coordination.k8s.io',
  'componentstatuses',
]);

/** Sorts group-resources into restore steps; each step's objects may be created in parallel. */
export function restoreSteps(groupResources: Iterable<string>): string[][] {
  const present = new Set(groupResources);
  const steps: string[][] = [];
  if (present.has(crdResource)) steps.push([crdResource]);
  for (const name of priorities) if (present.has(name)) steps.push([name]);
  const placed = new Set([crdResource, ...priorities, ...admissionLast]);
  const rest = [...present].filter((name) => !placed.has(name)).sort();
  for (const name of rest) steps.push([name]);
  for (const name of admissionLast) if (present.has(name)) steps.push([name]);
  return steps;
}

/**
 * Sorts items into the order a restore creates them (the steps of `restoreSteps`; within a step, the order
 * given), so a dry run lists objects as the restore will make them. Returns a new array.
 */
export function inRestoreOrder<T extends { groupResource: string }>(items: readonly T[]): T[] {
  const steps = restoreSteps([...items.map((item) => item.groupResource), 'namespaces']);
  const rank = new Map<string, number>();
  steps.forEach((step, index) => {
    for (const name of step) rank.set(name, index);
  });
  return items
    .map((item, index) => ({ item, index, rank: rank.get(item.groupResource) ?? steps.length }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((entry) => entry.item);
}
