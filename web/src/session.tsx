/** Who is signed in, the project being looked at, and what their role there lets them do. */
import { useQuery } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext } from 'react';
import type { ProjectView, Role, UserView } from '../../src/api/types.ts';
import { api } from './api.ts';

export interface Session {
  user: UserView;
  projects: ProjectView[];
  project: ProjectView | undefined;
  /** True when the signed-in user's role in the current project is at least `role`. */
  can(role: Role): boolean;
  signOut(): void;
}

const rank: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };
const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}

export function useMe() {
  return useQuery({
    queryKey: ['me'],
    queryFn: () => api<{ user: UserView; projects: ProjectView[] }>('GET', '/me'),
  });
}

export function SessionProvider(props: {
  me: { user: UserView; projects: ProjectView[] };
  projectName: string | undefined;
  signOut: () => void;
  children: ReactNode;
}) {
  const project = props.me.projects.find((p) => p.name === props.projectName);
  const session: Session = {
    user: props.me.user,
    projects: props.me.projects,
    project,
    can: (role) => (project ? rank[project.role] >= rank[role] : false),
    signOut: props.signOut,
  };
  return <SessionContext.Provider value={session}>{props.children}</SessionContext.Provider>;
}
