/**
 * "Copy volume data with the backup" (into its location), for a backup and for a schedule. It has three
 * states: unset (`null`, the location's default when the backup runs), on and off. The box shows what would
 * happen (the chosen value, else the location's default) and says which of the two it is; "Use the
 * location's default" goes back to unset. It needs disks: without "Include all disks" it is off and cannot
 * be changed.
 */
import { useId } from 'react';
import type { LocationView } from '../../../src/api/types.ts';

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
  const hintId = useId();
  const { includeDisks, value, location } = props;
  const locationDefault = locationCopiesData(location);
  const checked = includeDisks && (value ?? locationDefault);
  const where = location ? `location ${location.name}` : 'the location';
  const source = !includeDisks
    ? 'Needs “Include all disks”.'
    : value === null
      ? `Default from ${where}: ${locationDefault ? 'copy' : 'do not copy'}.`
      : `Chosen here (${where} would ${locationDefault ? 'copy' : 'not copy'}).`;
  return (
    <div className={`field${props.error ? ' field-invalid' : ''}`}>
      <label className="check" style={{ marginBottom: 0 }}>
        <input
          type="checkbox"
          checked={checked}
          disabled={!includeDisks}
          onChange={(event) => props.onChange(event.target.checked)}
          aria-describedby={hintId}
        />
        Copy volume data with the backup
      </label>
      <div className="hint" id={hintId}>
        Into the backup location, encrypted and deduplicated, so disks restore into any cluster or storage
        class; the default comes from the location. {source}{' '}
        {includeDisks && value !== null ? (
          <button type="button" className="link" onClick={() => props.onChange(null)}>
            Use the location’s default
          </button>
        ) : null}
      </div>
      {props.error ? (
        <div className="field-error" role="alert">
          {props.error}
        </div>
      ) : null}
    </div>
  );
}
