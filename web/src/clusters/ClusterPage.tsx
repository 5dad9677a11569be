/**
 * One cluster: its health and latest backup at a glance, its backups, restores (everything restorable into it),
 * backup schedule, and its settings (name, kubeconfig, removal).
 */
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ClusterView, PolicyView, WorkspaceView } from '../../../src/api/types.ts';
import { ApiError, api } from '../api.ts';
import { BackupsTab } from '../backups/BackupsTab.tsx';
import { useBackups } from '../backups/backup-queries.ts';
import { Badge, ErrorNote, Tabs } from '../components/ui.tsx';
import { formatTime, relative } from '../format.ts';
import { PolicyEditor } from '../policies/PolicyEditor.tsx';
import { Link, navigate } from '../router.tsx';
import { useSession } from '../session.tsx';
import { ClusterRestoresTab } from './ClusterRestoresTab.tsx';
import { ClusterSettings } from './ClusterSettings.tsx';

const tabs = [
  { id: 'overview', label: 'Overview' },
  { id: 'backups', label: 'Backups' },
  { id: 'restores', label: 'Restores' },
  { id: 'settings', label: 'Settings' },
];

function clusterPath(project: string, cluster: string): string {
  return `/projects/${encodeURIComponent(project)}/clusters/${encodeURIComponent(cluster)}`;
}

export function ClusterPage(props: { cluster: string; tab: string }) {
  const project = useSession().project?.name ?? '';
  const cluster = useQuery({
    queryKey: ['p', project, 'cluster', props.cluster],
    queryFn: () => api<ClusterView>('GET', clusterPath(project, props.cluster)),
  });
  const tab = tabs.some((t) => t.id === props.tab) ? props.tab : 'overview';

  if (cluster.isPending) return <p className="loading">Loading cluster…</p>;
  if (cluster.error)
    return (
      <>
        <ErrorNote error={cluster.error} title={`Cannot show cluster ${props.cluster}`} />
        <Link to={['p', project, 'clusters']}>Back to the clusters</Link>
      </>
    );
  const view = cluster.data;
  return (
    <>
      <div className="page-head">
        <h1>{view.name}</h1>
        <Badge value={view.health} title={view.healthReason} />
      </div>
      <Tabs
        tabs={tabs}
        current={tab}
        onSelect={(id) => navigate(['p', project, 'clusters', props.cluster], { tab: id })}
      />
      {tab === 'overview' ? <Overview cluster={view} /> : null}
      {tab === 'backups' ? <BackupsTab cluster={view} /> : null}
      {tab === 'restores' ? <ClusterRestoresTab cluster={view} /> : null}
      {tab === 'settings' ? (
        <>
          <section className="card" aria-labelledby="schedule-backups">
            <h2 id="schedule-backups">Schedule Backups</h2>
            <PolicyEditor owner={{ kind: 'cluster', name: view.name }} />
          </section>
          <ClusterSettings key={view.id} cluster={view} />
        </>
      ) : null}
    </>
  );
}

function Overview(props: { cluster: ClusterView }) {
  const { cluster } = props;
  return (
    <div className="grid">
      <HealthStat cluster={cluster} />
      <div className="stat">
        <div className="label">Server</div>
        <div className="value">
          <code>{cluster.server ?? '—'}</code>
        </div>
        {cluster.context ? <div className="muted">Context {cluster.context}</div> : null}
      </div>
      <LastBackupStat cluster={cluster.name} />
      <NextBackupStat cluster={cluster.name} />
    </div>
  );
}

function HealthStat(props: { cluster: ClusterView }) {
  const session = useSession();
  const project = session.project?.name ?? '';
  const queryClient = useQueryClient();
  const { cluster } = props;
  const check = useMutation({
    mutationFn: () => api<ClusterView>('POST', `${clusterPath(project, cluster.name)}/health-check`),
    onSuccess: async (checked) => {
      queryClient.setQueryData(['p', project, 'cluster', cluster.name], checked);
      await queryClient.invalidateQueries({ queryKey: ['p', project] });
    },
  });
  return (
    <div className="stat">
      <div className="label">Health</div>
      <div className="value">
        <Badge value={cluster.health} />
      </div>
      {cluster.health === 'Unhealthy' && cluster.healthReason ? <p>{cluster.healthReason}</p> : null}
      {cluster.health === 'Unhealthy' && session.can('admin') ? (
        <p>
          <Link to={['p', project, 'clusters', cluster.name]} query={{ tab: 'settings' }}>
            Replace its kubeconfig
          </Link>
        </p>
      ) : null}
      <div className="muted">
        {cluster.healthCheckedAt
          ? `Checked ${formatTime(cluster.healthCheckedAt)} (${relative(cluster.healthCheckedAt)})`
          : 'Not checked yet'}
      </div>
      {session.can('operator') ? (
        <div style={{ marginTop: 8 }}>
          <button type="button" onClick={() => check.mutate()} disabled={check.isPending}>
            {check.isPending ? 'Checking…' : 'Check now'}
          </button>
        </div>
      ) : null}
      <ErrorNote error={check.error} title="The check could not run" />
    </div>
  );
}

function LastBackupStat(props: { cluster: string }) {
  const project = useSession().project?.name ?? '';
  const backups = useBackups(project, { cluster: props.cluster });
  // The list is newest first.
  const last = backups.data?.[0];
  return (
    <div className="stat">
      <div className="label">Last backup</div>
      {backups.isPending ? <div className="muted">Loading…</div> : null}
      <ErrorNote error={backups.error} />
      {backups.data && !last ? (
        <div className="value">
          None yet —{' '}
          <Link to={['p', project, 'clusters', props.cluster]} query={{ tab: 'backups' }}>
            see Backups
          </Link>
        </div>
      ) : null}
      {last ? (
        <>
          <div className="value">
            <Link to={['p', project, 'backups', last.name]}>{last.name}</Link> <Badge value={last.phase} />
          </div>
          <div className="muted">
            {formatTime(last.createdAt)} ({relative(last.createdAt)})
          </div>
        </>
      ) : null}
    </div>
  );
}

/** A policy, or null when there is none (404 is an answer here, not an error). */
async function policyOrNull(path: string): Promise<PolicyView | null> {
  try {
    return await api<PolicyView>('GET', `${path}/policy`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

/**
 * The next scheduled backup of this cluster: its own policy's, or a workspace's that includes it — whichever
 * comes first.
 */
function NextBackupStat(props: { cluster: string }) {
  const project = useSession().project?.name ?? '';
  const policy = useQuery({
    queryKey: ['p', project, 'policy', 'cluster', props.cluster],
    queryFn: () => policyOrNull(clusterPath(project, props.cluster)),
  });
  const workspaces = useQuery({
    queryKey: ['p', project, 'workspaces'],
    queryFn: () => api<WorkspaceView[]>('GET', `/projects/${encodeURIComponent(project)}/workspaces`),
  });
  const mine = (workspaces.data ?? []).filter((w) => w.clusters.some((c) => c.name === props.cluster));
  const workspacePolicies = useQueries({
    queries: mine.map((w) => ({
      queryKey: ['p', project, 'policy', 'workspace', w.name],
      queryFn: () =>
        policyOrNull(`/projects/${encodeURIComponent(project)}/workspaces/${encodeURIComponent(w.name)}`),
    })),
  });
  const candidates = [
    ...(policy.data?.nextRunAt ? [{ at: policy.data.nextRunAt, by: `to ${policy.data.location.name}` }] : []),
    ...workspacePolicies.flatMap((query, k) =>
      query.data?.nextRunAt ? [{ at: query.data.nextRunAt, by: `by workspace ${mine[k]?.name ?? ''}` }] : [],
    ),
  ].sort((a, b) => a.at.localeCompare(b.at));
  const next = candidates[0];
  return (
    <div className="stat">
      <div className="label">Next scheduled backup</div>
      {policy.isPending ? <div className="muted">Loading…</div> : null}
      <ErrorNote error={policy.error} />
      {next ? (
        <>
          <div className="value">{formatTime(next.at)}</div>
          <div className="muted">
            {relative(next.at)}, {next.by}
          </div>
        </>
      ) : policy.isPending ? null : (
        <div className="value">
          No schedule — set one in{' '}
          <Link to={['p', project, 'clusters', props.cluster]} query={{ tab: 'settings' }}>
            Settings
          </Link>
        </div>
      )}
    </div>
  );
}
