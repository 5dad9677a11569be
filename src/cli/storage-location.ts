/**
 * The storage location a local-mode backup records (`spec.storageLocation` and the
 * `velero.io/storage-location` label, Velero's BackupStorageLocation name). The control plane records its
 * location's name; local mode has only a URL, so it records `--storage-location NAME` or a name made from the
 * URL's bucket and prefix (or folder). Velero's sync overwrites both with the name of the BSL it found the
 * backup through (docs/velero-format-notes.md §1), so the name only tells people and Lifeboat where a backup
 * was written — it must still be a valid Kubernetes name and label value, as Velero's own are.
 */
import { createHash } from 'node:crypto';
import { isBackupName } from '../archive/index.ts';
import { type Location, parseLocation } from '../storage/index.ts';
import { UsageError } from './io.ts';

/** The place a location URL names, as the words a name is made of: bucket and prefix, or a folder. */
function placeOf(location: Location): string {
  switch (location.provider) {
    case 'file':
      return location.dir;
    case 'azure':
      return `${location.account}/${location.container}/${location.prefix}`;
    default:
      return `${location.bucket}/${location.prefix}`;
  }
}

/**
 * A BSL-like name for a location: its bucket and prefix (or folder) in lower-case letters and digits joined
 * by `-` (`s3://Backups/prod/eu` → `backups-prod-eu`); past 63 characters, cut with a hash of the whole, as
 * Velero's `label.GetValidName` shortens long values, so two long places do not share a name.
 */
export function locationNameOf(location: Location): string {
  const place = placeOf(location);
  const name = place
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (name === '') return 'default';
  if (name.length <= 63) return name;
  const hash = createHash('sha256').update(place).digest('hex').slice(0, 6);
  return `${name.slice(0, 56).replace(/-+$/, '')}-${hash}`;
}

/**
 * The storage location name to record for a backup to `url`: `flag` when given (refused with a
 * `UsageError` unless it is a valid name), else the name made from the URL.
 */
export function storageLocationName(url: string, flag: string | undefined): string {
  if (flag === undefined) return locationNameOf(parseLocation(url));
  if (!isBackupName(flag))
    throw new UsageError(
      `--storage-location ${JSON.stringify(flag.slice(0, 80))} is not a valid location name: use at most 63 lower-case letters, digits, '-' and '.', with a letter or digit at each end (Velero's BackupStorageLocation names are Kubernetes names, and the name is also a label value)`,
    );
  return flag;
}
