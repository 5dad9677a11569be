/** The console's frame: sign-in, the project switcher, navigation, and which screen a URL shows. */
import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { ApiError, api, setSignedOutHandler, storedToken, storeToken } from './api.ts';
import { BackupPage } from './backups/BackupPage.tsx';
import { ClusterPage } from './clusters/ClusterPage.tsx';
import { ClustersPage } from './clusters/ClustersPage.tsx';
import { useFieldIssues } from './components/field-issues.ts';
import { EmptyState, ErrorNote, Field } from './components/ui.tsx';
import { userTimeZone } from './format.ts';
import { LocationsPage } from './locations/LocationsPage.tsx';
import { PeoplePage } from './people/PeoplePage.tsx';
import { NewProjectButton } from './projects/NewProjectButton.tsx';
import { ProjectSettings } from './projects/ProjectSettings.tsx';
import { RestorePage } from './restores/RestorePage.tsx';
import { Link, navigate, useLocation } from './router.tsx';
import { SessionProvider, useMe, useSession } from './session.tsx';
import { TokensPage } from './tokens/TokensPage.tsx';
import { GroupRestorePage } from './workspaces/GroupRestorePage.tsx';
import { WorkspacePage } from './workspaces/WorkspacePage.tsx';
import { WorkspacesPage } from './workspaces/WorkspacesPage.tsx';

export function App() {
  const [token, setToken] = useState(storedToken);
  const queryClient = useQueryClient();
  const signOut = () => {
    storeToken(null);
    setToken(null);
    queryClient.clear();
  };
  useEffect(() => setSignedOutHandler(signOut));
  if (!token)
    return (
      <SignIn
        onSignedIn={(value) => {
          storeToken(value);
          setToken(value);
        }}
      />
    );
  return <SignedIn signOut={signOut} />;
}

function SignIn(props: { onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api('GET', '/me', undefined, token.trim());
      props.onSignedIn(token.trim());
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <form onSubmit={submit} className="card">
        <h1>Lifeboat</h1>
        <p>
          Sign in with an API token. The first one was printed by <code>lifeboat serve</code> on its first
          start; administrators make more.
        </p>
        <Field label="API token" error={error instanceof Error ? error.message : undefined}>
          {(id) => (
            <input
              id={id}
              type="password"
              autoComplete="off"
              value={token}
              onChange={(event) => setToken(event.target.value)}
              placeholder="lbt_…"
              required
            />
          )}
        </Field>
        <button type="submit" className="primary" disabled={busy || !token.trim()}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

function SignedIn(props: { signOut: () => void }) {
  const me = useMe();
  const location = useLocation();
  const [section, projectName] = location.path;
  const first = me.data?.projects[0];
  const atProject = section === 'p' && Boolean(projectName);
  // The user's own pages (their tokens) belong to no project.
  const atAccount = section === 'tokens';
  useEffect(() => {
    if (!atProject && !atAccount && first) navigate(['p', first.name, 'clusters']);
  }, [atProject, atAccount, first]);
  if (me.isPending) return <p className="loading">Loading…</p>;
  if (me.error) return <ErrorNote error={me.error} title="Cannot load your account" />;
  if (!atProject && !atAccount && first) return null;
  return (
    <SessionProvider
      me={me.data}
      projectName={section === 'p' ? projectName : undefined}
      signOut={props.signOut}
    >
      <Frame>
        <Screen />
      </Frame>
    </SessionProvider>
  );
}

function Frame(props: { children: React.ReactNode }) {
  const session = useSession();
  const location = useLocation();
  const project = session.project;
  const here = location.path[2];
  const nav = [
    { id: 'clusters', label: 'Clusters' },
    { id: 'workspaces', label: 'Workspaces' },
    { id: 'people', label: 'People' },
    { id: 'settings', label: 'Project Settings' },
  ];
  return (
    <div className="frame">
      <header className="top">
        <a className="brand" href="#/">
          Lifeboat
        </a>
        {session.projects.length > 0 ? (
          <label className="switcher">
            <span>Project</span>
            <select
              value={project?.name ?? ''}
              onChange={(event) => navigate(['p', event.target.value, 'clusters'])}
              aria-label="Project"
            >
              {project ? null : <option value="">Choose…</option>}
              {session.projects.map((p) => (
                <option key={p.id} value={p.name}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <NewProjectButton />
        {project ? (
          <nav aria-label="Project sections">
            {nav.map((item) => (
              <Link
                key={item.id}
                to={['p', project.name, item.id]}
                className={here === item.id ? 'active' : ''}
              >
                {item.label}
              </Link>
            ))}
          </nav>
        ) : null}
        <div className="who">
          <span title={`Times are shown in ${userTimeZone}`}>
            {session.user.name}
            {project ? ` · ${project.role}` : ''}
          </span>
          <a
            href="#/tokens"
            className={location.path[0] === 'tokens' ? 'active' : undefined}
            aria-current={location.path[0] === 'tokens' ? 'page' : undefined}
          >
            Tokens
          </a>
          <button type="button" onClick={session.signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main className="content">{props.children}</main>
    </div>
  );
}

function Screen() {
  const session = useSession();
  const { path, query } = useLocation();
  if (path[0] === 'tokens') return <TokensPage />;
  if (!session.project) return session.projects.length > 0 ? <UnknownProject /> : <NoProject />;
  const [, , section, id, sub] = path;
  switch (section) {
    case 'clusters':
      return id ? <ClusterPage cluster={id} tab={query.get('tab') ?? 'overview'} /> : <ClustersPage />;
    case 'workspaces':
      return id ? <WorkspacePage workspace={id} /> : <WorkspacesPage />;
    case 'backups':
      return id ? <BackupPage backup={id} /> : <ClustersPage />;
    case 'restores':
      return id ? <RestorePage restore={id} /> : <ClustersPage />;
    case 'group-restores':
      return id ? <GroupRestorePage groupRestore={id} /> : <WorkspacesPage />;
    case 'people':
      return <PeoplePage />;
    case 'settings':
      return (
        <>
          <LocationsPage key={sub ?? 'locations'} />
          <ProjectSettings />
        </>
      );
    default:
      return <ClustersPage />;
  }
}

/** A URL naming a project the user is not in (or that does not exist): say so, offer theirs. */
function UnknownProject() {
  const session = useSession();
  const { path } = useLocation();
  return (
    <EmptyState title={`No project "${path[1] ?? ''}" for you`}>
      <p>It does not exist, or you are not one of its members. Your projects:</p>
      <ul className="plain">
        {session.projects.map((project) => (
          <li key={project.id}>
            <Link to={['p', project.name, 'clusters']}>{project.name}</Link> ({project.role})
          </li>
        ))}
      </ul>
    </EmptyState>
  );
}

function NoProject() {
  const session = useSession();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>();
  const fields = useFieldIssues(error, ['name']);
  if (!session.user.isAdmin)
    return (
      <EmptyState title="You are not in any project yet">
        <p>Ask a Lifeboat administrator to add you to a project.</p>
      </EmptyState>
    );
  const create = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await api('POST', '/projects', { name });
      // First the place to go (a new project starts with its backup locations), then the new project list.
      navigate(['p', name, 'settings']);
      await queryClient.invalidateQueries({ queryKey: ['me'] });
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <EmptyState title="Create your first project">
      <p>A project holds the clusters, backup locations and schedules of one team.</p>
      <form onSubmit={create} className="inline-form">
        <Field
          label="Project name"
          error={
            error instanceof ApiError && !fields.edited('name')
              ? (error.issue('name') ?? error.message)
              : undefined
          }
        >
          {(id) => (
            <input
              id={id}
              value={name}
              onChange={(event) => {
                setName(event.target.value);
                fields.edit('name');
              }}
              required
            />
          )}
        </Field>
        <button type="submit" className="primary">
          Create project
        </button>
      </form>
    </EmptyState>
  );
}
