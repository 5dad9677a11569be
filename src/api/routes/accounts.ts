/** The routes of who is signed in, users, tokens, projects and their members. */
import * as control from '../../control/index.ts';
import { accessChanged } from '../events.ts';
import { type Route, route } from '../route.ts';

export function accountsRoutes(ctx: control.ControlContext): Route<unknown, unknown>[] {
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
      summary: 'Delete a user and their tokens (not the last admin of a project)',
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
      summary: "The caller's API tokens, newest first (never their values)",
      returns: 'tokens with their expiry, last use and state (active, expired or revoked)',
      handler: ({ caller }) => control.listTokens(ctx, caller),
    }),
    route({
      method: 'post',
      path: '/tokens',
      tag: 'accounts',
      summary:
        'Create an API token for the caller, with a name and an optional expiry (its value is shown once)',
      body: control.tokenRequest,
      status: 201,
      returns: 'the token: its value (this once only), name, expiry and state',
      handler: ({ caller, body }) => control.createToken(ctx, caller, body),
    }),
    route({
      method: 'delete',
      path: '/tokens/:token',
      tag: 'accounts',
      summary: 'Revoke one of the caller’s tokens (it is refused from then on, as revoked)',
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
      summary: 'Delete an empty project (no clusters, workspaces, locations or backups left)',
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
      summary: 'Give a user a role in the project (the last admin cannot be demoted)',
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
      summary: 'Remove a user from the project (the last admin cannot be removed)',
      access: 'admin',
      status: 204,
      returns: 'nothing',
      handler: async ({ caller, params }) => {
        await control.removeMember(ctx, caller, String(params.project), String(params.user));
        accessChanged(ctx);
      },
    }),
  ];
  return routes as Route<unknown, unknown>[];
}
