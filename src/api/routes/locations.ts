/** The routes of backup locations, policies and schedules. */
import { z } from 'zod';
import * as control from '../../control/index.ts';
import { type Route, route } from '../route.ts';
import { repositoryRoutes } from './repository.ts';

export function locationsRoutes(ctx: control.ControlContext): Route<unknown, unknown>[] {
  const routes = [
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
      returns:
        "{ externalId, serverIdentity }: serverIdentity says whether a role may be assumed with the server's own AWS identity (no keys)",
      handler: async ({ caller, params }) => {
        const { project } = await control.authorize(ctx, caller, String(params.project), 'viewer');
        return {
          externalId: control.projectExternalId(ctx, project.id),
          serverIdentity: ctx.allowServerIdentity,
        };
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
    ...repositoryRoutes(ctx),
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
  ];
  return routes as Route<unknown, unknown>[];
}
