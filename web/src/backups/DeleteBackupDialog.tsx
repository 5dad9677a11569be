/**
 * Asks before deleting a backup: its files are removed from its location and its volume snapshots from the
 * storage, so it can never be restored again.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { BackupDetailView, BackupView } from '../../../src/api/types.ts';
import { api } from '../api.ts';
import { Dialog, ErrorNote } from '../components/ui.tsx';
import { plural } from '../format.ts';
import { navigate } from '../router.tsx';
import { backupPath } from './backup-queries.ts';

export function DeleteBackupDialog(props: {
  project: string;
  backup: BackupDetailView;
  locationName: string;
  onClose: () => void;
}) {
  const { project, backup } = props;
  const snapshots = backup.volumes.snapshotted;
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: () => api<BackupView>('DELETE', backupPath(project, backup.id)),
    onSuccess: async (deleting) => {
      queryClient.setQueryData<BackupDetailView>(['p', project, 'backup', backup.id], (old) => ({
        ...deleting,
        volumes: old?.volumes ?? backup.volumes,
      }));
      props.onClose();
      const cluster = backup.cluster.name;
      navigate(cluster ? ['p', project, 'clusters', cluster] : ['p', project, 'clusters'], {
        tab: 'backups',
      });
      await queryClient.invalidateQueries({ queryKey: ['p', project] });
    },
  });
  return (
    <Dialog title="Delete backup" onClose={props.onClose}>
      <div>
        {backup.phase === 'Missing' || backup.deleteFailedAt ? (
          <p>
            Remove backup <strong>{backup.name}</strong> from Lifeboat?{' '}
            {backup.phase === 'Missing'
              ? 'Its folder is already gone from location '
              : 'Its deletion could not finish (its page says why); whatever is left of it stays in location '}
            <strong>{props.locationName}</strong>
            {backup.phase === 'Missing' ? '' : ' and in the storage of its cluster'}, untouched.
          </p>
        ) : (
          <p>
            Delete backup <strong>{backup.name}</strong>? Its files are removed from location{' '}
            <strong>{props.locationName}</strong>
            {snapshots > 0
              ? `, then its ${snapshots === 1 ? 'volume snapshot' : plural(snapshots, 'volume snapshot')} from the storage of the cluster it was taken of`
              : ''}
            , and it can no longer be restored.
          </p>
        )}
        <ErrorNote error={remove.error} title="Not deleted" />
        <div className="form-actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="danger"
            onClick={() => remove.mutate()}
            disabled={remove.isPending}
          >
            Delete backup
          </button>
        </div>
      </div>
    </Dialog>
  );
}
