/** The routes of clusters and workspaces. */
import * as control from '../../control/index.ts';
import { type Route, route } from '../route.ts';

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
      summary: 'Rename a cluster or replace its kubeconfig',
      access: 'admin',
      body: control.clusterUpdate,
      returns: 'the cluster',
      handler: ({ caller, params, body }) =>
        control.updateCluster(ctx, caller, String(params.project), String(params.cluster), body),
    }),
    route({
      method: 'delete',
      path: '/projects/:project/clusters/:cluster',
      tag: 'clusters',
      summary: 'Remove a cluster (its backups stay in their locations)',
      access: 'admin',
      status: 204,
      returns: 'nothing',
      handler: ({ caller, params }) =>
        control.deleteCluster(ctx, caller, String(params.project), String(params.cluster)),
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
  ];
  return routes as Route<unknown, unknown>[];
}
