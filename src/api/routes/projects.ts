/** The routes of a project as a whole: renaming it, and what it holds (it is deleted only once empty). */
import * as control from '../../control/index.ts';
import { type Route, route } from '../route.ts';

export function projectsRoutes(ctx: control.ControlContext): Route<unknown, unknown>[] {
  const routes = [
    route({
      method: 'patch',
      path: '/projects/:project',
      tag: 'projects',
      summary: 'Rename a project (its id and everything in it stay)',
      access: 'admin',
      body: control.projectInput,
      returns: 'the project',
      handler: ({ caller, params, body }) =>
        control.renameProject(ctx, caller, String(params.project), body.name),
    }),
    route({
      method: 'get',
      path: '/projects/:project/contents',
      tag: 'projects',
      summary:
        'What a project holds: its clusters, workspaces, backup locations and backups (counts and first names); a project is deleted only once empty',
      access: 'viewer',
      returns: 'clusters, workspaces, locations, backups ({count, names}) and empty',
      handler: ({ caller, params }) => control.projectContents(ctx, caller, String(params.project)),
    }),
  ];
  return routes as Route<unknown, unknown>[];
}
