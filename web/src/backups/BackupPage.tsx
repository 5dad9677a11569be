/** One backup: how it went, what it holds, its log, and the ways to restore or delete it. */
import { type ReactNode, useState } from 'react';
import type { BackupView } from '../../../src/api/types.ts';
import { clusterResourcesLabel } from '../components/choices.ts';
import { Badge, ErrorNote, ProgressBar } from '../components/ui.tsx';
import { expiryLabel, formatBytes, formatTime, plural, relative } from '../format.ts';
import { RestoreWizard } from '../restores/RestoreWizard.tsx';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { BackupContents } from './BackupContents.tsx';
import { BackupLogs } from './BackupLogs.tsx';
import { BackupMessages } from './BackupMessages.tsx';
import { BackupVolumes } from './BackupVolumes.tsx';
import {
  isFinished,
  isRunning,
  missingNote,
  triggerLabel,
  useBackup,
  useLocations,
} from './backup-queries.ts';
import { DeleteBackupDialog } from './DeleteBackupDialog.tsx';
import { VolumeCopies } from './VolumeCopies.tsx';

export function BackupPage(props: { backup: string }) {
  const session = useSession();
  const project = session.project?.name ?? '';
  const backup = useBackup(project, props.backup);
  const locations = useLocations(project);
  const [restoring, setRestoring] = useState(false);
  const [deleting, setDeleting] = useState(false);

  if (backup.isPending) return <p className="loading">Loading backup…</p>;
  if (backup.error)
    return (
      <>
        <ErrorNote error={backup.error} title={`Cannot show backup ${props.backup}`} />
        <Link to={['p', project, 'clusters']}>Back to the clusters</Link>
      </>
    );
  const view = backup.data;
  const locationName = locations.data?.find((l) => l.id === view.location.id)?.name ?? view.location.id;
  const finished = isFinished(view);

  return (
    <>
      <div className="page-head">
        <h1>{view.name}</h1>
        <Badge value={view.phase} title={view.failureReason} />
        <div className="actions">
          {session.can('operator') ? (
            <button
              type="button"
              className="primary"
              onClick={() => setRestoring(true)}
              disabled={!finished}
              title={
                finished ? undefined : `A backup can be restored once it has finished (it is ${view.phase})`
              }
            >
              Restore
            </button>
          ) : null}
          {session.can('admin') ? (
            <button
              type="button"
              className="danger"
              onClick={() => setDeleting(true)}
              disabled={view.phase === 'Deleting' || isRunning(view)}
              title={deleteBlocked(view)}
            >
              Delete
            </button>
          ) : null}
        </div>
      </div>
      {view.phase === 'Failed' && view.failureReason ? (
        <ErrorNote
          error={view.failureReason}
          title={view.deleteFailedAt ? 'The backup could not be deleted' : 'The backup failed'}
        />
      ) : null}
      {view.phase === 'Missing' ? (
        <div className="error-note" role="alert">
          <strong>{missingNote}</strong>
        </div>
      ) : null}
      {isRunning(view) ? (
        <div className="card">
          <ProgressBar percent={view.progress.percent} label={`Progress of ${view.name}`} />
          <p className="muted">
            {view.phase === 'Queued'
              ? 'Waiting to start.'
              : `${view.progress.itemsDone} of ${plural(view.progress.itemsTotal, 'object')} taken.`}
          </p>
        </div>
      ) : null}
      {view.phase === 'Deleting' ? (
        <p className="muted">This backup is being deleted from its location.</p>
      ) : null}
      <BackupStats backup={view} locationName={locationName} />
      {view.volumeCopies.length > 0 ? (
        <section className="card" aria-labelledby="backup-volume-data">
          <h2 id="backup-volume-data">Volume data</h2>
          <VolumeCopies copies={view.volumeCopies} />
        </section>
      ) : null}
      {finished ? (
        <section className="card" aria-labelledby="backup-volumes">
          <h2 id="backup-volumes">Volumes</h2>
          <BackupVolumes backup={view} />
        </section>
      ) : null}
      {finished ? (
        <section className="card" aria-labelledby="backup-contents">
          <h2 id="backup-contents">Contents</h2>
          <BackupContents project={project} backup={view.id} />
        </section>
      ) : null}
      <section className="card" aria-labelledby="backup-messages">
        <h2 id="backup-messages">Errors and warnings</h2>
        <BackupMessages backup={view} />
      </section>
      <section className="card" aria-labelledby="backup-logs">
        <h2 id="backup-logs">Logs</h2>
        {view.phase === 'Missing' ? (
          <p className="muted">Its log went with its folder.</p>
        ) : (
          <BackupLogs project={project} backup={view.id} />
        )}
      </section>
      {restoring ? <RestoreWizard backup={view} onClose={() => setRestoring(false)} /> : null}
      {deleting ? (
        <DeleteBackupDialog
          project={project}
          backup={view}
          locationName={locationName}
          onClose={() => setDeleting(false)}
        />
      ) : null}
    </>
  );
}

function deleteBlocked(backup: BackupView): string | undefined {
  if (backup.phase === 'Deleting') return 'The backup is being deleted';
  if (isRunning(backup)) return `Wait for the backup to finish (it is ${backup.phase}), then delete it`;
  return undefined;
}

/**
 * Whether the backup snapshots volumes. Velero's snapshotVolumes left unset is not "no": Velero then snapshots
 * every volume a snapshotter serves.
 */
function DisksSetting(props: { options: BackupView['options'] }) {
  const { options } = props;
  if (options.includeDisksSource === 'velero-unset')
    return (
      <>
        Not set
        <div className="muted">Velero's default: snapshots where a snapshotter is configured</div>
      </>
    );
  if (!options.includeDisks) return <>Not asked for</>;
  const copy =
    options.copyVolumeData === undefined
      ? "Data copied if the location's default says so"
      : options.copyVolumeData
        ? 'Data copied to the location (asked for)'
        : 'Data not copied (asked for)';
  return (
    <>
      Snapshotted (asked for)
      <div className="muted">{copy}</div>
    </>
  );
}

function Stat(props: { label: string; children: ReactNode }) {
  return (
    <div className="stat">
      <div className="label">{props.label}</div>
      <div className="value">{props.children}</div>
    </div>
  );
}

function BackupStats(props: { backup: BackupView; locationName: string }) {
  const project = useSession().project?.name ?? '';
  const { backup } = props;
  const { options } = backup;
  return (
    <div className="grid" style={{ marginBottom: 16 }}>
      <Stat label="Cluster">
        {backup.cluster.name ? (
          <Link to={['p', project, 'clusters', backup.cluster.name]}>{backup.cluster.name}</Link>
        ) : (
          <span className="muted">
            {backup.trigger === 'sync' && !backup.cluster.id
              ? 'not recorded (found in the bucket)'
              : 'unknown (removed)'}
          </span>
        )}
      </Stat>
      <Stat label="Trigger">{triggerLabel[backup.trigger]}</Stat>
      <Stat label="Location">{props.locationName}</Stat>
      <Stat label="Created">{formatTime(backup.createdAt)}</Stat>
      <Stat label="Completed">{formatTime(backup.completedAt)}</Stat>
      <Stat label="Expires">
        {formatTime(backup.expiresAt)}
        {backup.expiresAt ? (
          <div className="muted">
            {relative(backup.expiresAt)} · kept {expiryLabel(options.ttlHours)}
          </div>
        ) : null}
      </Stat>
      <Stat label="Items">
        {backup.progress.itemsDone} / {backup.progress.itemsTotal}
      </Stat>
      <Stat label="Size">{formatBytes(backup.bytes)}</Stat>
      <Stat label="Errors">{backup.errorCount}</Stat>
      <Stat label="Warnings">{backup.warningCount}</Stat>
      <Stat label="Namespaces">
        {options.includeNamespaces.length > 0 ? options.includeNamespaces.join(', ') : 'All'}
        {options.excludeNamespaces.length > 0 ? (
          <div className="muted">except {options.excludeNamespaces.join(', ')}</div>
        ) : null}
        <div className="muted">Cluster resources: {clusterResourcesLabel(options.clusterResources)}</div>
      </Stat>
      <Stat label="Disks">
        <DisksSetting options={options} />
      </Stat>
    </div>
  );
}
