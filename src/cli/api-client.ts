/**
 * The control plane's REST API as the `lifeboat` command sees it: one typed method per route it uses, over
 * `fetch` with a bearer token (api-connection.ts). This is the only CLI file that knows the API's paths. Every
 * failure is an `ApiError`: the server's own error (status, name, message, issues, problems), or status 0 when
 * the server could not be reached at all.
 */
import type { z } from 'zod';
import type { ErrorBody } from '../api/index.ts';
import type * as control from '../control/index.ts';
import type { RestorePlan } from '../restore/index.ts';
import type { RepositoryStats } from '../volumes/index.ts';
import { ApiConnection, ApiError } from './api-connection.ts';

export type {
  BackupDetailView,
  BackupView,
  ClusterView,
  ContentsView,
  GroupView,
  LocationView,
  PolicyView,
  ProjectView,
  RestoreView,
  ValidationView,
  WorkspaceView,
} from '../control/index.ts';
export { ApiError, type ApiIssue } from './api-connection.ts';

/** Request bodies as callers write them (fields with defaults may be left out). */
export type ClusterRequest = z.input<typeof control.clusterInput>;
export type WorkspaceRequest = z.input<typeof control.workspaceInput>;
export type ClusterUpdateRequest = z.input<typeof control.clusterUpdate>;
export type PolicyRequest = z.input<typeof control.policyInput>;
export type BackupRequest = z.input<typeof control.backupInput>;
export type RestoreRequest = z.input<typeof control.restoreInput>;
export type PolicyOwner = control.PolicyOwner;
export type RestoreItemView = Awaited<ReturnType<typeof control.restoreItems>>[number];

const enc = encodeURIComponent;

/** A client of one control plane, acting as the owner of one API token. */
export class ApiClient extends ApiConnection {
  // Projects
  listProjects() {
    return this.json<control.ProjectView[]>('GET', '/projects');
  }
  createProject(name: string) {
    return this.json<control.ProjectView>('POST', '/projects', { name });
  }
  deleteProject(name: string) {
    return this.none('DELETE', `/projects/${enc(name)}`);
  }
  renameProject(project: string, name: string) {
    return this.json<control.ProjectView>('PATCH', p(project), { name });
  }
  projectContents(project: string) {
    return this.json<control.ProjectContentsView>('GET', `${p(project)}/contents`);
  }

  // People: who is signed in, users, project members, the caller's tokens
  me() {
    return this.json<{ user: control.UserView; projects: control.ProjectView[] }>('GET', '/me');
  }
  listUsers() {
    return this.json<control.UserView[]>('GET', '/users');
  }
  createUser(body: { name: string; isAdmin?: boolean }) {
    return this.json<{ user: control.UserView; token: string }>('POST', '/users', body);
  }
  deleteUser(user: string) {
    return this.none('DELETE', `/users/${enc(user)}`);
  }
  listMembers(project: string) {
    return this.json<control.MemberView[]>('GET', `/projects/${enc(project)}/members`);
  }
  async setMember(project: string, user: string, role: control.MemberView['role']) {
    await (await this.send('PUT', `/projects/${enc(project)}/members/${enc(user)}`, { role })).body?.cancel();
  }
  removeMember(project: string, user: string) {
    return this.none('DELETE', `/projects/${enc(project)}/members/${enc(user)}`);
  }
  listTokens() {
    return this.json<control.TokenView[]>('GET', '/tokens');
  }
  createToken(body: control.TokenRequest) {
    return this.json<control.CreatedTokenView>('POST', '/tokens', body);
  }
  revokeToken(id: string) {
    return this.none('DELETE', `/tokens/${enc(id)}`);
  }

  // Clusters
  listClusters(project: string) {
    return this.json<control.ClusterView[]>('GET', `${p(project)}/clusters`);
  }
  registerCluster(project: string, body: ClusterRequest) {
    return this.json<control.ClusterView>('POST', `${p(project)}/clusters`, body);
  }
  getCluster(project: string, cluster: string) {
    return this.json<control.ClusterView>('GET', `${p(project)}/clusters/${enc(cluster)}`);
  }
  checkCluster(project: string, cluster: string) {
    return this.json<control.ClusterView>('POST', `${p(project)}/clusters/${enc(cluster)}/health-check`);
  }
  deleteCluster(project: string, cluster: string) {
    return this.none('DELETE', `${p(project)}/clusters/${enc(cluster)}`);
  }
  /** Renames a cluster and/or replaces its kubeconfig (checked against the cluster before it is saved). */
  updateCluster(project: string, cluster: string, body: ClusterUpdateRequest) {
    return this.json<control.ClusterView>('PATCH', `${p(project)}/clusters/${enc(cluster)}`, body);
  }
  clusterRemoval(project: string, cluster: string) {
    return this.json<control.ClusterRemovalView>('GET', `${p(project)}/clusters/${enc(cluster)}/removal`);
  }

  // Workspaces
  listWorkspaces(project: string) {
    return this.json<control.WorkspaceView[]>('GET', `${p(project)}/workspaces`);
  }
  createWorkspace(project: string, body: WorkspaceRequest) {
    return this.json<control.WorkspaceView>('POST', `${p(project)}/workspaces`, body);
  }
  getWorkspace(project: string, workspace: string) {
    return this.json<control.WorkspaceView>('GET', `${p(project)}/workspaces/${enc(workspace)}`);
  }
  deleteWorkspace(project: string, workspace: string) {
    return this.none('DELETE', `${p(project)}/workspaces/${enc(workspace)}`);
  }
  updateWorkspace(project: string, workspace: string, body: Partial<WorkspaceRequest>) {
    return this.json<control.WorkspaceView>('PATCH', `${p(project)}/workspaces/${enc(workspace)}`, body);
  }

  // Locations
  listLocations(project: string) {
    return this.json<control.LocationView[]>('GET', `${p(project)}/locations`);
  }
  /** `body` is the location's fields as the user wrote them; the server validates them (400 or 422). */
  createLocation(project: string, body: Record<string, unknown>) {
    return this.json<control.LocationView>('POST', `${p(project)}/locations`, body);
  }
  getLocation(project: string, location: string) {
    return this.json<control.LocationView>('GET', `${p(project)}/locations/${enc(location)}`);
  }
  validateLocation(project: string, location: string) {
    return this.json<control.LocationView & { result: control.ValidationView }>(
      'POST',
      `${p(project)}/locations/${enc(location)}/validate`,
    );
  }
  syncLocation(project: string, location: string) {
    return this.json<{ added: string[] }>('POST', `${p(project)}/locations/${enc(location)}/sync`);
  }
  deleteLocation(project: string, location: string) {
    return this.none('DELETE', `${p(project)}/locations/${enc(location)}`);
  }
  /** The location's volume repository stats, read by the server (which holds the repository secret). */
  repositoryStats(project: string, location: string) {
    return this.json<{ location: string } & RepositoryStats>(
      'GET',
      `${p(project)}/locations/${enc(location)}/repository/stats`,
    );
  }
  /**
   * Checks the location's volume repository on the server, handing each JSON line of the answer to `onEvent`
   * (started, progress, heartbeat, result); an `error` line is thrown as the `ApiError` it carries.
   */
  async checkRepository(
    project: string,
    location: string,
    body: { readData?: boolean },
    onEvent: (event: control.CheckEvent | { type: 'heartbeat' }) => void,
  ): Promise<void> {
    const response = await this.send(
      'POST',
      `${p(project)}/locations/${enc(location)}/repository/check`,
      body,
    );
    const decoder = new TextDecoder();
    let pending = '';
    const line = (text: string) => {
      if (!text.trim()) return;
      const event = JSON.parse(text) as
        | (control.CheckEvent | { type: 'heartbeat' })
        | (ErrorBody & { type: 'error'; status: number });
      if (event.type !== 'error') return onEvent(event);
      throw new ApiError({
        status: event.status,
        errorName: event.error.name,
        message: event.error.message,
        server: this.server,
        ...(event.error.problems ? { problems: event.error.problems } : {}),
      });
    };
    for await (const chunk of response.body ?? []) {
      pending += decoder.decode(chunk as Uint8Array, { stream: true });
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const text of lines) line(text);
    }
    line(pending + decoder.decode());
  }

  // Policies
  getPolicy(project: string, owner: PolicyOwner) {
    return this.json<control.PolicyView>('GET', policyPath(project, owner));
  }
  setPolicy(project: string, owner: PolicyOwner, body: PolicyRequest) {
    return this.json<control.PolicyView>('PUT', policyPath(project, owner), body);
  }
  deletePolicy(project: string, owner: PolicyOwner) {
    return this.none('DELETE', policyPath(project, owner));
  }

  // Backups
  listBackups(
    project: string,
    filter: { cluster?: string; workspace?: string; group?: string; location?: string },
  ) {
    return this.json<control.BackupView[]>('GET', `${p(project)}/backups${query(filter)}`);
  }
  backUpCluster(project: string, cluster: string, body: BackupRequest) {
    return this.json<control.BackupView>('POST', `${p(project)}/clusters/${enc(cluster)}/backups`, body);
  }
  backUpWorkspace(project: string, workspace: string, body: BackupRequest) {
    return this.json<control.GroupView>('POST', `${p(project)}/workspaces/${enc(workspace)}/backups`, body);
  }
  getBackup(project: string, backup: string) {
    return this.json<control.BackupDetailView>('GET', `${p(project)}/backups/${enc(backup)}`);
  }
  backupContents(project: string, backup: string) {
    return this.json<control.ContentsView>('GET', `${p(project)}/backups/${enc(backup)}/contents`);
  }
  backupLogs(project: string, backup: string) {
    return this.text(`${p(project)}/backups/${enc(backup)}/logs`);
  }
  deleteBackup(project: string, backup: string) {
    return this.json<control.BackupView>('DELETE', `${p(project)}/backups/${enc(backup)}`);
  }

  // Restores
  planRestore(project: string, body: RestoreRequest) {
    return this.json<RestorePlan>('POST', `${p(project)}/restores/plan`, body);
  }
  createRestore(project: string, body: RestoreRequest) {
    return this.json<control.RestoreView>('POST', `${p(project)}/restores`, body);
  }
  listRestores(project: string, filter: { cluster?: string; backup?: string }) {
    return this.json<control.RestoreView[]>('GET', `${p(project)}/restores${query(filter)}`);
  }
  getRestore(project: string, restore: string) {
    return this.json<control.RestoreView>('GET', `${p(project)}/restores/${enc(restore)}`);
  }
  restoreItems(project: string, restore: string, after: number, limit: number) {
    return this.json<RestoreItemView[]>(
      'GET',
      `${p(project)}/restores/${enc(restore)}/items${query({ after, limit })}`,
    );
  }
  restoreLogs(project: string, restore: string) {
    return this.text(`${p(project)}/restores/${enc(restore)}/logs`);
  }
}

function p(project: string): string {
  return `/projects/${enc(project)}`;
}

function policyPath(project: string, owner: PolicyOwner): string {
  return 'cluster' in owner
    ? `${p(project)}/clusters/${enc(owner.cluster)}/policy`
    : `${p(project)}/workspaces/${enc(owner.workspace)}/policy`;
}

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}
