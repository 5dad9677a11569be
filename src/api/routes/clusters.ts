/** The routes of clusters and workspaces, and of restoring a workspace's backup group as a group. */
import { z } from 'zod';
import * as control from '../../control/index.ts';
import { type Route, route } from '../route.ts';

const groupRestoreFilter = z
  .object({ workspace: control.idOrName.optional(), group: control.idOrName.optional() })
  .strict();

export function clustersRoutes(ctx: control.ControlContext): Route<unknown, unknown>[] {
  const routes = [
    // Clusters
    route({
      method: 'get',
      path: '/projects/:project/clusters',
      tag: 'clusters',
      summary: 'Clusters with their health',
      access: 'viewer',
      returns: 'clusters',
      handler: ({ caller, params }) => control.listClusters(ctx, caller, String(params.project)),
    }),
    route({
      method: 'post',
      path: '/projects/:project/clusters',
      tag: 'clusters',
      summary: 'Register a cluster by kubeconfig (its health is checked at once)',
      access: 'admin',
      body: control.clusterInput,
      status: 201,
      returns: 'the cluster',
      handler: ({ caller, params, body }) =>
        control.registerCluster(ctx, caller, String(params.project), body),
    }),
    route({
      method: 'get',
      path: '/projects/:project/clusters/:cluster',
      tag: 'clusters',
      summary: 'A cluster',
      access: 'viewer',
      returns: 'the cluster',
      handler: ({ caller, params }) =>
        control.getCluster(ctx, caller, String(params.project), String(params.cluster)),
    }),
    route({
      method: 'patch',
      path: '/projects/:project/clusters/:cluster',
      tag: 'clusters',
      summary:
        'Rename a cluster and/or replace its kubeconfig or context (token rotation). A new kubeconfig is checked against the cluster first and saved only if it passes the health check and reaches the same cluster; otherwise nothing changes (422, the reason in the message and problems)',
      access: 'admin',
      body: control.clusterUpdate,
      returns: 'the cluster',
      handler: ({ caller, params, body }) =>
        control.updateCluster(ctx, caller, String(params.project), String(params.cluster), body),
    }),
    route({
      method: 'get',
      path: '/projects/:project/clusters/:cluster/removal',
      tag: 'clusters',
      summary:
        'What removing a cluster would do: its backups kept (those with disks keep snapshots in it), its backup policy deleted, the workspaces it leaves and whether their schedules continue, and the work that blocks the removal',
      access: 'viewer',
      returns: 'blockedBy, backups, policy, workspaces and summary (sentences)',
      handler: ({ caller, params }) =>
        control.clusterRemoval(ctx, caller, String(params.project), String(params.cluster)),
    }),
    route({
      method: 'delete',
      path: '/projects/:project/clusters/:cluster',
      tag: 'clusters',
      summary:
        'Remove a cluster: its backups stay in their locations, its backup policy is deleted, it leaves its workspaces (a workspace left with no cluster loses its policy). Refused (409) while a backup or restore of it is queued or running',
      access: 'admin',
      status: 204,
      returns: 'nothing',
      handler: ({ caller, params }) =>
        control.deleteCluster(ctx, caller, String(params.project), String(params.cluster)),
    }),
    route({
      method: 'get',
      path: '/projects/:project/clusters/:cluster/restorable-backups',
      tag: 'clusters',
      summary:
        'Every finished backup of the project that can be restored into this cluster: its own first, then the others grouped by the cluster they were taken of',
      access: 'viewer',
      returns: 'own and others (cluster, removed, backups)',
      handler: ({ caller, params }) =>
        control.restorableBackups(ctx, caller, String(params.project), String(params.cluster)),
    }),
    route({
      method: 'post',
      path: '/projects/:project/clusters/:cluster/health-check',
      tag: 'clusters',
      summary: 'Check a cluster’s health now',
      access: 'operator',
      returns: 'the cluster with its new health',
      handler: ({ caller, params }) =>
        control.checkClusterHealthById(ctx, caller, String(params.project), String(params.cluster)),
    }),
    route({
      method: 'get',
      path: '/projects/:project/clusters/:cluster/namespaces',
      tag: 'clusters',
      summary: 'Namespaces of the live cluster',
      access: 'viewer',
      returns: 'namespace names',
      handler: ({ caller, params }) =>
        control.listNamespaces(ctx, caller, String(params.project), String(params.cluster)),
    }),
    // Workspaces
    route({
      method: 'get',
      path: '/projects/:project/workspaces',
      tag: 'workspaces',
      summary: 'Workspaces',
      access: 'viewer',
      returns: 'workspaces',
      handler: ({ caller, params }) => control.listWorkspaces(ctx, caller, String(params.project)),
    }),
    route({
      method: 'post',
      path: '/projects/:project/workspaces',
      tag: 'workspaces',
      summary: 'Create a workspace of clusters of the project',
      access: 'admin',
      body: control.workspaceInput,
      status: 201,
      returns: 'the workspace',
      handler: ({ caller, params, body }) =>
        control.createWorkspace(ctx, caller, String(params.project), body),
    }),
    route({
      method: 'get',
      path: '/projects/:project/workspaces/:workspace',
      tag: 'workspaces',
      summary: 'A workspace',
      access: 'viewer',
      returns: 'the workspace',
      handler: ({ caller, params }) =>
        control.getWorkspace(ctx, caller, String(params.project), String(params.workspace)),
    }),
    route({
      method: 'patch',
      path: '/projects/:project/workspaces/:workspace',
      tag: 'workspaces',
      summary: 'Change a workspace',
      access: 'admin',
      body: control.workspaceUpdate,
      returns: 'the workspace',
      handler: ({ caller, params, body }) =>
        control.updateWorkspace(ctx, caller, String(params.project), String(params.workspace), body),
    }),
    route({
      method: 'delete',
      path: '/projects/:project/workspaces/:workspace',
      tag: 'workspaces',
      summary: 'Delete a workspace',
      access: 'admin',
      status: 204,
      returns: 'nothing',
      handler: ({ caller, params }) =>
        control.deleteWorkspace(ctx, caller, String(params.project), String(params.workspace)),
    }),
    // Group restores: a workspace's backup group restored together, one restore per member
    route({
      method: 'post',
      path: '/projects/:project/backup-groups/:group/restores/plan',
      tag: 'restores',
      summary:
        'Dry run of restoring a backup group: one plan per member, each into its own cluster or the target chosen for it (writes nothing)',
      access: 'operator',
      body: control.groupRestoreInput,
      returns:
        'members (backup, targetCluster, restoreName, plan or problem) and skipped members with the reason',
      handler: ({ caller, params, body }) =>
        control.planGroupRestore(ctx, caller, String(params.project), String(params.group), body),
    }),
    route({
      method: 'post',
      path: '/projects/:project/backup-groups/:group/restores',
      tag: 'restores',
      summary:
        'Restore a backup group: one restore per member, started together once every target is Healthy',
      access: 'operator',
      body: control.groupRestoreInput,
      status: 202,
      returns: 'the group restore, with its member restores and the members skipped',
      handler: ({ caller, params, body }) =>
        control.createGroupRestore(ctx, caller, String(params.project), String(params.group), body),
    }),
    route({
      method: 'get',
      path: '/projects/:project/group-restores',
      tag: 'restores',
      summary: 'Group restores, newest first (of one workspace or backup group)',
      access: 'viewer',
      query: groupRestoreFilter,
      returns: 'group restores',
      handler: ({ caller, params, query }) =>
        control.listGroupRestores(ctx, caller, String(params.project), query),
    }),
    route({
      method: 'get',
      path: '/projects/:project/group-restores/:groupRestore',
      tag: 'restores',
      summary:
        'A group restore: its phase and progress taken together, and each member restore (by id or name)',
      access: 'viewer',
      returns: 'the group restore',
      handler: ({ caller, params }) =>
        control.getGroupRestore(ctx, caller, String(params.project), String(params.groupRestore)),
    }),
  ];
  return routes as Route<unknown, unknown>[];
}
