/**
 * Restoring a backup in two steps: choose (target, namespaces, mappings), then review the server's dry run
 * of exactly that request before anything is written.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { BackupView, RestorePlan, RestoreView } from '../../../src/api/types.ts';
import { api } from '../api.ts';
import { Dialog, ErrorNote } from '../components/ui.tsx';
import { formatTime } from '../format.ts';
import { navigate } from '../router.tsx';
import { PlanView } from './PlanView.tsx';
import { RestoreChoiceForm } from './RestoreChoiceForm.tsx';
import {
  hasVolumes,
  initialChoice,
  type RestoreChoice,
  requestOf,
  volumeSourceLabel,
} from './restore-choice.ts';
import { projectPath, useClusters, useContents, useProjectName } from './restore-queries.ts';

/** `target`: the cluster to restore into at first (default the backup's own). */
export function RestoreWizard(props: { backup: BackupView; target?: string; onClose: () => void }) {
  const { backup } = props;
  const project = useProjectName();
  const queryClient = useQueryClient();
  const clusters = useClusters(project);
  const contents = useContents(project, backup.id);
  const [choice, setChoice] = useState<RestoreChoice>(() => ({
    ...initialChoice(backup),
    ...(props.target ? { targetCluster: props.target } : {}),
  }));
  const [plan, setPlan] = useState<RestorePlan>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  // The backup's own cluster may be gone: then the first cluster of the project is the default.
  const known = clusters.data?.some((cluster) => cluster.name === choice.targetCluster);
  const targetCluster = known ? choice.targetCluster : (clusters.data?.[0]?.name ?? '');
  const request = requestOf(backup, { ...choice, targetCluster });
  const namespaces = contents.error
    ? []
    : contents.data?.namespaces.flatMap((entry) => (entry.namespace === null ? [] : [entry.namespace]));

  const review = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setPlan(await api<RestorePlan>('POST', `${projectPath(project)}/restores/plan`, request));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const restore = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const created = await api<RestoreView>('POST', `${projectPath(project)}/restores`, request);
      void queryClient.invalidateQueries({ queryKey: ['p', project] });
      props.onClose();
      navigate(['p', project, 'restores', created.id]);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  const back = () => {
    setPlan(undefined);
    setError(undefined);
  };

  return (
    <Dialog title="Restore Backup" wide onClose={props.onClose}>
      <div>
        <p>
          Backup <strong>{backup.name}</strong>
          {backup.cluster.name ? ` of cluster ${backup.cluster.name}` : ''}, made{' '}
          {formatTime(backup.createdAt)}
        </p>
        <div className="steps">
          <span className={plan ? undefined : 'current'} aria-current={plan ? undefined : 'step'}>
            1. Choose
          </span>
          <span aria-hidden="true">›</span>
          <span className={plan ? 'current' : undefined} aria-current={plan ? 'step' : undefined}>
            2. Review
          </span>
        </div>
        {plan ? (
          <>
            <p>
              Into cluster <strong>{targetCluster}</strong> as restore{' '}
              {request.name ? (
                <strong>{request.name}</strong>
              ) : (
                <span className="muted">named from the backup and the time it starts</span>
              )}
              {request.existingResourcePolicy === 'update' ? ', updating existing objects' : ''}
              {request.volumeSource ? `, volume source: ${volumeSourceLabel(request.volumeSource)}` : ''}.
            </p>
            <PlanView plan={plan} />
            <ErrorNote error={error} title="Cannot start this restore" />
            <div className="form-actions">
              {busy ? (
                <span className="muted" role="status">
                  Starting the restore…
                </span>
              ) : null}
              <button type="button" onClick={back} disabled={busy}>
                Back
              </button>
              <button type="button" className="primary" onClick={() => void restore()} disabled={busy}>
                Restore
              </button>
            </div>
          </>
        ) : (
          <>
            <ErrorNote error={contents.error} title="Cannot list the backup's namespaces" />
            <ErrorNote error={clusters.error} title="Cannot list the project's clusters" />
            <RestoreChoiceForm
              project={project}
              choice={{ ...choice, targetCluster }}
              onChange={setChoice}
              clusters={clusters.data}
              namespaces={namespaces}
              hasVolumes={hasVolumes(backup)}
              error={error}
              busy={busy}
              onSubmit={() => void review()}
              onCancel={props.onClose}
            />
          </>
        )}
      </div>
    </Dialog>
  );
}
