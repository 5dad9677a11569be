/**
 * The People screen's data: the project's members (key `['p', project, 'members']`), the Lifeboat users
 * (`['users']`, administrators only), and the changes to them. A change refreshes the members and the
 * signed-in user's projects (their own role may be what changed).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { MemberView, Role, UserView } from '../../../src/api/types.ts';
import { api } from '../api.ts';

/** What each role lets a member do, as the API's roles are documented. */
export const roleWork: Record<Role, string> = {
  viewer: 'reads the project: clusters, backups, restores and their logs',
  operator: 'also runs backups, restores and checks',
  admin: 'also changes clusters, locations, workspaces, schedules and members',
};
export const roles: Role[] = ['viewer', 'operator', 'admin'];

function membersPath(project: string): string {
  return `/projects/${encodeURIComponent(project)}/members`;
}

export function useMembers(project: string) {
  return useQuery({
    queryKey: ['p', project, 'members'],
    queryFn: () => api<MemberView[]>('GET', membersPath(project)),
  });
}

/** Every user; only Lifeboat administrators may ask (`enabled` false for the others). */
export function useUsers(enabled: boolean) {
  return useQuery({ queryKey: ['users'], queryFn: () => api<UserView[]>('GET', '/users'), enabled });
}

function useRefresh(project: string) {
  const queryClient = useQueryClient();
  return async () => {
    await queryClient.invalidateQueries({ queryKey: ['p', project, 'members'] });
    await queryClient.invalidateQueries({ queryKey: ['users'] });
    await queryClient.invalidateQueries({ queryKey: ['me'] });
  };
}

/** Gives a user a role in the project (adding them when they are not a member). */
export function useSetMember(project: string) {
  const refresh = useRefresh(project);
  return useMutation({
    mutationFn: (input: { user: string; role: Role }) =>
      api<void>('PUT', `${membersPath(project)}/${encodeURIComponent(input.user)}`, { role: input.role }),
    onSuccess: refresh,
  });
}

export function useRemoveMember(project: string) {
  const refresh = useRefresh(project);
  return useMutation({
    mutationFn: (user: string) => api<void>('DELETE', `${membersPath(project)}/${encodeURIComponent(user)}`),
    onSuccess: refresh,
  });
}

/**
 * Creates a user (answered with their first token, shown once) and, optionally, adds them to the project.
 * A failure to add them is returned beside the user, not thrown: the token must not be lost with it.
 */
export function useCreateUser(project: string) {
  const refresh = useRefresh(project);
  return useMutation({
    mutationFn: async (input: { name: string; isAdmin: boolean; role: Role | null }) => {
      const created = await api<{ user: UserView; token: string }>('POST', '/users', {
        name: input.name,
        isAdmin: input.isAdmin,
      });
      let memberError: unknown;
      if (input.role)
        await api<void>('PUT', `${membersPath(project)}/${encodeURIComponent(created.user.name)}`, {
          role: input.role,
        }).catch((error: unknown) => {
          memberError = error;
        });
      return { ...created, memberError };
    },
    onSuccess: refresh,
  });
}

export function useDeleteUser(project: string) {
  const refresh = useRefresh(project);
  return useMutation({
    mutationFn: (user: string) => api<void>('DELETE', `/users/${encodeURIComponent(user)}`),
    onSuccess: refresh,
  });
}
