/** Every route of the REST API, declared once (see route.ts). */
import { z } from 'zod';
import * as control from '../control/index.ts';
import { accessChanged, backupEvents, restoreEvents } from './events.ts';
import { type Route, route } from './route.ts';

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

/** The routes of one control plane. */
export function apiRoutes(ctx: control.ControlContext): Route<unknown, unknown>[] {
  const routes = [
    // Who am I
    route({
      method: 'get',
      path: '/me',
      tag: 'accounts',
      summary: 'The signed-in user and their projects',
      returns: 'the user and their roles',
      handler: async ({ caller }) => ({
        user: control.viewUser(caller.user),
        projects: await control.listProjects(ctx, caller),
      }),
    }),
    route({
      method: 'get',
      path: '/users',
      tag: 'accounts',
      summary: 'List users',
      access: 'administrator',
      returns: 'users',
      handler: ({ caller }) => control.listUsers(ctx, caller),
    }),
    route({
      method: 'post',
      path: '/users',
      tag: 'accounts',
      summary: 'Create a user (answers with their first token, shown once)',
      access: 'administrator',
      body: control.userInput,
      status: 201,
      returns: 'the user and a token',
      handler: ({ caller, body }) => control.createUser(ctx, caller, body),
    }),
    route({
      method: 'delete',
      path: '/users/:user',
      tag: 'accounts',
      summary: 'Delete a user',
      access: 'administrator',
      status: 204,
      returns: 'nothing',
      handler: async ({ caller, params }) => {
        await control.deleteUser(ctx, caller, String(params.user));
        accessChanged(ctx);
      },
    }),
    route({
      method: 'get',
      path: '/tokens',
      tag: 'accounts',
      summary: "The caller's API tokens (never their values)",
      returns: 'tokens',
      handler: ({ caller }) => control.listTokens(ctx, caller),
    }),
    route({
      method: 'post',
      path: '/tokens',
      tag: 'accounts',
      summary: 'Create an API token for the caller (its value is shown once)',
      body: control.tokenInput,
      status: 201,
      returns: 'the token',
      handler: ({ caller, body }) => control.createToken(ctx, caller, body.name),
    }),
    route({
      method: 'delete',
      path: '/tokens/:token',
      tag: 'accounts',
      summary: 'Revoke one of the caller’s tokens',
      status: 204,
      returns: 'nothing',
      handler: async ({ caller, params }) => {
        await control.revokeToken(ctx, caller, String(params.token));
        accessChanged(ctx);
      },
    }),
    // Projects
    route({
      method: 'get',
      path: '/projects',
      tag: 'projects',
      summary: 'Projects the caller belongs to',
      returns: 'projects with the caller’s role',
      handler: ({ caller }) => control.listProjects(ctx, caller),
    }),
    route({
      method: 'post',
      path: '/projects',
      tag: 'projects',
      summary: 'Create a project',
      access: 'administrator',
      body: control.projectInput,
      status: 201,
      returns: 'the project',
      handler: ({ caller, body }) => control.createProject(ctx, caller, body.name),
    }),
    route({
      method: 'get',
      path: '/projects/:project',
      tag: 'projects',
      summary: 'A project',
      access: 'viewer',
      returns: 'the project',
      handler: ({ caller, params }) => control.getProject(ctx, caller, String(params.project)),
    }),
    route({
      method: 'delete',
      path: '/projects/:project',
      tag: 'projects',
      summary: 'Delete a project that has no backups',
      access: 'administrator',
      status: 204,
      returns: 'nothing',
      handler: async ({ caller, params }) => {
        await control.deleteProject(ctx, caller, String(params.project));
        accessChanged(ctx);
      },
    }),
    route({
      method: 'get',
      path: '/projects/:project/members',
      tag: 'projects',
      summary: 'Members and their roles',
      access: 'viewer',
      returns: 'members',
      handler: ({ caller, params }) => control.listMembers(ctx, caller, String(params.project)),
    }),
    route({
      method: 'put',
      path: '/projects/:project/members/:user',
      tag: 'projects',
      summary: 'Give a user a role in the project',
      access: 'admin',
      body: control.memberInput,
      status: 204,
      returns: 'nothing',
      handler: async ({ caller, params, body }) => {
        await control.setMember(ctx, caller, String(params.project), String(params.user), body.role);
        accessChanged(ctx);
      },
    }),
    route({
      method: 'delete',
      path: '/projects/:project/members/:user',
      tag: 'projects',
      summary: 'Remove a user from the project',
      access: 'admin',
      status: 204,
      returns: 'nothing',
      handler: async ({ caller, params }) => {
        await control.removeMember(ctx, caller, String(params.project), String(params.user));
        accessChanged(ctx);
      },
    }),
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
    // Locations
    route({
      method: 'get',
      path: '/projects/:project/locations',
      tag: 'locations',
      summary: 'Backup locations with their status',
      access: 'viewer',
      returns: 'locations (secret fields named, never returned)',
      handler: ({ caller, params }) => control.listLocations(ctx, caller, String(params.project)),
    }),
    route({
      method: 'post',
      path: '/projects/:project/locations',
      tag: 'locations',
      summary: 'Create a location; it is validated against the store first and refused (422) if it fails',
      access: 'admin',
      body: control.locationInput,
      status: 201,
      returns: 'the location',
      handler: ({ caller, params, body }) =>
        control.createLocation(ctx, caller, String(params.project), body),
    }),
    route({
      method: 'post',
      path: '/projects/:project/locations/validate',
      tag: 'locations',
      summary: 'Validate a location’s fields without saving them',
      access: 'operator',
      body: control.locationInput,
      returns: 'what was checked, and each problem with what to fix',
      handler: ({ caller, params, body }) =>
        control.validateUnsaved(ctx, caller, String(params.project), body),
    }),
    route({
      method: 'get',
      path: '/projects/:project/locations/aws-external-id',
      tag: 'locations',
      summary: "The external ID this project's AWS roles must require (chosen by Lifeboat)",
      access: 'viewer',
      returns: '{ externalId }',
      handler: async ({ caller, params }) => {
        const { project } = await control.authorize(ctx, caller, String(params.project), 'viewer');
        return { externalId: control.projectExternalId(ctx, project.id) };
      },
    }),
    route({
      method: 'get',
      path: '/projects/:project/locations/:location',
      tag: 'locations',
      summary: 'A location',
      access: 'viewer',
      returns: 'the location',
      handler: ({ caller, params }) =>
        control.getLocation(ctx, caller, String(params.project), String(params.location)),
    }),
    route({
      method: 'patch',
      path: '/projects/:project/locations/:location',
      tag: 'locations',
      summary: 'Change a location (fields left out keep their values, secrets too); validated before saving',
      access: 'admin',
      body: z.record(z.string(), z.unknown()),
      returns: 'the location',
      handler: ({ caller, params, body }) =>
        control.updateLocation(ctx, caller, String(params.project), String(params.location), body),
    }),
    route({
      method: 'delete',
      path: '/projects/:project/locations/:location',
      tag: 'locations',
      summary: 'Delete a location no policy or backup uses (the bucket is untouched)',
      access: 'admin',
      status: 204,
      returns: 'nothing',
      handler: ({ caller, params }) =>
        control.deleteLocation(ctx, caller, String(params.project), String(params.location)),
    }),
    route({
      method: 'post',
      path: '/projects/:project/locations/:location/validate',
      tag: 'locations',
      summary: 'Validate a saved location again (its status records the result)',
      access: 'operator',
      returns: 'the location and the validation result',
      handler: ({ caller, params }) =>
        control.revalidateLocation(ctx, caller, String(params.project), String(params.location)),
    }),
    route({
      method: 'post',
      path: '/projects/:project/locations/:location/sync',
      tag: 'locations',
      summary:
        'Record the backups in the location that Lifeboat does not know yet (each under its folder name), mark Missing those whose folder is gone, and list the folders that cannot be read as backups',
      access: 'operator',
      returns: 'folders added, backups now Missing, and problems (folder, reason, seenAt)',
      handler: async ({ caller, params }) => {
        const { project } = await control.authorize(ctx, caller, String(params.project), 'operator');
        const location = await control.resolveLocation(ctx, project.id, String(params.location));
        return control.syncLocation(ctx, location);
      },
    }),
    // Policies and schedules
    route({
      method: 'post',
      path: '/schedule-preview',
      tag: 'policies',
      summary: 'The next runs of a schedule if it were saved now',
      body: control.schedulePreviewInput,
      returns: 'run times (ISO 8601, UTC)',
      handler: async ({ body }) => ({
        runs: control.previewSchedule(ctx, { ...body.schedule, timeZone: body.timeZone }, body.count),
      }),
    }),
    ...(['cluster', 'workspace'] as const).flatMap((kind) => {
      const path = `/projects/:project/${kind}s/:${kind}/policy`;
      const owner = (params: Record<string, string>): control.PolicyOwner =>
        kind === 'cluster' ? { cluster: String(params.cluster) } : { workspace: String(params.workspace) };
      return [
        route({
          method: 'get',
          path,
          tag: 'policies',
          summary: `The backup policy of a ${kind}`,
          access: 'viewer',
          returns: 'the policy with its next runs',
          handler: ({ caller, params }) =>
            control.getPolicy(ctx, caller, String(params.project), owner(params)),
        }),
        route({
          method: 'put',
          path,
          tag: 'policies',
          summary: `Set the backup policy of a ${kind}`,
          access: 'admin',
          body: control.policyInput,
          returns: 'the policy with its next runs',
          handler: ({ caller, params, body }) =>
            control.putPolicy(ctx, caller, String(params.project), owner(params), body),
        }),
        route({
          method: 'delete',
          path,
          tag: 'policies',
          summary: `Remove the backup policy of a ${kind}`,
          access: 'admin',
          status: 204,
          returns: 'nothing',
          handler: ({ caller, params }) =>
            control.deletePolicy(ctx, caller, String(params.project), owner(params)),
        }),
      ] as Route<unknown, unknown>[];
    }),
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
        'A backup (by id, or by a name unambiguous in the project): phase (Missing once its folder is gone from the location), progress, counts, size, expiry, errors and warnings',
      access: 'viewer',
      returns: 'the backup',
      handler: ({ caller, params }) =>
        control.getBackup(ctx, caller, String(params.project), String(params.backup)),
    }),
    route({
      method: 'get',
      path: '/projects/:project/backups/:backup/contents',
      tag: 'backups',
      summary: 'What a backup holds, by namespace and kind (from its index)',
      access: 'viewer',
      returns: 'the contents',
      handler: ({ caller, params }) =>
        control.backupContents(ctx, caller, String(params.project), String(params.backup)),
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
      summary: 'Delete a backup from its location and then from Lifeboat',
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
      returns: 'the plan',
      handler: ({ caller, params, body }) =>
        control.planRestoreFor(ctx, caller, String(params.project), body),
    }),
    route({
      method: 'post',
      path: '/projects/:project/restores',
      tag: 'restores',
      summary: 'Restore a backup into a cluster of the same project',
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
      summary: 'A restore: phase, progress, counts, errors and warnings',
      access: 'viewer',
      returns: 'the restore',
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
      summary: 'Server-sent events: item (one per object), progress, end',
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
