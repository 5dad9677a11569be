/** "Volume source": where claims' data comes from, with the hint for the choice (restore and group restore). */
import { Field } from '../components/ui.tsx';
import { type VolumeSource, volumeSources } from './restore-choice.ts';

export function VolumeSourceField(props: {
  value: VolumeSource;
  error: string | undefined;
  onChange: (value: VolumeSource) => void;
}) {
  return (
    <Field
      label="Volume source"
      error={props.error}
      hint={volumeSources.find((source) => source.value === props.value)?.hint}
    >
      {(id) => (
        <select id={id} value={props.value} onChange={(e) => props.onChange(e.target.value as VolumeSource)}>
          {volumeSources.map((source) => (
            <option key={source.value} value={source.value}>
              {source.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
