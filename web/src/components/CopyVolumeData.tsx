/**
 * "Copy volume data with the backup" (into its location), for a backup and for a schedule: a
 * LocationDefaultCheckbox (unset follows the location's default, on, off). It needs disks: without "Include
 * all disks" it is off and cannot be changed.
 */
import type { LocationView } from '../../../src/api/types.ts';
import { LocationDefaultCheckbox } from './LocationDefaultCheckbox.tsx';

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

export function CopyVolumeData(props: {
  includeDisks: boolean;
  /** The user's choice; null follows the location. */
  value: boolean | null;
  onChange: (value: boolean | null) => void;
  /** The chosen location (its default is shown); undefined while the locations load. */
  location: LocationView | undefined;
  error?: string | undefined;
}) {
  return (
    <LocationDefaultCheckbox
      label="Copy volume data with the backup"
      description="Into the backup location, encrypted and deduplicated, so disks restore into any cluster or storage class; the default comes from the location."
      available={props.includeDisks}
      needs="Needs “Include all disks”."
      value={props.value}
      onChange={props.onChange}
      location={props.location}
      locationDefault={locationCopiesData(props.location)}
      sayDefault={(on) => (on ? 'copy' : 'do not copy')}
      sayWould={(on) => (on ? 'copy' : 'not copy')}
      error={props.error}
    />
  );
}
