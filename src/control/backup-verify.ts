/**
 * The verify action: a finished backup of the project checked object by object against its content index
 * and its tarball paths (the engine's `verifyBackup`), read from its location; nothing is written.
 */
import { type BackupVerification, verifyBackup } from '../restore/index.ts';
import { authorize, type Caller } from './access.ts';
import { withStore } from './backup-files.ts';
import { resolveBackup } from './backups.ts';
import type { ControlContext } from './context.ts';
import { ConflictError } from './errors.ts';

/** Verifies backup `backupRef` (id, or a name unambiguous in the project); operators and above. */
export async function verifyStoredBackup(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  backupRef: string,
): Promise<BackupVerification> {
  const { project } = await authorize(ctx, caller, projectRef, 'operator');
  const backup = await resolveBackup(ctx, project.id, backupRef);
  if (backup.phase !== 'Completed' && backup.phase !== 'PartiallyFailed')
    throw new ConflictError(
      `backup "${backup.name}" is ${backup.phase}: only a finished (Completed or PartiallyFailed) backup can be verified`,
    );
  return withStore(ctx, backup.locationId, (store) => verifyBackup(store, backup.name));
}
