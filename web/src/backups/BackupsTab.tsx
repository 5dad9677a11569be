/** A cluster's backups, newest first, with live progress and a way to start one now. */
import { useState } from 'react';
import type { ClusterView } from '../../../src/api/types.ts';
import { EmptyState, ErrorNote } from '../components/ui.tsx';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { BackupTable } from './BackupTable.tsx';
import { useBackups, useLocations } from './backup-queries.ts';
import { CreateBackupDialog } from './CreateBackupDialog.tsx';

export function BackupsTab(props: { cluster: ClusterView }) {
  const session = useSession();
  const project = session.project?.name ?? '';
  const cluster = props.cluster.name;
  const backups = useBackups(project, { cluster });
  const locations = useLocations(project);
  const [creating, setCreating] = useState(false);
  const canBackUp = session.can('operator');
  const noLocations = locations.isSuccess && locations.data.length === 0;

  return (
    <section aria-labelledby="cluster-backups">
      <div className="page-head">
        <h2 id="cluster-backups">Backups</h2>
        {canBackUp ? (
          <div className="actions">
            <button type="button" className="primary" onClick={() => setCreating(true)}>
              Create Backup
            </button>
          </div>
        ) : null}
      </div>
      {props.cluster.health === 'Unhealthy' && canBackUp ? (
        <p className="muted">
          This cluster is Unhealthy{props.cluster.healthReason ? ` (${props.cluster.healthReason})` : ''}: a
          backup is refused until it is reachable again. Check it again from the Overview tab.
        </p>
      ) : null}
      {backups.isPending ? <p className="loading">Loading backups…</p> : null}
      <ErrorNote error={backups.error} title="Cannot load the backups" />
      {backups.data?.length === 0 ? (
        <EmptyState title="No backups yet">
          {noLocations ? (
            <p>
              This project has no backup location yet: add one in{' '}
              <Link to={['p', project, 'settings']}>Project Settings</Link> first.
            </p>
          ) : null}
          <p>
            {canBackUp ? 'Create one now with Create Backup, or set a schedule in ' : 'Set a schedule in '}
            <Link to={['p', project, 'clusters', cluster]} query={{ tab: 'settings' }}>
              Settings
            </Link>
            {canBackUp ? '.' : ' (an administrator can), or ask an operator to create one now.'}
          </p>
        </EmptyState>
      ) : null}
      {backups.data && backups.data.length > 0 ? <BackupTable backups={backups.data} /> : null}
      {creating ? (
        <CreateBackupDialog target={{ kind: 'cluster', name: cluster }} onClose={() => setCreating(false)} />
      ) : null}
    </section>
  );
}
