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
 * A name that is a valid DNS label: `<prefix>-<readable…>-<hash>`, each readable part cut to `max`
 * characters and kept valid, then 10 hex characters of the SHA-256 of every part of `key`, so two keys never
 * share a name where truncation makes their readable parts equal. The caller chooses `max` so that the whole
 * stays within 63 characters.
 */
export function hashedName(
  prefix: string,
  readable: readonly string[],
  max: number,
  key: readonly string[],
): string {
  const parts = [prefix, ...readable.map((text) => piece(text, max)), hash(key.join('\n'), 10)];
  return parts.filter((part) => part.length > 0).join('-');
}

/**
 * The VolumeSnapshot name for a backup's snapshot of one PVC: `lb-<backup>-<pvc>-<hash>`, at most 63
 * characters, the same for the same backup, namespace and PVC, and different for different ones (the hash is
 * of all three, so truncation never makes two names equal).
 */
export function volumeSnapshotName(backup: string, namespace: string, pvc: string): string {
  // 63 = 'lb-' (3) + backup (≤24) + '-' + pvc (≤24) + '-' + hash (10).
  return hashedName('lb', [backup, pvc], 24, [backup, namespace, pvc]);
}

/** The name of the VolumeSnapshotContent made to delete a snapshot whose own content is gone. */
export function deletionContentName(snapshotHandle: string): string {
  return `lb-delete-${hash(snapshotHandle, 20)}`;
}
