/** Starts an on-demand backup of a cluster, or of every cluster of a workspace as one group. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import type { BackupInput, BackupView, GroupView } from '../../../src/api/types.ts';
import { ApiError, api } from '../api.ts';
import { CopyVolumeData, copyVolumeDataField, locationCopiesData } from '../components/CopyVolumeData.tsx';
import {
  type ClusterResources,
  clusterResourceChoices,
  clusterResourcesHint,
  expiryChoices,
} from '../components/choices.ts';
import { useEditedSince } from '../components/field-issues.ts';
import { NamespacePicker } from '../components/NamespacePicker.tsx';
import { Dialog, ErrorNote, Field } from '../components/ui.tsx';
import { Link, navigate } from '../router.tsx';
import { useSession } from '../session.tsx';
import { backupsKey, projectPath, useLocations } from './backup-queries.ts';
import { KeepVolumeSnapshots, keepVolumeSnapshotsField } from './KeepVolumeSnapshots.tsx';

type Target = { kind: 'cluster' | 'workspace'; name: string };

export function CreateBackupDialog(props: { target: Target; onClose: () => void }) {
  const { target } = props;
  const project = useSession().project?.name ?? '';
  const queryClient = useQueryClient();
  const locations = useLocations(project);
  const [name, setName] = useState('');
  const [location, setLocation] = useState('');
  const [expiryHours, setExpiryHours] = useState(24 * 30);
  const [includeDisks, setIncludeDisks] = useState(false);
  /** Copy the disks' data to the location: null follows the location's default. */
  const [copyVolumeData, setCopyVolumeData] = useState<boolean | null>(null);
  /** Keep the CSI snapshots beside the copy: null follows the location's default. */
  const [keepVolumeSnapshots, setKeepVolumeSnapshots] = useState<boolean | null>(null);
  const [clusterResources, setClusterResources] = useState<ClusterResources>('auto');
  const [namespaces, setNamespaces] = useState<string[]>([]);
  const disksHint = useId();

  const choices = locations.data ?? [];
  // Preselect a location that passed validation, else the first: most projects have one.
  const chosen = location || (choices.find((l) => l.status === 'Valid') ?? choices[0])?.name || '';
  const chosenView = choices.find((l) => l.name === chosen);

  const create = useMutation({
    mutationFn: (body: BackupInput) =>
      api<BackupView | GroupView>(
        'POST',
        `${projectPath(project)}/${target.kind}s/${encodeURIComponent(target.name)}/backups`,
        body,
      ),
    onSuccess: async (created) => {
      if (target.kind === 'cluster' && 'name' in created) {
        // Show the new backup (with its progress bar) at once, before the list is fetched again.
        queryClient.setQueryData<BackupView[]>(backupsKey(project, { cluster: target.name }), (list) =>
          list && !list.some((b) => b.id === created.id) ? [created, ...list] : list,
        );
      }
      props.onClose();
      if (target.kind === 'cluster') navigate(['p', project, 'clusters', target.name], { tab: 'backups' });
      await queryClient.invalidateQueries({ queryKey: ['p', project] });
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body: BackupInput = {
      location: chosen,
      expiryHours,
      includeDisks,
      ...copyVolumeDataField(includeDisks, copyVolumeData),
      ...keepVolumeSnapshotsField(includeDisks, copyVolumeData, keepVolumeSnapshots),
      includeClusterResources: clusterResources,
      namespaces,
      excludeNamespaces: [],
      includeResources: [],
      excludeResources: [],
      ...(name.trim() ? { name: name.trim() } : {}),
    };
    create.mutate(body);
  };

  const error = create.error;
  const since = useEditedSince(error);
  /** The refusal's words for one field, until that field is edited. A taken name (409) is the name's. */
  const issue = (path: string) => {
    if (!(error instanceof ApiError) || since.edited(path)) return undefined;
    if (path === 'name' && error.status === 409) return error.message;
    return error.issue(path);
  };
  const fieldPaths = [
    'name',
    'location',
    'expiryHours',
    'includeClusterResources',
    'namespaces',
    'copyVolumeData',
    'keepVolumeSnapshots',
  ];
  const shownAtField =
    error instanceof ApiError && (error.status === 409 || fieldPaths.some((path) => error.issue(path)));
  const noLocations = locations.isSuccess && choices.length === 0;

  return (
    <Dialog title="Create Backup" onClose={props.onClose}>
      <form onSubmit={submit}>
        <p className="muted">
          {target.kind === 'cluster'
            ? `Back up cluster ${target.name} now.`
            : `Back up every cluster of workspace ${target.name} now, as one group (unhealthy clusters are skipped and say why).`}
        </p>
        <Field
          label="Backup name"
          error={issue('name')}
          hint={target.kind === 'workspace' ? 'Each cluster’s backup is named <name>-<cluster>.' : undefined}
        >
          {(id) => (
            <input
              id={id}
              value={name}
              onChange={(event) => {
                setName(event.target.value);
                since.edit('name');
              }}
              placeholder={
                target.kind === 'cluster'
                  ? 'Leave empty for a generated name (manual-<date and time>)'
                  : `Leave empty for a generated name (${target.name}-<date and time>)`
              }
              autoComplete="off"
            />
          )}
        </Field>
        {noLocations ? (
          <div className="error-note" role="alert">
            This project has no backup location yet, so there is nowhere to write a backup.{' '}
            <Link to={['p', project, 'settings']}>Add one in Project Settings</Link> first.
          </div>
        ) : (
          <Field
            label="Location"
            error={issue('location') ?? (locations.error ? locations.error.message : undefined)}
            hint={
              chosenView && chosenView.status !== 'Valid'
                ? `This location is ${chosenView.status}${chosenView.problems.length ? `: ${chosenView.problems.join('; ')}` : ''}. Fix it in Project Settings, or the backup may fail.`
                : undefined
            }
          >
            {(id) => (
              <select
                id={id}
                value={chosen}
                onChange={(event) => {
                  setLocation(event.target.value);
                  since.edit('location');
                }}
                disabled={!locations.data}
              >
                {locations.isPending ? <option value="">Loading…</option> : null}
                {choices.map((l) => (
                  <option key={l.id} value={l.name}>
                    {l.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        <div className="row">
          <Field label="Expiry" error={issue('expiryHours')} hint="The backup is deleted after this.">
            {(id) => (
              <select
                id={id}
                value={String(expiryHours)}
                onChange={(event) => {
                  setExpiryHours(Number(event.target.value));
                  since.edit('expiryHours');
                }}
              >
                {expiryChoices.map((expiry) => (
                  <option key={expiry.hours} value={String(expiry.hours)}>
                    {expiry.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field
            label="Include cluster resources"
            error={issue('includeClusterResources')}
            hint={clusterResourcesHint(clusterResources)}
          >
            {(id) => (
              <select
                id={id}
                value={clusterResources}
                onChange={(event) => {
                  setClusterResources(event.target.value as ClusterResources);
                  since.edit('includeClusterResources');
                }}
              >
                {clusterResourceChoices.map((choice) => (
                  <option key={choice.value} value={choice.value}>
                    {choice.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <div className="field">
          <label className="check" style={{ marginBottom: 0 }}>
            <input
              type="checkbox"
              checked={includeDisks}
              onChange={(event) => setIncludeDisks(event.target.checked)}
              aria-describedby={disksHint}
            />
            Include all disks
          </label>
          <div className="hint" id={disksHint}>
            Each volume on a CSI driver with a VolumeSnapshotClass is snapshotted; the snapshot is kept as
            long as the backup and deleted with it. Other volumes are listed on the backup as not snapshotted,
            with the reason.
          </div>
        </div>
        <CopyVolumeData
          includeDisks={includeDisks}
          value={copyVolumeData}
          onChange={(value) => {
            setCopyVolumeData(value);
            since.edit('copyVolumeData');
          }}
          location={chosenView}
          error={issue('copyVolumeData')}
        />
        <KeepVolumeSnapshots
          copies={includeDisks && (copyVolumeData ?? locationCopiesData(chosenView))}
          value={keepVolumeSnapshots}
          onChange={(value) => {
            setKeepVolumeSnapshots(value);
            since.edit('keepVolumeSnapshots');
          }}
          location={chosenView}
          error={issue('keepVolumeSnapshots')}
        />
        <NamespacePicker
          project={project}
          {...(target.kind === 'cluster' ? { clusters: [target.name] } : { workspace: target.name })}
          selected={namespaces}
          onChange={(chosen) => {
            setNamespaces(chosen);
            since.edit('namespaces');
          }}
          noneMeans={
            target.kind === 'cluster'
              ? 'every namespace is backed up, including ones created later'
              : 'the namespaces the workspace is set to back up'
          }
          error={issue('namespaces')}
        />
        {error && !shownAtField ? <ErrorNote error={error} title={errorTitle(error)} /> : null}
        <div className="form-actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={create.isPending || !chosen || noLocations}>
            Create Backup
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function errorTitle(error: Error): string {
  if (error instanceof ApiError && error.status === 422) return 'The backup cannot start';
  if (error instanceof ApiError && error.status === 409) return 'Name taken';
  return 'The backup was not created';
}
