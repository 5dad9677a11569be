/**
 * "Keep the CSI snapshots too", under "Copy volume data with the backup", for a backup and for a schedule.
 * Velero's data mover always deletes a snapshot once its data is copied; Lifeboat can keep both (the copy
 * survives the loss of the cloud account, the snapshot stays in it). Like the copy, it has three states:
 * unset (`null`, the location's default when the backup runs), on and off. It needs the copy: while the data
 * is not copied (chosen or by the location's default) it is off and cannot be changed.
 */
import type { LocationView } from '../../../src/api/types.ts';
import {
  LocationDefaultCheckbox,
  type LocationDefaultChoice,
} from '../components/LocationDefaultCheckbox.tsx';

/** Whether a location keeps the snapshots of copied volumes by default (absent meaning no). */
export function locationKeepsSnapshots(location: LocationView | undefined): boolean {
  return location?.config.keepVolumeSnapshots === true;
}

/**
 * The request field for a choice: sent only when the data may be copied (disks on, copy not turned off) and
 * a choice was made (absent: the location's default).
 */
export function keepVolumeSnapshotsField(
  includeDisks: boolean,
  copyVolumeData: boolean | null,
  value: boolean | null,
): { keepVolumeSnapshots?: boolean } {
  return includeDisks && copyVolumeData !== false && value !== null ? { keepVolumeSnapshots: value } : {};
}

export function KeepVolumeSnapshots({
  copies,
  ...choice
}: LocationDefaultChoice & {
  /** Whether the volumes' data is copied, as the copy box shows it (the choice or the location's default). */
  copies: boolean;
}) {
  return (
    <LocationDefaultCheckbox
      {...choice}
      label="Keep the CSI snapshots too"
      description="Otherwise each snapshot is deleted once its data is copied (as Velero does). Kept, it stays in the storage until the backup is deleted, beside the copy."
      available={copies}
      needs="Needs “Copy volume data with the backup”; without the copy the snapshots are always kept."
      locationDefault={locationKeepsSnapshots(choice.location)}
      sayDefault={(on) => (on ? 'keep' : 'delete')}
      sayWould={(on) => (on ? 'keep them' : 'delete them')}
      // Indented under the copy box it depends on.
      style={{ marginLeft: 26 }}
    />
  );
}
