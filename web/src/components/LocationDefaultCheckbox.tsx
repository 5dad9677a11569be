/**
 * A checkbox with three states whose default comes from the backup location: unset (`null`, the location's
 * default when the backup runs), on and off. The box shows what would happen (the chosen value, else the
 * location's default) and its hint says which of the two it is; "Use the location's default" goes back to
 * unset. While what it depends on is off (`available` false) it is off and cannot be changed.
 * "Copy volume data with the backup" and "Keep the CSI snapshots too" are the two such boxes.
 */
import { type CSSProperties, type ReactNode, useId } from 'react';
import type { LocationView } from '../../../src/api/types.ts';
import { FieldError } from './ui.tsx';

/** What a box's user sets and sees: the choice, the location whose default it follows, a refusal. */
export interface LocationDefaultChoice {
  /** The user's choice; null follows the location. */
  value: boolean | null;
  onChange: (value: boolean | null) => void;
  /** The chosen location (named in the hint); undefined while the locations load. */
  location: LocationView | undefined;
  error?: string | undefined;
}

export function LocationDefaultCheckbox(
  props: LocationDefaultChoice & {
    label: string;
    /** What the box does, shown before where its value comes from. */
    description: ReactNode;
    /** Whether what the box needs is on; when not, the box is off and disabled. */
    available: boolean;
    /** Said instead of where the value comes from while the box is not available. */
    needs: string;
    /** The location's default for this box. */
    locationDefault: boolean;
    /** The default in words, as in "Default from location x: copy". */
    sayDefault: (on: boolean) => string;
    /** What the location would do, as in "location x would copy". */
    sayWould: (on: boolean) => string;
    style?: CSSProperties | undefined;
  },
) {
  const hintId = useId();
  const { available, value, location, locationDefault } = props;
  const checked = available && (value ?? locationDefault);
  const where = location ? `location ${location.name}` : 'the location';
  const source = !available
    ? props.needs
    : value === null
      ? `Default from ${where}: ${props.sayDefault(locationDefault)}.`
      : `Chosen here (${where} would ${props.sayWould(locationDefault)}).`;
  return (
    <div className={`field${props.error ? ' field-invalid' : ''}`} style={props.style}>
      <label className="check" style={{ marginBottom: 0 }}>
        <input
          type="checkbox"
          checked={checked}
          disabled={!available}
          onChange={(event) => props.onChange(event.target.checked)}
          aria-describedby={hintId}
        />
        {props.label}
      </label>
      <div className="hint" id={hintId}>
        {props.description} {source}{' '}
        {available && value !== null ? (
          <button type="button" className="link" onClick={() => props.onChange(null)}>
            Use the location’s default
          </button>
        ) : null}
      </div>
      <FieldError error={props.error} />
    </div>
  );
}
