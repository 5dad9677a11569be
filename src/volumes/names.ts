/** Names and labels of the objects Lifeboat creates for snapshots: deterministic, valid, bounded. */
import { createHash } from 'node:crypto';

/** Label Velero puts on what a backup created; Lifeboat sets it too, so Velero's tools recognise them. */
export const veleroBackupLabel = 'velero.io/backup-name';
/** Lifeboat's own label with the backup's name. */
export const lifeboatBackupLabel = 'lifeboat.io/backup-name';

const hash = (text: string, length: number) =>
  createHash('sha256').update(text).digest('hex').slice(0, length);

/**
 * A label value for a name: itself when it fits in 63 characters, else its first 57 characters and 6 of its
 * SHA-256, as Velero's `label.GetValidName` does (so both products label the same backup the same way).
 */
export function labelValue(name: string): string {
  return name.length <= 63 ? name : `${name.slice(0, 57)}${hash(name, 6)}`;
}

/** Keeps a piece of a name valid inside a DNS label: lower-case letters, digits and inner '-'. */
function piece(text: string, max: number): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, max)
    .replace(/^-+|-+$/g, '');
}

/**
 * The VolumeSnapshot name for a backup's snapshot of one PVC: `lb-<backup>-<pvc>-<hash>`, at most 63
 * characters, the same for the same backup, namespace and PVC, and different for different ones (the hash is
 * of all three, so truncation never makes two names equal).
 */
export function volumeSnapshotName(backup: string, namespace: string, pvc: string): string {
  const suffix = hash(`${backup}\n${namespace}\n${pvc}`, 10);
  // 63 = 'lb-' (3) + backup (≤24) + '-' + pvc (≤24) + '-' + hash (10).
  const parts = ['lb', piece(backup, 24), piece(pvc, 24), suffix].filter((part) => part.length > 0);
  return parts.join('-');
}

/** The name of the VolumeSnapshotContent made to delete a snapshot whose own content is gone. */
export function deletionContentName(snapshotHandle: string): string {
  return `lb-delete-${hash(snapshotHandle, 20)}`;
}
