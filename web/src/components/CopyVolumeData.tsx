/**
 * "Copy volume data with the backup" (into its location), for a backup and for a schedule: a
 * LocationDefaultCheckbox (unset follows the location's default, on, off). It needs disks: without "Include
 * all disks" it is off and cannot be changed.
 */
import type { LocationView } from '../../../src/api/types.ts';
import { LocationDefaultCheckbox, type LocationDefaultChoice } from './LocationDefaultCheckbox.tsx';

/** Whether a location copies volume data by default (its `copyVolumeData`, absent meaning no). */
export function locationCopiesData(location: LocationView | undefined): boolean {
  return location?.config.copyVolumeData === true;
}

/** The request field for a choice: sent only with disks and when chosen (absent: the location's default). */
export function copyVolumeDataField(
  includeDisks: boolean,
  value: boolean | null,
): { copyVolumeData?: boolean } {
  return includeDisks && value !== null ? { copyVolumeData: value } : {};
}

export function CopyVolumeData({
  includeDisks,
  ...choice
}: LocationDefaultChoice & { includeDisks: boolean }) {
  return (
    <LocationDefaultCheckbox
      {...choice}
      label="Copy volume data with the backup"
      description="Into the backup location, encrypted and deduplicated, so disks restore into any cluster or storage class; the default comes from the location."
      available={includeDisks}
      needs="Needs “Include all disks”."
      locationDefault={locationCopiesData(choice.location)}
      sayDefault={(on) => (on ? 'copy' : 'do not copy')}
      sayWould={(on) => (on ? 'copy' : 'not copy')}
    />
  );
}
