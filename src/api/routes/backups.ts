/** The routes of backups and restores, with their items, events and logs. */
import { z } from 'zod';
import * as control from '../../control/index.ts';
import { backupEvents, restoreEvents } from '../events.ts';
import { type Route, route } from '../route.ts';

const backupFilter = z
  .object({
    cluster: control.idOrName.optional(),
    workspace: control.idOrName.optional(),
    group: control.idOrName.optional(),
    location: control.idOrName.optional(),
  })
  .strict();
const restoreFilter = z
  .object({ cluster: control.idOrName.optional(), backup: control.backupRef.optional() })
  .strict();
const itemsQuery = z
  .object({
    after: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(5000).default(1000),
  })
  .strict();
const eventsQuery = z.object({ after: z.coerce.number().int().min(0).default(0) }).strict();

export function backupsRoutes(ctx: control.ControlContext): Route<unknown, unknown>[] {
  const routes = [
    // Backups
    route({
      method: 'get',
      path: '/projects/:project/backups',
      tag: 'backups',
      summary: 'Backups, newest first',
      access: 'viewer',
      query: backupFilter,
      returns: 'backups',
      handler: ({ caller, params, query }) => control.listBackups(ctx, caller, String(params.project), query),
    }),
    route({
      method: 'post',
      path: '/projects/:project/clusters/:cluster/backups',
      tag: 'backups',
      summary: 'Back up a cluster now (it must be Healthy)',
      access: 'operator',
      body: control.backupInput,
      status: 202,
      returns: 'the queued backup',
      handler: ({ caller, params, body }) =>
        control.createBackup(ctx, caller, String(params.project), String(params.cluster), body),
    }),
    route({
      method: 'post',
      path: '/projects/:project/workspaces/:workspace/backups',
      tag: 'backups',
      summary:
        'Back up every cluster of a workspace now, as one group (unhealthy ones skipped with the reason)',
      access: 'operator',
      body: control.backupInput,
      status: 202,
      returns: 'the group',
      handler: ({ caller, params, body }) =>
        control.createWorkspaceBackup(ctx, caller, String(params.project), String(params.workspace), body),
    }),
    route({
      method: 'get',
      path: '/projects/:project/backups/:backup',
      tag: 'backups',
      summary:
        'A backup (by id, or by a name unambiguous in the project): phase (Missing once its folder is gone from the location), progress, counts, size, expiry, errors and warnings, and its volumes once it has finished (from its volume info: PVC, PV, size, snapshotted with the CSI driver or skipped with the reason)',
      access: 'viewer',
      returns:
        'the backup, with `volumes`: `state` (listed, none, unavailable or unreadable, with `reason`), `items` (namespace, pvc, pv, sizeBytes, state snapshotted|failed|skipped|other, driver, snapshotHandle, readyToUse, detail) and `snapshotted`',
      handler: ({ caller, params }) =>
        control.getBackupDetail(ctx, caller, String(params.project), String(params.backup)),
    }),
    route({
      method: 'get',
      path: '/projects/:project/backups/:backup/contents',
      tag: 'backups',
      summary:
        'What a backup holds, by namespace and kind: from its Lifeboat index, or for a backup Velero made from its resource list completed with the tarball’s paths (no per-object checksums)',
      access: 'viewer',
      returns:
        'the contents: `source` (lifeboat-index, velero-resource-list, tarball — paths alone, each kind then the resource — or none), `indexed`, `warning` (why part could not be read, or null), `totalItems` and `namespaces` (namespace, kinds with group and item names)',
      handler: ({ caller, params }) =>
        control.backupContents(ctx, caller, String(params.project), String(params.backup)),
    }),
    route({
      method: 'get',
      path: '/projects/:project/backups/:backup/object',
      tag: 'backups',
      summary:
        'One object of a finished backup, by its group, resource, namespace and name (as its contents list them): its manifest as stored, and the same object in the backup’s cluster now. A Secret’s values are never returned',
      access: 'viewer',
      query: control.backupObjectQuery,
      returns:
        'the object: `object` (group, resource, namespace, name, apiVersion, kind, path), `stored` (the manifest), `size`, `integrity` (verified, differs, not-indexed, no-index), `redacted` (a Secret: values replaced, keys kept), `cluster`, `liveState` (found; absent: the cluster has no such object — 404 — or does not serve its type; unavailable: no cluster to ask, or it could not be asked), `live` (the object now, or null) and `liveReason` (why `live` is null)',
      handler: ({ caller, params, query }) =>
        control.backupObject(ctx, caller, String(params.project), String(params.backup), query),
    }),
    route({
      method: 'post',
      path: '/projects/:project/backups/:backup/verify',
      tag: 'backups',
      summary: 'Check every object of a backup against its content index and its path (writes nothing)',
      access: 'operator',
      returns: 'the problems found, per object',
      handler: ({ caller, params }) =>
        control.verifyStoredBackup(ctx, caller, String(params.project), String(params.backup)),
    }),
    route({
      method: 'get',
      path: '/projects/:project/backups/:backup/logs',
      tag: 'backups',
      summary: 'A backup’s log (text)',
      access: 'viewer',
      raw: true,
      returns: 'text/plain log lines',
      handler: async ({ caller, params, c }) =>
        c.text(await control.backupLogs(ctx, caller, String(params.project), String(params.backup))),
    }),
    route({
      method: 'get',
      path: '/projects/:project/backups/:backup/events',
      tag: 'backups',
      summary: 'Server-sent events: progress, then end',
      access: 'viewer',
      raw: true,
      returns: 'text/event-stream',
      handler: async ({ caller, params, c }) => {
        await control.getBackup(ctx, caller, String(params.project), String(params.backup));
        return backupEvents(c, ctx, caller, String(params.project), String(params.backup));
      },
    }),
    route({
      method: 'delete',
      path: '/projects/:project/backups/:backup',
      tag: 'backups',
      summary:
        'Delete a backup: its files from its location, then its volume snapshots through the cluster it was taken of, then it from Lifeboat. Snapshots that cannot be deleted leave it Failed, its reason naming each (handle, driver, PVC)',
      access: 'admin',
      status: 202,
      returns: 'the backup, now Deleting',
      handler: ({ caller, params }) =>
        control.deleteBackup(ctx, caller, String(params.project), String(params.backup)),
    }),
    // Restores
    route({
      method: 'post',
      path: '/projects/:project/restores/plan',
      tag: 'restores',
      summary: 'Dry run: what a restore would do in the target cluster (writes nothing)',
      access: 'operator',
      body: control.restoreInput,
      returns:
        'the plan: each object with its verdict, the namespaces and storage classes, and `volumes`: each claim that would be made from a CSI snapshot (namespace, pvc, mappedFrom, size, storageClass after mapping and storageClassMappedFrom, volumeSnapshot, snapshotHandle, driver, classDriver, driverInstalled, matchingClass, verdict restore|fail and the reason: a class of another driver is refused, naming the data mover; for a claim whose data was copied into the location, source snapshot|copy and sourceReason: the kept CSI snapshot where the target holds it, else the copy, unless volumeSource asks for one — a claim that source cannot restore is a fail verdict naming it and why)',
      handler: ({ caller, params, body }) =>
        control.planRestoreFor(ctx, caller, String(params.project), body),
    }),
    route({
      method: 'post',
      path: '/projects/:project/restores',
      tag: 'restores',
      summary:
        'Restore a backup into a cluster of the same project; claims the backup snapshotted are made from their CSI snapshots, each waited for until Bound (volumeTimeoutMs, 10 s to 1 h, default 5 min), or filled from their copies in the location; volumeSource auto|snapshot|copy chooses between a kept snapshot and a copy (a claim the source asked for cannot restore fails, named, and the restore goes on)',
      access: 'operator',
      body: control.restoreInput,
      status: 202,
      returns: 'the queued restore',
      handler: ({ caller, params, body }) => control.createRestore(ctx, caller, String(params.project), body),
    }),
    route({
      method: 'get',
      path: '/projects/:project/restores',
      tag: 'restores',
      summary: 'Restores, newest first',
      access: 'viewer',
      query: restoreFilter,
      returns: 'restores',
      handler: ({ caller, params, query }) =>
        control.listRestores(ctx, caller, String(params.project), query),
    }),
    route({
      method: 'get',
      path: '/projects/:project/restores/:restore',
      tag: 'restores',
      summary: 'A restore: phase, progress, counts, errors and warnings, and the claims made from snapshots',
      access: 'viewer',
      returns:
        'the restore, with `volumes`: each claim made from a CSI snapshot (namespace, pvc, volumeSnapshot, snapshotHandle, driver, storageClass) and its phase: Pending, Bound, or Failed with the reason (empty when there are none)',
      handler: ({ caller, params }) =>
        control.getRestore(ctx, caller, String(params.project), String(params.restore)),
    }),
    route({
      method: 'get',
      path: '/projects/:project/restores/:restore/items',
      tag: 'restores',
      summary: 'Objects done so far, after a sequence number (polling)',
      access: 'viewer',
      query: itemsQuery,
      returns: 'items in order',
      handler: async ({ caller, params, query }) => {
        const restore = await control.resolveRestore(
          ctx,
          caller,
          String(params.project),
          String(params.restore),
        );
        return control.restoreItems(ctx, restore.id, query.after, query.limit);
      },
    }),
    route({
      method: 'get',
      path: '/projects/:project/restores/:restore/events',
      tag: 'restores',
      summary:
        'Server-sent events: item (one per object), progress (the restore, with its `volumes`, whenever its figures or a volume’s phase change), end',
      access: 'viewer',
      query: eventsQuery,
      raw: true,
      returns: 'text/event-stream',
      handler: async ({ caller, params, query, c }) => {
        await control.resolveRestore(ctx, caller, String(params.project), String(params.restore));
        const lastId = Number(c.req.header('last-event-id') ?? query.after);
        return restoreEvents(c, ctx, caller, String(params.project), String(params.restore), lastId || 0);
      },
    }),
    route({
      method: 'get',
      path: '/projects/:project/restores/:restore/logs',
      tag: 'restores',
      summary: 'A restore’s log (text)',
      access: 'viewer',
      raw: true,
      returns: 'text/plain log lines',
      handler: async ({ caller, params, c }) =>
        c.text(await control.restoreLogs(ctx, caller, String(params.project), String(params.restore))),
    }),
  ];
  return routes as Route<unknown, unknown>[];
}
